/**
 * The darkscope CLI as a separate process, run from source with tsx (so
 * `npx vitest run --project cluster` needs no fresh `npm run build`): several
 * ingesters at once are several processes, as in production.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./cli-main.ts', import.meta.url));

export interface CliProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface CliProcess {
  readonly pid: number;
  /** The process's standard input when started with `{ stdin: true }` (e.g. `darkscope ingest -`). */
  readonly stdin: NodeJS.WritableStream | null;
  readonly done: Promise<CliProcessResult>;
}

export function startCli(args: readonly string[], env: Record<string, string> = {}, options: { stdin?: boolean } = {}): CliProcess {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    env: { ...process.env, DARKSCOPE_LOG_LEVEL: 'warn', ...env },
    stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (c: Buffer) => out.push(c));
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  const done = new Promise<CliProcessResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({
      code: code ?? -1,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
      ms: performance.now() - t0,
    }));
  });
  if (child.pid === undefined) throw new Error('could not start the darkscope CLI');
  return { pid: child.pid, stdin: child.stdin, done };
}
