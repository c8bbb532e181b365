// Benchmark `cli-startup` (issue 11 item 17): wall time of `weir run examples/hello-world.yaml` against a bare
// `weir version --client` and the step's own run time, all measured in each iteration of the same run. The step's
// time is the same step (`echo hello from weir`) started and awaited straight through a HostExecutor in this
// process. Figure `startupRatio` = (run − step) / version, per iteration; target: at most 1.5 (median over runs).
import { spawnSync } from 'node:child_process';
import { repoPath } from '../test/helpers/paths.js';
import { directSpawns, engineSetup, engineTeardown } from './engine-kit.js';
import type { EngineState } from './engine-kit.js';
import { median, round } from './stats.js';
import type { Benchmark } from './types.js';

interface State {
  engine: EngineState;
  /** The version time of the current iteration (the runner calls baseline() right before run(); not for the warm-up). */
  lastVersionMs: number | undefined;
  versions: number[];
  runs: number[];
  steps: number[];
}

function wallOf(args: string[]): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [repoPath('bin', 'weir.js'), ...args], { cwd: repoPath(), encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`weir ${args.join(' ')} exited ${r.status}: ${r.stdout.slice(0, 500)}${r.stderr.slice(0, 500)}`);
  return ms;
}

export const cliStartupBenchmark: Benchmark = {
  name: 'cli-startup',
  description: 'weir run examples/hello-world.yaml, wall ms incl. process start; startupRatio = (run − step) / version',
  baselineDescription: 'node bin/weir.js version --client (wall ms incl. process start)',
  runs: 9,
  async setup() {
    const s: State = { engine: await engineSetup(), lastVersionMs: undefined, versions: [], runs: [], steps: [] };
    return s;
  },
  baseline(state) {
    const s = state as State;
    s.lastVersionMs = wallOf(['version', '--client']);
    return s.lastVersionMs;
  },
  async run(state) {
    const s = state as State;
    const warmUp = s.lastVersionMs === undefined;
    const versionMs = s.lastVersionMs ?? wallOf(['version', '--client']);
    s.lastVersionMs = undefined;
    const runMs = wallOf(['run', 'examples/hello-world.yaml']);
    const stepMs = (await directSpawns(s.engine, 1, 1, ['echo', 'hello from weir'])).each[0];
    if (!warmUp) {
      s.versions.push(versionMs);
      s.runs.push(runMs);
      s.steps.push(stepMs);
    }
    return { value: runMs, figures: { versionMs, stepMs, startupRatio: (runMs - stepMs) / versionMs } };
  },
  async teardown(state) {
    await engineTeardown((state as State).engine);
  },
  target: { kind: 'figure-max', figure: 'startupRatio', max: 1.5 },
  unit: 'ms',
  extra(state) {
    const { versions: v, runs: r, steps: st } = state as State;
    if (r.length === 0) return {};
    return {
      medians: { versionMs: round(median(v)), runMs: round(median(r)), stepMs: round(median(st)) },
      ratioOfMedians: round((median(r) - median(st)) / median(v)),
    };
  },
};
