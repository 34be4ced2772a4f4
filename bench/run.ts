/**
 * `npm run bench`: darkscope's performance figures, measured side by side with
 * the alternatives in one run. Never part of `npm test`.
 *
 *   npm run bench                 all parts (about 15 minutes on 2 cores)
 *   npm run bench -- --quick      a 2-minute subset (smaller capture, 1 round)
 *   npm run bench -- --parts parse,ingest --packets 5000000 --rounds 3
 *
 * A private ClickHouse server is started under bench/.data/ (or set
 * DARKSCOPE_BENCH_CLICKHOUSE_URL and DARKSCOPE_BENCH_CLICKHOUSE_TCP_PORT to use
 * a running one). Results: bench/results/latest.json and a table on stdout.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startLocalServer, type LocalServer } from '../src/store/local-server.js';
import { writeSynthCapture } from '../src/synth/generator.js';
import { runDarkscope, runNaive, runTshark, summarize, type IngestRun, type Server } from './ingest-compare.js';
import { measureParse, type ParseFigures } from './parse-ceiling.js';
import { ensureTshark } from './tshark-ingest.js';
import { runSampled } from './proc-sampler.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA = `${ROOT}bench/.data/`;

interface Args {
  quick: boolean;
  parts: Set<string>;
  packets: number;
  bigPackets: number;
  rounds: number;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const parts = new Set((get('parts') ?? 'parse,ingest,memory').split(','));
  return {
    quick,
    parts,
    packets: Number(get('packets') ?? (quick ? 1_000_000 : 5_000_000)),
    bigPackets: Number(get('big-packets') ?? (quick ? 5_000_000 : 50_000_000)),
    rounds: Number(get('rounds') ?? (quick ? 1 : 3)),
  };
}

async function capture(packets: number): Promise<string> {
  mkdirSync(DATA, { recursive: true });
  const path = `${DATA}synth-${packets}.pcap`;
  if (!existsSync(path)) {
    const t0 = performance.now();
    await writeSynthCapture(path, { packets, seed: 1, durationSec: Math.max(3600, Math.round(packets / 2000)) });
    log(`generated ${path} (${(statSync(path).size / 2 ** 20).toFixed(0)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return path;
}

function log(msg: string): void {
  process.stderr.write(`bench: ${msg}\n`);
}

async function server(): Promise<{ server: Server; stop: () => Promise<void> }> {
  const url = process.env.DARKSCOPE_BENCH_CLICKHOUSE_URL;
  if (url !== undefined) return { server: { url, tcpPort: Number(process.env.DARKSCOPE_BENCH_CLICKHOUSE_TCP_PORT ?? 9000) }, stop: async () => undefined };
  const s: LocalServer = await startLocalServer({ dataDir: `${DATA}clickhouse` });
  log(`ClickHouse started at ${s.url} (${s.binary})`);
  return { server: { url: s.url, tcpPort: s.tcpPort }, stop: () => s.stop() };
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    args: { ...args, parts: [...args.parts] },
  };
  const lines: string[] = [];
  const file = await capture(args.packets);

  if (args.parts.has('parse')) {
    const p: ParseFigures = await measureParse(file, args.rounds);
    results.parse = p;
    lines.push(`parse (${fmt(p.packets)} packets, median of ${args.rounds}):`,
      `  minimal record loop (ceiling)      ${fmt(p.ceilingPerSec / 1e6, 2)} M records/s`,
      `  darkscope reader                   ${fmt(p.readerPerSec / 1e6, 2)} M records/s  (${fmt((p.readerPerSec / p.ceilingPerSec) * 100, 1)}% of ceiling)`,
      `  reader + decode + classify         ${fmt(p.fullPerSec / 1e6, 2)} M packets/s  (${fmt((p.fullPerSec / p.ceilingPerSec) * 100, 1)}% of ceiling)`);
  }

  let ch: Awaited<ReturnType<typeof server>> | null = null;
  try {
    if (args.parts.has('ingest') || args.parts.has('memory')) ch = await server();
    if (args.parts.has('ingest') && ch !== null) {
      const withTshark = ensureTshark();
      const runs: IngestRun[] = [];
      for (let round = 1; round <= args.rounds; round++) {
        log(`ingest round ${round}/${args.rounds}`);
        runs.push(await runDarkscope(ch.server, file, args.packets));
        runs.push(await runNaive(ch.server, file, args.packets));
        if (withTshark) runs.push(await runTshark(ch.server, file, args.packets));
      }
      const s = summarize(runs);
      results.ingest = { runs, summary: s };
      const ds = s.find((x) => x.pipeline === 'darkscope');
      lines.push(`ingest (${fmt(args.packets)} packets into ClickHouse with all rollups, median of ${args.rounds}):`);
      for (const x of s) {
        lines.push(`  ${x.pipeline.padEnd(38)} ${fmt(x.packetsPerSec / 1e3, 1).padStart(8)} k packets/s  cpu ${fmt(x.cpuSec, 1)} s  peak RSS ${fmt(x.peakRssMb)} MB${x.allStored ? '' : '  (not every packet stored)'}`);
      }
      if (ds !== undefined) {
        for (const x of s) if (x !== ds) lines.push(`  ratio darkscope / ${x.pipeline}: ${fmt(ds.packetsPerSec / x.packetsPerSec, 2)}x`);
      }
    }
    if (args.parts.has('memory') && ch !== null) {
      const big = await capture(args.bigPackets);
      log(`memory: ingest of ${fmt(args.bigPackets)} packets`);
      const small = await runDarkscope(ch.server, file, args.packets, 'bench_mem_small');
      const large = await runDarkscope(ch.server, big, args.bigPackets, 'bench_mem_large');
      results.memory = { small, large };
      lines.push('memory (peak RSS of darkscope ingest):',
        `  ${fmt(args.packets)} packets   ${fmt(small.peakRssMb)} MB  (${fmt(small.packetsPerSec / 1e3, 1)} k packets/s)`,
        `  ${fmt(args.bigPackets)} packets  ${fmt(large.peakRssMb)} MB  (${fmt(large.packetsPerSec / 1e3, 1)} k packets/s)`);
    }
  } finally {
    await ch?.stop();
  }

  results.elapsedSec = (performance.now() - started) / 1000;
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(`${ROOT}bench/results/latest.json`, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`\n${lines.join('\n')}\n\nelapsed ${fmt(results.elapsedSec as number)} s; results in bench/results/latest.json\n`);
}

await main();
