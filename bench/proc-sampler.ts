/**
 * Runs a command as a child process and samples its peak RSS (VmHWM) and CPU
 * time from /proc while it runs (Linux). The last sample before exit is taken
 * as the figure; sampling every 50 ms misses at most the final instant.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcRun {
  code: number;
  wallMs: number;
  cpuSec: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
}

function sample(pid: number): { rssKb: number; cpuSec: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    return { rssKb: hwm ? Number(hwm[1]) : 0, cpuSec: ticks / 100 };
  } catch {
    return null;
  }
}

/** Samples the process and all its descendants (for shell pipelines). */
function descendants(pid: number): number[] {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return [pid, ...kids.flatMap(descendants)];
  } catch {
    return [pid];
  }
}

export function runSampled(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<ProcRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.end(opts.input ?? '');
    const peak = new Map<number, { rssKb: number; cpuSec: number }>();
    const timer = setInterval(() => {
      if (child.pid === undefined) return;
      for (const pid of descendants(child.pid)) {
        const s = sample(pid);
        if (s === null) continue;
        const prev = peak.get(pid);
        peak.set(pid, { rssKb: Math.max(prev?.rssKb ?? 0, s.rssKb), cpuSec: Math.max(prev?.cpuSec ?? 0, s.cpuSec) });
      }
    }, 50);
    child.on('error', (e) => { clearInterval(timer); reject(e); });
    child.on('close', (code) => {
      clearInterval(timer);
      let rss = 0;
      let cpu = 0;
      for (const v of peak.values()) { rss += v.rssKb; cpu += v.cpuSec; }
      resolve({
        code: code ?? -1, wallMs: performance.now() - t0, cpuSec: cpu, peakRssMb: rss / 1024,
        stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}
