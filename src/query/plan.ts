/**
 * The shared first step of every query: pick the rollup family that can
 * apply the filters, the grain for the range, and widen the range to whole
 * buckets of that grain.
 */
import { parseFilters, type FilterInput, type QueryFilters } from './filters.js';
import { alignRange, chooseGrain, GRAIN_SECONDS, type Grain } from './grain.js';
import { familyFor, finestGrain, rawGrains, type Family } from './rollup-families.js';
import type { QueryContext } from './runner.js';
import { resolveRange, type RangeInput, type TimeRange } from './time-range.js';

export type { Tables } from './rollup-families.js';

/** The inputs every query takes. */
export interface RangeQuery {
  readonly range: TimeRange;
  readonly filters: QueryFilters;
}

export interface Plan {
  readonly family: Family;
  readonly grain: Grain;
  /** The range actually read: the input widened to whole buckets. */
  readonly range: TimeRange;
}

const ORDER: readonly Grain[] = ['minute', 'hour', 'day'];

export function coarser(a: Grain, b: Grain): Grain {
  return ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;
}

/**
 * Plans a query over `families` (in order of preference). `finest` can force
 * a coarser floor, e.g. when a second family (geo, source) is read alongside.
 */
export function planQuery(q: RangeQuery, now: number, rawDays: number, families: readonly Family[], finest: Grain = 'minute'): Plan {
  const family = familyFor(q.filters, families);
  const grain = chooseGrain(q.range, now, { finest: coarser(finestGrain(family), finest), fromRaw: rawGrains(family), rawDays });
  return { family, grain, range: alignRange(q.range, GRAIN_SECONDS[grain]) };
}

/** Text parameters (API query string, CLI flags) → the typed range and filters every query takes. */
export function rangeQueryFrom(input: RangeInput & FilterInput, ctx: Pick<QueryContext, 'now' | 'maxRangeSec'>): RangeQuery {
  return {
    range: resolveRange(input, ctx.now(), { maxSpanSec: ctx.maxRangeSec }),
    filters: parseFilters(input),
  };
}
