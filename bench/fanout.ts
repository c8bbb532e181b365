// Benchmarks `fanout` and `fanout-200`: wall time of a wide Workflow of `true` steps, from create to Succeeded.
// - `fanout` (benchmarks issue): a DAG of 1,000 independent tasks; baseline: the same 1,000 isolated spawns done
//   directly through the HostExecutor at the same parallelism (all at once). Target: at most 1.5x the baseline.
// - `fanout-200` (engine issue): one steps group fanned out 200 ways (withSequence); target: under 5 s on 2 cores.
import type { Benchmark } from './types.js';
import type { NewObjectOf } from '../src/store/types.js';
import { directSpawns, engineSetup, engineTeardown, runWorkflow } from './engine-kit.js';
import type { EngineState } from './engine-kit.js';

const TRUE_TEMPLATE = { name: 't', container: { image: 'alpine', command: ['true'] } };

const dagWorkflow = (n: number): NewObjectOf<'Workflow'> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { generateName: 'fanout-' },
  spec: {
    entrypoint: 'main',
    templates: [{ name: 'main', dag: { tasks: Array.from({ length: n }, (_, i) => ({ name: `t${i}`, template: 't' })) } }, TRUE_TEMPLATE],
  },
});

const stepsWorkflow = (n: number): NewObjectOf<'Workflow'> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { generateName: 'fanout-steps-' },
  spec: {
    entrypoint: 'main',
    templates: [{ name: 'main', steps: [[{ name: 'each', template: 't', withSequence: { count: String(n) } }]] }, TRUE_TEMPLATE],
  },
});

type FanoutState = EngineState & { passes?: number };

function fanout(name: string, n: number, wf: (n: number) => NewObjectOf<'Workflow'>, target: Benchmark['target'], what: string): Benchmark {
  return {
    name,
    description: `${what} of ${n} \`true\` steps through the controller (wall ms); baseline: ${n} direct HostExecutor spawns, all in parallel`,
    baselineDescription: `${n} isolated spawns (bwrap + true) straight through a HostExecutor, all in parallel`,
    setup: engineSetup,
    teardown: (s) => engineTeardown(s as EngineState),
    async baseline(s) {
      return (await directSpawns(s as EngineState, n, n, ['true'])).ms;
    },
    async run(s) {
      const r = await runWorkflow(s as EngineState, wf(n));
      const pods = Object.values(r.status.nodes ?? {}).filter((x) => x.type === 'Pod' && x.phase === 'Succeeded').length;
      if (pods !== n) throw new Error(`expected ${n} succeeded steps, got ${pods}`);
      (s as FanoutState).passes = r.passes;
      return r.ms;
    },
    extra: (s) => ({ reconcilePassesLastRun: (s as FanoutState).passes }),
    target,
    unit: 'ms',
  };
}

export const fanoutBenchmark = fanout('fanout', 1000, dagWorkflow, { kind: 'ratio-max', max: 1.5 }, 'a DAG');
export const fanout200Benchmark = fanout(
  'fanout-200',
  200,
  stepsWorkflow,
  { kind: 'absolute-ms', max: 5000 },
  'a 200-way steps fan-out (withSequence)',
);
