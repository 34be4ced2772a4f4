import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

export const BIN = fileURLToPath(new URL('../../bin/darkscope.js', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output (fast; same code as the binary). */
export async function runCli(args: string[], opts: { env?: Record<string, string>; stdin?: Uint8Array[] } = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  async function* stdin() {
    for (const c of opts.stdin ?? []) yield c;
  }
  const code = await main(['node', 'darkscope', ...args], {
    env: { HOME: '/nonexistent', ...opts.env }, stdout, stderr, stdin: stdin(), isTTY: false,
  });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** Runs the built binary as a user would (needs `npm run build` first; `npm test` does it). */
export function runBin(args: string[], opts: { input?: Uint8Array; env?: Record<string, string> } = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], { input: opts.input, env: { ...process.env, ...opts.env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
