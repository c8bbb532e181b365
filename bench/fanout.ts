// Benchmark `fanout`: wall time of a Workflow whose one step fans out 200 ways (withSequence) over `true`, from
// create to Succeeded. Target (issue): under 5 s on 2 cores. Baseline: the same 200 spawns done directly through the
// HostExecutor, all in parallel like the fan-out.
import type { Benchmark } from './types.js';
import type { NewObject } from '../src/store/types.js';
import { directSpawns, engineSetup, engineTeardown, runWorkflow } from './engine-kit.js';
import type { EngineState } from './engine-kit.js';

const N = 200;

const workflow = (): NewObject => ({
  apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'fanout-' },
  spec: {
    entrypoint: 'main',
    templates: [
      { name: 'main', steps: [[{ name: 'each', template: 't', withSequence: { count: String(N) } }]] },
      { name: 't', container: { image: 'alpine', command: ['true'] } },
    ],
  },
});

export const fanoutBenchmark: Benchmark = {
  name: 'fanout',
  description: `${N}-way fan-out of \`true\` steps through the controller (wall ms); baseline: ${N} direct HostExecutor spawns in parallel`,
  setup: engineSetup,
  teardown: (s) => engineTeardown(s as EngineState),
  async baseline(s) {
    return (await directSpawns(s as EngineState, N, N, ['true'])).ms;
  },
  async run(s) {
    const r = await runWorkflow(s as EngineState, workflow());
    (s as EngineState & { passes?: number }).passes = r.passes;
    return r.ms;
  },
  extra: (s) => ({ reconcilePassesLastRun: (s as EngineState & { passes?: number }).passes }),
  target: { kind: 'absolute-ms', max: 5000 },
  unit: 'ms',
};
