// The shape of one benchmark: set up once, then timed runs of the subject and of its same-run baseline.

export interface Benchmark {
  name: string;
  description: string;
  setup(): Promise<unknown>;
  /** One measurement of the baseline (ms), or undefined when the benchmark has none. */
  baseline?(state: unknown): number | Promise<number>;
  /** One measurement of the subject (ms). */
  run(state: unknown): number | Promise<number>;
  teardown(state: unknown): Promise<void>;
  target: { kind: 'absolute-ms'; max: number } | { kind: 'ratio-max'; max: number } | { kind: 'report' };
  unit: 'ms';
  extra?(state: unknown): Record<string, unknown>;
}
