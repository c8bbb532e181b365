// Aggregation of benchmark runs: median/min/max of the values, medians of the named figures, the ratio to the
// same-run baseline, and whether the target is met. Also a place where one benchmark leaves a figure for another.
import type { Benchmark, Measurement, Sample, Target } from './types.js';

export interface Stats {
  median: number;
  min: number;
  max: number;
}

export interface Row extends Stats {
  name: string;
  description: string;
  unit: Benchmark['unit'];
  baseline?: Stats & { description?: string; figures?: Record<string, number> };
  /** subject median / baseline median. */
  ratio?: number;
  target: Target;
  met?: boolean;
  figures?: Record<string, number>;
  runs?: number[];
  seconds?: number;
  error?: string;
  [extra: string]: unknown;
}

/** Medians of finished benchmarks in this process, by name (the backfill compares itself with `trigger`). */
export const sharedFigures = new Map<string, number>();

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export function stats(xs: readonly number[]): Stats {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

const asMeasurement = (s: Sample): Measurement => (typeof s === 'number' ? { value: s } : s);

/** Median of every named figure over the runs that have it. */
export function figureMedians(samples: readonly Sample[]): Record<string, number> | undefined {
  const all = new Map<string, number[]>();
  for (const s of samples)
    for (const [k, v] of Object.entries(asMeasurement(s).figures ?? {}))
      if (Number.isFinite(v)) (all.get(k) ?? all.set(k, []).get(k))?.push(v);
  if (all.size === 0) return undefined;
  return Object.fromEntries([...all].map(([k, xs]) => [k, round(median(xs))]));
}

export const round = (x: number): number => (Math.abs(x) >= 100 ? Math.round(x) : Math.round(x * 100) / 100);

export function summarize(b: Benchmark, runs: readonly Sample[], base: readonly Sample[]): Row {
  const values = runs.map((s) => asMeasurement(s).value);
  const r = stats(values);
  const row: Row = { name: b.name, description: b.description, unit: b.unit, ...r, target: b.target, runs: values.map(round) };
  const figures = figureMedians(runs);
  if (figures) row.figures = figures;
  if (base.length > 0) {
    const bl = stats(base.map((s) => asMeasurement(s).value));
    const bf = figureMedians(base);
    row.baseline = { ...bl, ...(b.baselineDescription ? { description: b.baselineDescription } : {}), ...(bf ? { figures: bf } : {}) };
    row.ratio = r.median / bl.median;
  }
  return row;
}

/** true/false against the target; undefined when there is nothing to judge. */
export function judge(t: Target, row: Row): boolean | undefined {
  switch (t.kind) {
    case 'absolute-ms':
      return row.median < t.max;
    case 'ratio-max':
      return row.ratio === undefined ? undefined : row.ratio <= t.max;
    case 'ratio-min':
      return row.ratio === undefined ? undefined : row.ratio >= t.min;
    case 'excess-max':
      return row.baseline === undefined ? undefined : row.median - row.baseline.median <= t.max;
    case 'figure-max': {
      const f = row.figures?.[t.figure];
      return f === undefined ? false : f <= t.max;
    }
    case 'report':
      return undefined;
  }
}
