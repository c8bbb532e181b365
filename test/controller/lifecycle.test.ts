// The workflow controller on the shared service lifecycle: it runs a workflow, stop() ends it without an abort
// signal (idempotent), and it runs once: a run after a stop, or after a stop before it ever started, is CONFLICT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowController } from '../../src/controller/controller.js';
import { WeirError } from '../../src/core/errors.js';
import { HostExecutor } from '../../src/executor/host-executor.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { NewObjectOf } from '../../src/store/types.js';
import { eventually } from '../helpers/eventually.js';

const isConflict = (e: unknown): boolean => e instanceof WeirError && e.code === 'CONFLICT';

test('controller lifecycle: runs a workflow, stop() ends run(), a second run() is refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-ctl-life-'));
  const store = createMemoryStore();
  try {
    const controller = new WorkflowController({
      store,
      executor: new HostExecutor({ dataDir: join(dir, 'data'), bwrapPath: null, pollIntervalMs: 20 }),
      artifacts: false,
    });
    assert.equal(controller.state(), 'new');
    const running = controller.run(new AbortController().signal);
    const wf: NewObjectOf<'Workflow'> = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'life', namespace: 'default' },
      spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['sh', '-c', 'echo hi'] } }] },
    };
    await store.create('Workflow', wf);
    const phase = async (): Promise<string | undefined> => (await store.get('Workflow', 'default', 'life'))?.status?.phase;
    await eventually(async () => (await phase()) === 'Succeeded', { timeoutMs: 60_000, what: 'workflow Succeeded' });
    assert.equal(controller.state(), 'running');
    await Promise.all([controller.stop(), controller.stop()]);
    await running;
    assert.equal(controller.state(), 'stopped');
    await assert.rejects(controller.run(new AbortController().signal), isConflict);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('controller lifecycle: stop() before run() leaves it stopped; run() is then refused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-ctl-life-'));
  try {
    const controller = new WorkflowController({
      store: createMemoryStore(),
      executor: new HostExecutor({ dataDir: join(dir, 'data'), bwrapPath: null, pollIntervalMs: 20 }),
      artifacts: false,
    });
    await controller.stop();
    assert.equal(controller.state(), 'stopped');
    await assert.rejects(controller.run(new AbortController().signal), isConflict);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
