// Benchmark `cli-startup` (issue 11 item 17): wall time of `weir run examples/hello-world.yaml` against a bare
// `weir version --client` and the step's own run time, all measured in each iteration of the same run. The step's
// time is the same step (`echo hello from weir`) started and awaited straight through a HostExecutor in this
// process. Figure `startupRatio` = (run − step) / version, per iteration; target: at most 1.5 (median over runs).
// Wall times follow the machine's load; the CPU figures (user + system of the command and every process it waited
// for, from /proc/self/stat's cutime/cstime, 10 ms ticks) barely do: `cpuRatio` = run CPU / version CPU, where
// run's CPU includes the step's own few processes (bwrap, sh, echo).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  /** CPU ms of the version of the current iteration (set with lastVersionMs). */
  lastVersionCpuMs: number | undefined;
  versionCpus: number[];
  runCpus: number[];
}

/** CPU ms (user + system) of this process's waited-for children so far; undefined without Linux's /proc. */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    return (Number(f[13]) + Number(f[14])) * 10; // cutime, cstime in USER_HZ (100) ticks
  } catch {
    return undefined;
  }
}

function timesOf(args: string[]): { ms: number; cpuMs: number | undefined } {
  const cpu0 = childrenCpuMs();
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [repoPath('bin', 'weir.js'), ...args], { cwd: repoPath(), encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  const cpu1 = childrenCpuMs();
  if (r.status !== 0) throw new Error(`weir ${args.join(' ')} exited ${r.status}: ${r.stdout.slice(0, 500)}${r.stderr.slice(0, 500)}`);
  return { ms, cpuMs: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 };
}

export const cliStartupBenchmark: Benchmark = {
  name: 'cli-startup',
  description: 'weir run examples/hello-world.yaml, wall ms incl. process start; startupRatio = (run − step) / version',
  baselineDescription: 'node bin/weir.js version --client (wall ms incl. process start)',
  runs: 9,
  async setup() {
    const s: State = {
      engine: await engineSetup(),
      lastVersionMs: undefined,
      versions: [],
      runs: [],
      steps: [],
      lastVersionCpuMs: undefined,
      versionCpus: [],
      runCpus: [],
    };
    return s;
  },
  baseline(state) {
    const s = state as State;
    const v = timesOf(['version', '--client']);
    s.lastVersionMs = v.ms;
    s.lastVersionCpuMs = v.cpuMs;
    return v.ms;
  },
  async run(state) {
    const s = state as State;
    const warmUp = s.lastVersionMs === undefined;
    const version = warmUp ? timesOf(['version', '--client']) : { ms: s.lastVersionMs as number, cpuMs: s.lastVersionCpuMs };
    s.lastVersionMs = undefined;
    s.lastVersionCpuMs = undefined;
    const run = timesOf(['run', 'examples/hello-world.yaml']);
    const versionMs = version.ms;
    const runMs = run.ms;
    const stepMs = (await directSpawns(s.engine, 1, 1, ['echo', 'hello from weir'])).each[0];
    const figures: Record<string, number> = { versionMs, stepMs, startupRatio: (runMs - stepMs) / versionMs };
    if (version.cpuMs !== undefined && run.cpuMs !== undefined && version.cpuMs > 0) {
      Object.assign(figures, { versionCpuMs: version.cpuMs, runCpuMs: run.cpuMs, cpuRatio: run.cpuMs / version.cpuMs });
    }
    if (!warmUp) {
      s.versions.push(versionMs);
      s.runs.push(runMs);
      s.steps.push(stepMs);
      if (figures.cpuRatio !== undefined) {
        s.versionCpus.push(figures.versionCpuMs);
        s.runCpus.push(figures.runCpuMs);
      }
    }
    return { value: runMs, figures };
  },
  async teardown(state) {
    await engineTeardown((state as State).engine);
  },
  target: { kind: 'figure-max', figure: 'startupRatio', max: 1.5 },
  unit: 'ms',
  extra(state) {
    const { versions: v, runs: r, steps: st, versionCpus: vc, runCpus: rc } = state as State;
    if (r.length === 0) return {};
    return {
      medians: {
        versionMs: round(median(v)),
        runMs: round(median(r)),
        stepMs: round(median(st)),
        ...(rc.length > 0 ? { versionCpuMs: round(median(vc)), runCpuMs: round(median(rc)) } : {}),
      },
      ratioOfMedians: round((median(r) - median(st)) / median(v)),
      ...(rc.length > 0 ? { cpuRatioOfMedians: round(median(rc) / median(vc)) } : {}),
    };
  },
};
