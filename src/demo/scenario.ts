/**
 * The demo's sample darknet: one simulated week ending at the current hour,
 * so that reports over "the last 24 hours" or "the last 7 days" show it.
 * - 23/TCP (Mirai and friends) on top all week, as in every NICTER report;
 * - 37215/TCP (Huawei HG532, CVE-2017-17215) silent until mid-week, then a
 *   sudden wave, as seen in late 2020 (a new port for the trends);
 * - two backscatter bursts (a DDoS victim answering spoofed SYNs);
 * - research scanners from a known range, labelled "research" by a labels file.
 */
import { RESEARCH_CIDR } from '../synth/darknet-model.js';
import type { SynthOptions } from '../synth/generator.js';

export const DEMO_DATABASE = 'darkscope_demo';
export const DEMO_SENSOR = 'demo';
export const DEMO_DARKNET = '198.18.0.0/16';
export const DEMO_PACKETS = 400_000;
export const DEMO_WEEK_SECONDS = 7 * 86_400;
/** Where in the week 37215/TCP wakes up: after the first four days (the trends' baseline), before the last three. */
export const DEMO_ONSET = 0.58;
/** The demo's trends compare the last three days with the three before them. */
export const DEMO_TREND_DAYS = 3;

export function demoScenario(nowMs: number, packets = DEMO_PACKETS): SynthOptions {
  const endSec = Math.floor(nowMs / 3_600_000) * 3600;
  return {
    packets,
    seed: 2020,
    startSec: endSec - DEMO_WEEK_SECONDS,
    durationSec: DEMO_WEEK_SECONDS,
    darknet: DEMO_DARKNET,
    sources: 40_000,
    quietPorts: [37215],
    onsets: [{ port: 37215, proto: 'tcp', from: DEMO_ONSET, share: 0.12 }],
    bursts: [
      { from: 0.2, length: 0.01, share: 0.6 },
      { from: 0.8, length: 0.005, share: 0.7 },
    ],
    researchSources: 48,
    researchShare: 0.06,
  };
}

/** The labels file the demo writes next to its capture. */
export function demoLabels(): string {
  return [
    '# Research scanners (Censys); darkscope reports their share and can exclude them.',
    `${RESEARCH_CIDR},research`,
    '',
  ].join('\n');
}
