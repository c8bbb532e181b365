// Crash safety of the controller: kill -9 of the controller process while a step runs, then a new controller
// continues from the stored Workflow (exactly-once steps via a shared append-only file); and in-process restarts
// at the two points of the start protocol (intent saved but not started; started but handle not saved).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonFileStore } from '../helpers/json-file-store.js';
import { HostExecutor } from '../../src/executor/host-executor.js';
import type { StepExecutor, StepHandle, StepSpec } from '../../src/executor/types.js';
import { WorkflowController } from '../../src/controller/controller.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { NewObjectOf, ResourceStore } from '../../src/store/types.js';
import type { NodeStatus, WorkflowStatus } from '../../src/controller/types.js';
import type { Template } from '../../src/api/workflow-template.js';
import { eventually } from '../helpers/eventually.js';

const childJs = fileURLToPath(new URL('./crash-child.js', import.meta.url));

function threeSteps(log: string, sleeps: [number, number, number]): NewObjectOf<'Workflow'> {
  const step = (n: string, s: number): Template => ({
    name: n,
    container: { image: 'alpine', command: ['sh', '-c', `echo start-${n} >> ${log}; sleep ${s}; echo end-${n} >> ${log}`] },
  });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name: 'crash', namespace: 'default' },
    spec: {
      entrypoint: 'main',
      templates: [
        { name: 'main', steps: [[{ name: 'a', template: 'a' }], [{ name: 'b', template: 'b' }], [{ name: 'c', template: 'c' }]] },
        step('a', sleeps[0]),
        step('b', sleeps[1]),
        step('c', sleeps[2]),
      ],
    },
  };
}

function spawnChild(store: string, data: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, [childJs, store, data], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    c.stdout?.once('data', () => resolve(c));
    c.once('error', reject);
    c.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
  });
}

const podNodes = (s: WorkflowStatus): NodeStatus[] => Object.values(s.nodes ?? {}).filter((n) => n.type === 'Pod');

test('kill -9 of the controller while the 2nd of 3 steps runs: a new controller finishes, each step ran once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-crash-'));
  const children: ChildProcess[] = [];
  try {
    const storePath = join(dir, 'store.json');
    const log = join(dir, 'runs.log');
    await new JsonFileStore(storePath).create('Workflow', threeSteps(log, [0, 2, 0]));
    const first = await spawnChild(storePath, join(dir, 'data'));
    children.push(first);
    await eventually(() => existsSync(log) && readFileSync(log, 'utf8').includes('start-b'), {
      timeoutMs: 60_000,
      what: 'step b to start',
    });
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const before = JSON.parse(readFileSync(storePath, 'utf8')) as { objects: Record<string, { status?: WorkflowStatus }> };
    const wfBefore = Object.values(before.objects)[0].status as WorkflowStatus;
    const b0 = podNodes(wfBefore).find((n) => n.displayName === 'b');
    assert.ok(b0?.weir?.intent !== undefined || b0?.weir?.handle !== undefined, "b's intent or handle was saved");
    const second = await spawnChild(storePath, join(dir, 'data'));
    children.push(second);
    const status = await eventually(
      () => {
        const s = JSON.parse(readFileSync(storePath, 'utf8')) as { objects: Record<string, { status?: WorkflowStatus }> };
        const st = Object.values(s.objects)[0].status;
        return st?.phase === 'Succeeded' || st?.phase === 'Failed' || st?.phase === 'Error' ? st : undefined;
      },
      { timeoutMs: 20_000, what: 'the workflow to finish' },
    );
    assert.equal(status.phase, 'Succeeded', JSON.stringify(status, null, 1));
    assert.deepEqual((await readFile(log, 'utf8')).trim().split('\n'), ['start-a', 'end-a', 'start-b', 'end-b', 'start-c', 'end-c']);
    const pods = podNodes(status);
    assert.equal(pods.length, 3);
    const by = (n: string): NodeStatus => pods.find((p) => p.displayName === n) as NodeStatus;
    for (const p of pods) {
      assert.equal(p.phase, 'Succeeded');
      assert.ok(p.weir?.handle, 'handle kept for logs');
      assert.ok(Date.parse(p.startedAt ?? '') <= Date.parse(p.finishedAt ?? ''), `${p.name} timestamps ${p.startedAt} ${p.finishedAt}`);
    }
    assert.ok(Date.parse(by('b').startedAt ?? '') >= Date.parse(by('a').finishedAt ?? '') - 1000);
    assert.ok(Date.parse(by('c').startedAt ?? '') >= Date.parse(by('b').finishedAt ?? '') - 1000);
    assert.ok(Date.parse(by('b').finishedAt ?? '') - Date.parse(by('b').startedAt ?? '') >= 1500, 'b ran its full 2s once');
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

/** An executor whose start() calls through (or not) and then never returns: the controller "crashes" there. */
function hangingStart(real: StepExecutor, callThrough: boolean): StepExecutor & { calls: number } {
  const w = {
    kind: real.kind,
    calls: 0,
    start: async (spec: StepSpec): Promise<StepHandle> => {
      w.calls++;
      if (callThrough) await real.start(spec);
      return new Promise<StepHandle>(() => undefined);
    },
    wait: real.wait.bind(real),
    logs: real.logs.bind(real),
    kill: real.kill.bind(real),
    adopt: real.adopt.bind(real),
    cleanup: real.cleanup.bind(real),
  };
  return w;
}

for (const callThrough of [false, true]) {
  test(`restart after a crash ${callThrough ? 'right after executor.start (handle unsaved)' : 'between the intent save and executor.start'}: the step runs once`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-crash2-'));
    const store: ResourceStore = createMemoryStore();
    const ac1 = new AbortController();
    const ac2 = new AbortController();
    try {
      const log = join(dir, 'runs.log');
      await store.create('Workflow', threeSteps(log, [0, 0, 0]));
      const first = hangingStart(new HostExecutor({ dataDir: join(dir, 'data'), bwrapPath: null, pollIntervalMs: 20 }), callThrough);
      void new WorkflowController({ store, executor: first }).run(ac1.signal);
      await eventually(() => first.calls === 1 || undefined, { timeoutMs: 5000, what: 'the first start call' });
      const wf1 = await store.get('Workflow', 'default', 'crash');
      const a1 = podNodes(wf1?.status as WorkflowStatus)[0];
      assert.ok(a1.weir?.intent && !a1.weir.handle, 'intent saved, no handle');
      if (callThrough)
        await eventually(() => existsSync(log) && readFileSync(log, 'utf8').includes('end-a'), { timeoutMs: 5000, what: 'step a to run' });
      ac1.abort();
      const c2 = new WorkflowController({
        store,
        executor: new HostExecutor({ dataDir: join(dir, 'data'), bwrapPath: null, pollIntervalMs: 20 }),
      });
      const run2 = c2.run(ac2.signal);
      const done = await eventually(
        async () => {
          const wf = await store.get('Workflow', 'default', 'crash');
          const st = wf?.status;
          return st?.phase === 'Succeeded' || st?.phase === 'Failed' ? st : undefined;
        },
        { timeoutMs: 60_000, what: 'the workflow to finish' },
      );
      assert.equal(done.phase, 'Succeeded');
      assert.deepEqual((await readFile(log, 'utf8')).trim().split('\n'), ['start-a', 'end-a', 'start-b', 'end-b', 'start-c', 'end-c']);
      ac2.abort();
      await run2;
    } finally {
      ac1.abort();
      ac2.abort();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}
