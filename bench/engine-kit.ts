// Shared plumbing of the engine benchmarks (fanout, chain): run one Workflow through a WorkflowController over a
// memory store and a host executor, and time direct executor spawns of the same step for the baselines.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { HostExecutor } from '../src/executor/host-executor.js';
import type { StepSpec } from '../src/executor/types.js';
import { WorkflowController } from '../src/controller/controller.js';
import { createMemoryStore } from '../src/store/memory-store.js';
import type { NewObjectOf } from '../src/store/types.js';
import type { WorkflowStatus } from '../src/controller/types.js';

export interface EngineState {
  dir: string;
  run: number;
}

export async function engineSetup(): Promise<EngineState> {
  return { dir: await mkdtemp(join(tmpdir(), 'weir-bench-engine-')), run: 0 };
}

export async function engineTeardown(s: EngineState): Promise<void> {
  await rm(s.dir, { recursive: true, force: true });
}

const executorFor = (s: EngineState): HostExecutor => new HostExecutor({ dataDir: join(s.dir, `data-${s.run++}`) });

/** Runs `wf` to the end; returns wall time (ms, create → final phase) and the final status. */
export async function runWorkflow(
  s: EngineState,
  wf: NewObjectOf<'Workflow'>,
): Promise<{ ms: number; status: WorkflowStatus; passes: number }> {
  const store = createMemoryStore();
  const executor = executorFor(s);
  const controller = new WorkflowController({ store, executor });
  const ac = new AbortController();
  const running = controller.run(ac.signal);
  const t0 = performance.now();
  const created = await store.create('Workflow', wf);
  let status: WorkflowStatus | undefined;
  for await (const ev of store.watch('Workflow', {
    signal: ac.signal,
    sinceResourceVersion: created.metadata.resourceVersion,
    shared: true,
  })) {
    status = ev.object.status;
    if (status?.phase === 'Succeeded' || status?.phase === 'Failed' || status?.phase === 'Error') break;
  }
  const ms = performance.now() - t0;
  ac.abort();
  await running;
  await store.close();
  if (status?.phase !== 'Succeeded') throw new Error(`benchmark workflow ended ${status?.phase}: ${status?.message ?? ''}`);
  return { ms, status, passes: controller.passes };
}

/** `n` spawns of `command` straight through a HostExecutor, `parallelism` at a time; wall ms and each step's ms. */
export async function directSpawns(
  s: EngineState,
  n: number,
  parallelism: number,
  command: string[],
): Promise<{ ms: number; each: number[] }> {
  const executor = executorFor(s);
  const uid = randomUUID();
  const each: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const spec: StepSpec = {
        workflow: { namespace: 'default', name: 'bench', uid },
        nodeId: `n${i}`,
        command,
        env: {},
        outputPaths: [],
        mounts: [],
      };
      const t = performance.now();
      await executor.wait(await executor.start(spec));
      each.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallelism, n) }, worker));
  return { ms: performance.now() - t0, each };
}
