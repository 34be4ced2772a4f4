/**
 * `darkscope serve` on the demo week, as a user gets it from `darkscope
 * demo`: the demo scenario's capture and labels ingested by the real
 * `ingest` command into a fresh test database on the harness's engine, then
 * the real `serve` command (in-process) on 127.0.0.1 with a free port.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runServe } from '../../../src/cli/commands/serve.js';
import { demoLabels, demoScenario, DEMO_DARKNET, DEMO_SENSOR, DEMO_WEEK_SECONDS } from '../../../src/demo/scenario.js';
import { createStoreClient, type StoreClient } from '../../../src/store/client.js';
import { writeSynthCapture } from '../../../src/synth/generator.js';
import { runCli } from '../../helpers/run-cli.js';
import { clickhouseUrl, dropTestDatabase, testDatabaseName } from '../../integration/helpers/db.js';

export interface DemoData {
  readonly database: string;
  readonly url: string;
  readonly store: StoreClient;
  /** The demo week, epoch seconds [start, end). */
  readonly start: number;
  readonly end: number;
  dispose(): Promise<void>;
}

export async function ingestDemo(): Promise<DemoData> {
  const dir = await mkdtemp(join(tmpdir(), 'darkscope-web-'));
  const scenario = demoScenario(Date.now());
  const start = scenario.startSec ?? 0;
  const capture = join(dir, 'darknet-week.pcap');
  const labels = join(dir, 'labels.csv');
  await writeFile(labels, demoLabels());
  await writeSynthCapture(capture, scenario);
  const database = testDatabaseName('web');
  const url = clickhouseUrl();
  const r = await runCli(['ingest', '--clickhouse-url', url, '--database', database, '--sensor', DEMO_SENSOR, '--darknet', DEMO_DARKNET, '--labels', labels, capture]);
  if (r.code !== 0) throw new Error(`ingest failed (${r.code}): ${r.stderr}`);
  await rm(dir, { recursive: true, force: true });
  const store = createStoreClient({ url, database, requestTimeoutMs: 180_000 });
  return {
    database, url, store, start, end: start + DEMO_WEEK_SECONDS,
    async dispose() {
      try {
        await dropTestDatabase(store, database);
      } finally {
        await store.close();
      }
    },
  };
}

export interface Served {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  stop(): Promise<void>;
}

/** `darkscope serve` on the demo database; `env` adds settings (DARKSCOPE_API_TOKENS, ...), `args` options such as --alerts. */
export async function serveDemo(demo: DemoData, env: Record<string, string> = {}, args: Record<string, unknown> = {}): Promise<Served> {
  let stop!: () => void;
  const stopSignal = new Promise<void>((resolve) => { stop = resolve; });
  const stderr = new PassThrough();
  const said: string[] = [];
  stderr.on('data', (c: Buffer) => said.push(c.toString('utf8')));
  let listening!: (url: string) => void;
  const url = new Promise<string>((resolve) => { listening = resolve; });
  const done = runServe(
    { env: { HOME: '/nonexistent', DARKSCOPE_API_RATE_LIMIT: '0', ...env }, stdout: new PassThrough(), stderr, stdin: (async function* () {})(), isTTY: false },
    { clickhouseUrl: demo.url, database: demo.database, host: '127.0.0.1', port: '0', logLevel: 'warn', ...args },
    { stopSignal, onListening: listening },
  );
  const first = await Promise.race([url, done.then((code) => { throw new Error(`serve exited ${code}: ${said.join('')}`); })]);
  return {
    url: first,
    async stop() {
      stop();
      const code = await done;
      if (code !== 0) throw new Error(`serve exited ${code}: ${said.join('')}`);
    },
  };
}
