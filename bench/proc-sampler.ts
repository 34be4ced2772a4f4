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
  /** The watched processes (a ClickHouse server or engine): CPU used during the run and their peak VmRSS sum. */
  watchedCpuSec: number;
  watchedPeakRssMb: number;
  stdout: string;
  stderr: string;
}

/** CPU seconds (user + system) a running process has used; 0 when it is gone. */
export function cpuSec(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** Current resident memory of a process, MB; 0 when it is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
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

export interface SampleOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Processes outside the command's tree to watch while it runs (the server it talks to). */
  watch?: readonly number[];
}

export function runSampled(cmd: string, args: string[], opts: SampleOptions = {}): Promise<ProcRun> {
  return new Promise((resolve, reject) => {
    const watch = opts.watch ?? [];
    const watchedCpu0 = watch.reduce((a, p) => a + cpuSec(p), 0);
    let watchedPeakRssMb = watch.reduce((a, p) => a + rssMb(p), 0);
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.end(opts.input ?? '');
    const peak = new Map<number, { rssKb: number; cpuSec: number }>();
    const timer = setInterval(() => {
      watchedPeakRssMb = Math.max(watchedPeakRssMb, watch.reduce((a, p) => a + rssMb(p), 0));
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
        watchedCpuSec: watch.reduce((a, p) => a + cpuSec(p), 0) - watchedCpu0, watchedPeakRssMb,
        stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}
