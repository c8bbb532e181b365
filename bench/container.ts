// Benchmarks of the container executor (podman here), each against `podman run` of the same image done directly in
// the same run. `throughput-container`: one-step `true` Workflows (alpine) through the controller + ContainerExecutor,
// WEIR_BENCH_CONTAINER_WORKFLOWS (default 24) with 4 workflows in flight, completed/s; baseline: the same number of
// `podman run --rm` with the same security flags at the same concurrency (target ratio >= 0.8). `chain-container`:
// 20 sequential `true` steps, wall ms per step; baseline: one direct `podman run`, median of 5 (target: <= 10 ms more).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ContainerExecutor } from '../src/executor/container-executor.js';
import { WorkflowController } from '../src/controller/controller.js';

import { createMemoryStore } from '../src/store/memory-store.js';
import type { NewObjectOf } from '../src/store/types.js';
import { buildTestImages } from '../test/executor/container-env.js';
import type { Benchmark } from './types.js';

const run = promisify(execFile);
const IMAGE = 'docker.io/library/alpine:3.19';
const N = Number(process.env.WEIR_BENCH_CONTAINER_WORKFLOWS ?? 24);
const IN_FLIGHT = 4;
const CHAIN = 20;

interface State {
  dir: string;
  runs: number;
}

async function setup(): Promise<State> {
  buildTestImages();
  return { dir: await mkdtemp(join(tmpdir(), 'weir-bench-ctr-')), runs: 0 };
}

async function teardown(s: unknown): Promise<void> {
  await rm((s as State).dir, { recursive: true, force: true });
}

/** `podman run` of the step as the executor runs it (init, all capabilities dropped, bridge network). */
async function podmanRun(): Promise<number> {
  const t = performance.now();
  await run('podman', [
    'run',
    '--rm',
    '--init',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--log-driver',
    'k8s-file',
    IMAGE,
    'true',
  ]);
  return performance.now() - t;
}

async function podmanRuns(n: number, parallel: number): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next++ < n) await podmanRun();
    }),
  );
  return performance.now() - t0;
}

const oneStep = (name: string): NewObjectOf<'Workflow'> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name },
  spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: IMAGE, command: ['true'] } }] },
});

const chain = (): NewObjectOf<'Workflow'> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { generateName: 'chain-ctr-' },
  spec: {
    entrypoint: 'main',
    templates: [
      { name: 'main', steps: Array.from({ length: CHAIN }, (_, i) => [{ name: `s${i}`, template: 't' }]) },
      { name: 't', container: { image: IMAGE, command: ['true'] } },
    ],
  },
});

/** Runs the workflows through one controller, `inFlight` at a time; wall ms from the first create to the last end. */
async function runWorkflows(s: State, wfs: NewObjectOf<'Workflow'>[], inFlight: number): Promise<number> {
  const store = createMemoryStore();
  const dataDir = join(s.dir, `data-${s.runs++}`);
  const executor = new ContainerExecutor({ dataDir, labels: { 'io.weir.bench': dataDir } });
  const controller = new WorkflowController({ store, executor });
  const ac = new AbortController();
  const running = controller.run(ac.signal);
  const done = new Map<string, () => void>();
  const watching = (async () => {
    for await (const ev of store.watch('Workflow', { signal: ac.signal })) {
      const st = ev.object.status;
      if (st?.phase === 'Failed' || st?.phase === 'Error') throw new Error(`benchmark workflow ended ${st.phase}: ${st.message ?? ''}`);
      if (st?.phase === 'Succeeded') done.get(ev.object.metadata.name)?.();
    }
  })().catch((e: unknown) => {
    if (!ac.signal.aborted) throw e;
  });
  let next = 0;
  const t0 = performance.now();
  await Promise.race([
    watching.then(() => {
      throw new Error('watch ended early');
    }),
    Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < wfs.length) {
          const wf = wfs[next++];
          const created = await store.create('Workflow', wf);
          await new Promise<void>((r) => done.set(created.metadata.name, r));
        }
      }),
    ),
  ]);
  const ms = performance.now() - t0;
  ac.abort();
  await running;
  await store.close();
  await executor.removeLabelled('io.weir.bench', dataDir);
  return ms;
}

export const throughputContainerBenchmark: Benchmark = {
  name: 'throughput-container',
  description: `${N} one-step \`true\` Workflows (alpine) through the controller + container executor (podman), ${IN_FLIGHT} in flight: completed/s`,
  baselineDescription: `the same number of \`podman run --rm\` of the same image and flags, ${IN_FLIGHT} at a time`,
  unit: 'per-s',
  target: { kind: 'ratio-min', min: 0.8 },
  setup,
  teardown,
  baseline: async () => N / ((await podmanRuns(N, IN_FLIGHT)) / 1000),
  run: async (s) =>
    N /
    ((await runWorkflows(
      s as State,
      Array.from({ length: N }, (_, i) => oneStep(`tpc-${(s as State).runs}-${i}`)),
      IN_FLIGHT,
    )) /
      1000),
};

export const chainContainerBenchmark: Benchmark = {
  name: 'chain-container',
  description: `${CHAIN} sequential \`true\` steps (alpine) with the container executor: wall ms per step`,
  baselineDescription: 'one direct `podman run --rm` of the same image and flags, median of 5',
  unit: 'ms',
  target: { kind: 'excess-max', max: 10 },
  setup,
  teardown,
  async baseline() {
    const each: number[] = [];
    for (let i = 0; i < 5; i++) each.push(await podmanRun());
    return each.sort((a, b) => a - b)[2];
  },
  run: async (s) => (await runWorkflows(s as State, [chain()], 1)) / CHAIN,
};
