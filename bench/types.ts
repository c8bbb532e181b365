// The shape of one benchmark: set up once, then timed runs of the subject and of its same-run baseline. A run yields
// either a bare number (in the benchmark's unit) or a Measurement carrying that number plus named figures
// (latency percentiles, counts, RSS) that the runner reports as medians over the runs.

/** One measurement: `value` in the benchmark's unit, plus named numeric facts about the run. */
export interface Measurement {
  value: number;
  /** e.g. p50Ms, p99Ms, peakRssMiB, statusBytes. Reported as the median over the runs. */
  figures?: Record<string, number>;
}

export type Sample = number | Measurement;

/**
 * How the result is judged. Ratios are always subject / baseline of the same run:
 * - `absolute-ms`: median below `max` (unit ms);
 * - `ratio-max`: ratio at most `max` (time-like, lower is better);
 * - `ratio-min`: ratio at least `min` (rate-like, higher is better);
 * - `excess-max`: median minus the baseline's median at most `max` (same unit: an overhead per item);
 * - `figure-max`: the median of a named figure at most `max` (e.g. peak RSS), and every run completed;
 * - `report`: no target, just the numbers.
 */
export type Target =
  | { kind: 'absolute-ms'; max: number }
  | { kind: 'ratio-max'; max: number }
  | { kind: 'ratio-min'; min: number }
  | { kind: 'excess-max'; max: number }
  | { kind: 'figure-max'; figure: string; max: number }
  | { kind: 'report' };

export interface Benchmark {
  name: string;
  description: string;
  setup(): Promise<unknown>;
  /** One measurement of the baseline, or absent when the benchmark has none. */
  baseline?(state: unknown): Sample | Promise<Sample>;
  /** What the baseline is (shown in the results). */
  baselineDescription?: string;
  /** One measurement of the subject. */
  run(state: unknown): Sample | Promise<Sample>;
  /**
   * One measurement of the subject and of its baseline together, interleaved as the benchmark chooses (e.g.
   * baseline, subject, baseline again, so that a change of load reaches both sides). When present, the runner
   * calls it instead of baseline() and run() for each timed repetition.
   */
  pair?(state: unknown): Promise<{ run: Sample; baseline: Sample }>;
  teardown(state: unknown): Promise<void>;
  target: Target;
  /** `ms`: lower is better; `per-s`: a rate, higher is better. */
  unit: 'ms' | 'per-s';
  /** Repetitions for this benchmark when WEIR_BENCH_RUNS is not set (heavy ones run fewer). */
  runs?: number;
  /** Whether an untimed warm-up run precedes the measured ones. Default true. */
  warmup?: boolean;
  extra?(state: unknown): Record<string, unknown>;
}
