// Benchmark `chain`: 100 sequential `true` steps through the controller. Measured value: controller overhead per
// step = (wall − Σ step durations) / 100, in ms. Target (issue): under 20 ms per step beyond process start.
// Baseline: one direct HostExecutor spawn of the same step (start → exit), for scale.
import type { Benchmark } from './types.js';
import type { NewObject } from '../src/store/types.js';
import { directSpawns, engineSetup, engineTeardown, runWorkflow } from './engine-kit.js';
import type { EngineState } from './engine-kit.js';

const N = 100;

const workflow = (): NewObject => ({
  apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'chain-' },
  spec: {
    entrypoint: 'main',
    templates: [
      { name: 'main', steps: Array.from({ length: N }, (_, i) => [{ name: `s${i}`, template: 't' }]) },
      { name: 't', container: { image: 'alpine', command: ['true'] } },
    ],
  },
});

interface ChainState extends EngineState {
  last?: { wallMs: number; stepsMs: number; passes: number };
  spawnMs?: number;
}

export const chainBenchmark: Benchmark = {
  name: 'chain',
  description: `${N} sequential \`true\` steps: controller overhead per step in ms ((wall − Σ step durations) / ${N}); baseline: one direct spawn`,
  setup: engineSetup,
  teardown: (s) => engineTeardown(s as EngineState),
  async baseline(s) {
    const r = await directSpawns(s as EngineState, 5, 1, ['true']);
    (s as ChainState).spawnMs = [...r.each].sort((a, b) => a - b)[2];
    return (s as ChainState).spawnMs as number;
  },
  async run(s) {
    const st = s as ChainState;
    const { ms, status, passes } = await runWorkflow(st, workflow());
    const pods = Object.values(status.nodes ?? {}).filter((n) => n.type === 'Pod');
    if (pods.length !== N) throw new Error(`expected ${N} steps, got ${pods.length}`);
    const stepsMs = pods.reduce((a, n) => a + Date.parse(n.finishedAt ?? '') - Date.parse(n.startedAt ?? ''), 0);
    st.last = { wallMs: ms, stepsMs, passes };
    return (ms - stepsMs) / N;
  },
  extra: (s) => {
    const st = s as ChainState;
    // Second reading of the target: overhead beyond a whole direct spawn (start → wait resolved) of the same step.
    const beyondSpawn = st.last && st.spawnMs !== undefined ? (st.last.wallMs - N * st.spawnMs) / N : undefined;
    return { lastRun: st.last, overheadBeyondDirectSpawnMsLastRun: beyondSpawn };
  },
  target: { kind: 'absolute-ms', max: 20 },
  unit: 'ms',
};
