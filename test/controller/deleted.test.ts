// A Workflow deleted from the store while its steps run: the controller stops the steps through the executor and
// forgets the workflow, also when no DELETED event reaches it (a watch that had to list again never reports one):
// the next pass that finds the workflow gone (a resync, an enqueue) stops them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowController } from '../../src/controller/controller.js';
import { HostExecutor } from '../../src/executor/host-executor.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { NewObjectOf } from '../../src/store/types.js';
import { eventually } from '../helpers/eventually.js';

/** Pids of processes whose command line is exactly `sleep <arg>`. */
async function sleepers(arg: string): Promise<number[]> {
  const found: number[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').then(
      (t) => t.split('\0').filter(Boolean),
      () => [],
    );
    if (argv.length === 2 && argv[0].endsWith('sleep') && argv[1] === arg) found.push(Number(pid));
  }
  return found;
}

for (const watch of [true, false]) {
  test(`a deleted Workflow's running steps are stopped (${watch ? 'DELETED event' : 'no watch: found gone by its next pass'})`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-ctl-deleted-'));
    const store = createMemoryStore();
    const sleep = `${700 + Math.floor(Math.random() * 90)}.${process.pid}${watch ? 1 : 2}`;
    const controller = new WorkflowController({
      store,
      executor: new HostExecutor({ dataDir: join(dir, 'data'), bwrapPath: null, pollIntervalMs: 20 }),
      artifacts: false,
      watch,
    });
    const running = controller.run(new AbortController().signal);
    try {
      const wf: NewObjectOf<'Workflow'> = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { name: 'doomed', namespace: 'default' },
        spec: {
          entrypoint: 'main',
          templates: [
            { name: 'main', steps: [[{ name: 'a', template: 'long' }], [{ name: 'after', template: 'long' }]] },
            { name: 'long', container: { image: 'alpine', command: ['sleep', sleep] } },
          ],
        },
      };
      await store.create('Workflow', wf);
      controller.enqueue('default/doomed');
      await eventually(async () => (await sleepers(sleep)).length === 1, { timeoutMs: 30_000, what: 'the step sleeping' });
      assert.equal(await store.delete('Workflow', 'default', 'doomed'), true);
      if (!watch) controller.enqueue('default/doomed'); // what a resync does
      await eventually(async () => (await sleepers(sleep)).length === 0, { timeoutMs: 30_000, what: 'the step to stop' });
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(await sleepers(sleep), [], 'its next step never starts');
      assert.equal(await store.get('Workflow', 'default', 'doomed'), undefined, 'nothing wrote the workflow back');
    } finally {
      await controller.stop();
      await running;
      for (const pid of await sleepers(sleep)) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
}
