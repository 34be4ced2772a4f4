/** The end-of-input summary printed by inspect and ingest. */
import type { InputStats } from '../../ingest/input/index.js';
import { skippedTotal } from '../../ingest/input/index.js';

const LINKTYPE_NAMES: Record<number, string> = {
  0: 'NULL', 1: 'EN10MB', 12: 'RAW', 14: 'RAW', 101: 'RAW', 108: 'LOOP', 113: 'LINUX_SLL', 228: 'IPV4', 229: 'IPV6', 276: 'LINUX_SLL2',
};

export function linkTypeName(lt: number): string {
  return `${lt} (${LINKTYPE_NAMES[lt] ?? 'unsupported'})`;
}

export function inputStatsText(s: InputStats): string {
  const skipped = skippedTotal(s);
  const reasons = Object.entries(s.skipped).sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0)).map(([k, v]) => `${k} ${v}`).join(', ');
  const lines = [
    `${s.name}: ${s.format}${s.compressed ? ' (gzip)' : ''}${s.linkTypes.length > 0 ? `, link type ${s.linkTypes.map(linkTypeName).join(', ')}` : ''}`,
    `  records ${s.records}, decoded ${s.decoded}, skipped ${skipped}${skipped > 0 ? ` (${reasons})` : ''}`,
  ];
  if (s.truncated && s.stop !== null) lines.push(`  truncated at byte ${s.stop.offset}: ${s.stop.message}`);
  for (const b of s.badLines.slice(0, 5)) lines.push(`  bad line ${b.line}: ${b.error}`);
  if (s.badLines.length > 5) lines.push(`  ... ${(s.skipped.bad_summary_line ?? 0) - 5} more bad lines`);
  return lines.join('\n');
}

export interface InputStatsJson {
  file: string;
  format: string;
  compressed: boolean;
  linktypes: number[];
  records: number;
  decoded: number;
  skipped: Record<string, number>;
  truncated: boolean;
  stop: { reason: string; offset: number; message: string } | null;
  bad_lines: Array<{ line: number; error: string }>;
}

export function inputStatsJson(s: InputStats): InputStatsJson {
  const skipped: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.skipped)) if (v !== undefined) skipped[k] = v;
  return {
    file: s.name, format: s.format, compressed: s.compressed, linktypes: s.linkTypes, records: s.records, decoded: s.decoded,
    skipped, truncated: s.truncated, stop: s.stop, bad_lines: s.badLines,
  };
}
