/**
 * Charts with uPlot (canvas, ~50 kB, no dependencies): a time-series chart
 * with one or two y scales, and a sparkline. A chart is created once its box
 * has a width (ResizeObserver), and follows the box when the window changes
 * size (laptop, projector). Times are UTC, as in the API.
 */
import uPlot from 'uplot';
import { h } from './dom.js';
import { formatCount } from './format.js';

export interface Line {
  readonly label: string;
  readonly values: readonly number[];
  /** 'y' (left axis) or 'y2' (right axis). */
  readonly scale?: 'y' | 'y2';
}

export interface ChartHandle {
  readonly node: HTMLElement;
  dispose(): void;
}

const COLORS = ['#2563eb', '#d9480f', '#2f9e44', '#9c36b5'];
const toSec = (iso: string): number => Date.parse(iso) / 1000;
const utc = (ts: number): Date => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC');
/** UTC tick labels: the date at midnight, the hour otherwise (no am/pm). */
const timeTicks = (_u: uPlot, splits: number[]): string[] => splits.map((ts) => {
  const iso = new Date(ts * 1000).toISOString();
  return iso.slice(11, 16) === '00:00' ? iso.slice(5, 10) : iso.slice(11, 16);
});
const countTicks = (_u: uPlot, splits: number[]): string[] => splits.map((v) => formatCount(v));

function observe(box: HTMLElement, make: (width: number) => uPlot): ChartHandle {
  let plot: uPlot | null = null;
  const ro = new ResizeObserver((entries) => {
    const width = Math.floor(entries[0].contentRect.width);
    if (width <= 0) return;
    if (plot === null) plot = make(width);
    else if (plot.width !== width) plot.setSize({ width, height: plot.height });
  });
  ro.observe(box);
  return {
    node: box,
    dispose() {
      ro.disconnect();
      plot?.destroy();
      plot = null;
    },
  };
}

/** Packets (and sources) over time, points at `times` (ISO 8601). */
export function timeChart(name: string, times: readonly string[], lines: readonly Line[], height = 280): ChartHandle {
  const box = h('div', { class: 'chart', 'data-chart': name });
  const data: uPlot.AlignedData = [times.map(toSec), ...lines.map((l) => [...l.values])];
  const twoScales = lines.some((l) => l.scale === 'y2');
  return observe(box, (width) => new uPlot({
    width,
    height,
    tzDate: utc,
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] }, y2: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.05] } },
    series: [
      { label: 'time (UTC)' },
      ...lines.map((l, i) => ({
        label: l.label,
        scale: l.scale ?? 'y',
        stroke: COLORS[i % COLORS.length],
        width: 2,
        fill: i === 0 ? 'rgba(37, 99, 235, 0.08)' : undefined,
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : formatCount(v)),
      })),
    ],
    axes: [
      { stroke: '#333', grid: { stroke: '#e5e7eb' }, values: timeTicks },
      { scale: 'y', stroke: COLORS[0], values: countTicks, size: 70, grid: { stroke: '#e5e7eb' } },
      ...(twoScales ? [{ scale: 'y2', side: 1 as const, stroke: COLORS[1], values: countTicks, size: 70, grid: { show: false } }] : []),
    ],
  }, data, box));
}

/** A small line without axes or legend: the shape of a port's traffic over the range. */
export function sparkline(name: string, times: readonly string[], values: readonly number[]): ChartHandle {
  const box = h('div', { class: 'spark', 'data-chart': name });
  return observe(box, (width) => new uPlot({
    width,
    height: 32,
    tzDate: utc,
    legend: { show: false },
    cursor: { show: false },
    select: { show: false, left: 0, top: 0, width: 0, height: 0 },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
    axes: [{ show: false }, { show: false }],
    series: [{}, { stroke: COLORS[0], width: 1.5, fill: 'rgba(37, 99, 235, 0.12)', points: { show: false } }],
  }, [times.map(toSec), [...values]], box));
}
