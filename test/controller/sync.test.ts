// Synchronization: template-level mutexes and semaphores (v3 and v4 forms) inside one workflow through the pure
// engine, holders of other workflows, and two workflows sharing a workflow-level mutex through the real controller
// (never overlapping; the second waits Pending with Argo's message, then runs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Sim } from './sim.js';
import { HostExecutor } from '../../src/executor/host-executor.js';
import { WorkflowController } from '../../src/controller/controller.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { NewObjectOf } from '../../src/store/types.js';
import type { WorkflowStatus } from '../../src/controller/types.js';
import { locksOf } from '../../src/controller/sync.js';

const par = (sync: string): string => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w, namespace: ns }
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: a, template: t }
          - { name: b, template: t }
          - { name: c, template: t }
    - name: t
      synchronization: ${sync}
      container: { image: x, command: [x] }
`;

test('template mutex: one step at a time, the others Pending "Waiting for ... lock"', () => {
  const s = new Sim(par('{ mutex: { name: m } }')).pass();
  assert.deepEqual(s.started(), ['a']);
  assert.equal(s.node('b').phase, 'Pending');
  assert.equal(s.node('b').message, 'Waiting for ns/Mutex/m lock. Lock status: 0/1');
  assert.deepEqual((s.wf.status?.synchronization as { mutex: unknown }).mutex, {
    holding: [{ mutex: 'ns/Mutex/m', holder: `ns/w/${s.node('a').id}` }],
  });
  s.finish('a').pass();
  assert.deepEqual(s.started(), ['b']);
  assert.equal(s.node('b').message, undefined);
  s.finish('b').pass().finish('c').pass();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.wf.status?.synchronization, undefined, 'all released');
});

test("semaphore (v4 form) sized by a ConfigMap key; other workflows' holders count", () => {
  const s = new Sim(par('{ semaphores: [{ configMapKeyRef: { name: cm, key: k } }] }'));
  s.extra = { configMap: (n: string) => (n === 'cm' ? { k: '2' } : undefined) };
  s.pass();
  assert.deepEqual(s.started(), ['a', 'b']);
  assert.match(s.node('c').message ?? '', /^Waiting for ns\/ConfigMap\/cm\/k lock\. Lock status: 0\/2$/);
  const t = new Sim(par('{ semaphore: { configMapKeyRef: { name: cm, key: k } } }'));
  t.extra = { configMap: (n: string) => (n === 'cm' ? { k: '2' } : undefined), lockHolders: () => 1 };
  t.pass();
  assert.deepEqual(t.started(), ['a']);
  assert.deepEqual(
    locksOf({ semaphore: { configMapKeyRef: { name: 'nope', key: 'k' } } }, 'ns', () => undefined),
    { error: 'semaphore: ConfigMap "nope" key "k" not found' },
  );
});

const wfLevel = (name: string, log: string): NewObjectOf<'Workflow'> =>
  parse(`
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: ${name}, namespace: default }
spec:
  entrypoint: main
  synchronization: { mutex: { name: shared } }
  templates:
    - name: main
      container: { image: alpine, command: [sh, -c, "echo start-${name} >> ${log}; sleep 0.3; echo end-${name} >> ${log}"] }
`) as NewObjectOf<'Workflow'>;

/** Runs `body` against a running controller over a memory store (host executor without bwrap); cleans up after. */
async function withController(
  body: (h: { store: ReturnType<typeof createMemoryStore>; log: string }) => Promise<void>,
  opts: { workers?: number } = {},
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-sync-'));
  const store = createMemoryStore();
  const ac = new AbortController();
  try {
    const controller = new WorkflowController({
      store,
      resyncMs: 60_000,
      ...opts,
      executor: new HostExecutor({ dataDir: join(dir, 'data'), bwrapPath: null, pollIntervalMs: 20 }),
    });
    const running = controller.run(ac.signal);
    await body({ store, log: join(dir, 'log') });
    ac.abort();
    await running;
  } finally {
    ac.abort();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('workflow-level mutex across two workflows: the second waits Pending, then runs; never overlapping', () =>
  withController(async ({ store, log }) => {
    await store.create('Workflow', wfLevel('one', log));
    let sawWaiting = false;
    const phase = async (n: string): Promise<WorkflowStatus | undefined> => (await store.get('Workflow', 'default', n))?.status;
    for (;;) {
      if ((await phase('one'))?.phase === 'Running') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await store.create('Workflow', wfLevel('two', log));
    for (;;) {
      const two = await phase('two');
      if (two?.phase === 'Pending' && two.message === 'Waiting for default/Mutex/shared lock. Lock status: 0/1') sawWaiting = true;
      if (two?.phase === 'Succeeded' || two?.phase === 'Failed' || two?.phase === 'Error') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(sawWaiting, 'the second workflow waited for the lock');
    assert.equal((await phase('one'))?.phase, 'Succeeded');
    assert.equal((await phase('two'))?.phase, 'Succeeded');
    assert.deepEqual((await readFile(log, 'utf8')).trim().split('\n'), ['start-one', 'end-one', 'start-two', 'end-two']);
  }));

test('workflow-level mutex: five workflows created at once and reconciled in parallel still run one at a time', () =>
  withController(
    async ({ store, log }) => {
      const names = ['w1', 'w2', 'w3', 'w4', 'w5'];
      await Promise.all(names.map((n) => store.create('Workflow', wfLevel(n, log))));
      const phase = async (n: string): Promise<string | undefined> => (await store.get('Workflow', 'default', n))?.status?.phase;
      for (;;) {
        const phases = await Promise.all(names.map(phase));
        if (phases.every((p) => p === 'Succeeded' || p === 'Failed' || p === 'Error')) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const n of names) assert.equal(await phase(n), 'Succeeded');
      const lines = (await readFile(log, 'utf8')).trim().split('\n');
      assert.equal(lines.length, 10);
      // Never overlapping: every start is directly followed by the same workflow's end.
      for (let i = 0; i < lines.length; i += 2) assert.equal(lines[i + 1], lines[i].replace('start-', 'end-'), lines.join(' '));
    },
    { workers: 8 },
  ));
