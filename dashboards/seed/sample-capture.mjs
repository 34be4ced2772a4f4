#!/usr/bin/env node
/**
 * One-shot seed for the docker-compose stack: writes a synthetic darknet
 * capture covering the last 16 days (so the Overview, the drill-downs and the
 * Trends baseline all have data on first start, and 37215/TCP appears as a
 * new port in the last hours), a label file marking the synthetic research
 * scanners, and ingests both with `darkscope ingest`.
 *
 * Runs inside the darkscope image (node, /app/dist built). Skips everything
 * when the sample sensor already has packets, so `docker compose up` again
 * does not add a second copy. Settings come from the same DARKSCOPE_*
 * environment the CLI reads.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const APP = process.env.DARKSCOPE_APP_DIR ?? '/app';
const SENSOR = process.env.DARKSCOPE_SEED_SENSOR ?? 'sample';
const DARKNET = '198.18.0.0/16';
const DAYS = 16;
const PACKETS = Number(process.env.DARKSCOPE_SEED_PACKETS ?? 600000);
const OUT = process.env.DARKSCOPE_SEED_DIR ?? '/tmp';

async function alreadySeeded() {
  const url = process.env.DARKSCOPE_CLICKHOUSE_URL ?? 'http://localhost:8123';
  const db = process.env.DARKSCOPE_DATABASE ?? 'darkscope';
  const auth = Buffer.from(`${process.env.DARKSCOPE_CLICKHOUSE_USER ?? 'default'}:${process.env.DARKSCOPE_CLICKHOUSE_PASSWORD ?? ''}`).toString('base64');
  const sql = `SELECT count() FROM ${db}.packets WHERE sensor = '${SENSOR}' FORMAT TabSeparated`;
  try {
    const res = await fetch(url, { method: 'POST', body: sql, headers: { authorization: `Basic ${auth}` } });
    return res.ok && Number((await res.text()).trim()) > 0;
  } catch {
    return false; // no database yet: ingest creates it
  }
}

if (await alreadySeeded()) {
  console.log(`seed: sensor "${SENSOR}" already has packets; nothing to do`);
  process.exit(0);
}

const { writeSynthCapture } = await import(pathToFileURL(join(APP, 'dist/synth/generator.js')).href);
const { RESEARCH_CIDR } = await import(pathToFileURL(join(APP, 'dist/synth/darknet-model.js')).href);

const now = Math.floor(Date.now() / 1000);
const startSec = Math.floor(now / 3600) * 3600 - DAYS * 86400;
const capture = join(OUT, 'darkscope-sample.pcap');
const labels = join(OUT, 'darkscope-sample-labels.txt');
const truth = await writeSynthCapture(capture, {
  packets: PACKETS,
  seed: 7,
  startSec,
  durationSec: DAYS * 86400,
  darknet: DARKNET,
  sources: 50000,
  // 37215/TCP (Huawei HG532) starts in the last ~15 hours: a "new port" on the Trends dashboard.
  onsets: [{ port: 37215, proto: 'tcp', from: 0.96, share: 0.05 }],
});
await writeFile(labels, `# synthetic research scanners\n${RESEARCH_CIDR},research\n`);
console.log(`seed: wrote ${truth.packets} packets over ${DAYS} days to ${capture}`);

const child = spawn(process.execPath, [join(APP, 'bin/darkscope.js'), 'ingest', '--sensor', SENSOR, '--darknet', DARKNET, '--labels', labels, capture], { stdio: 'inherit' });
child.on('exit', (code) => { process.exitCode = code ?? 1; });
