// Memoization: cache hits/misses and maxAge through the pure engine, and the controller storing entries in the cache
// ConfigMap (created with Argo's cache label) so a second workflow run reuses them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sim } from './sim.js';
import { HostExecutor } from '../../src/executor/host-executor.js';
import { WorkflowController } from '../../src/controller/controller.js';
import { lookupEntry, memoKey } from '../../src/controller/memoize.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { NewObjectOf } from '../../src/store/types.js';
import type { NodeStatus, WorkflowStatus } from '../../src/controller/types.js';

const memoWf = (name: string): string => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: ${name} }
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: first, template: cached, arguments: { parameters: [{ name: m, value: k1 }] } }
        - - { name: second, template: cached, arguments: { parameters: [{ name: m, value: k1 }] } }
    - name: cached
      inputs: { parameters: [{ name: m }] }
      memoize: { key: "{{inputs.parameters.m}}", maxAge: 1h, cache: { configMap: { name: memo } } }
      container: { image: x, command: [echo, "{{inputs.parameters.m}}"] }
`;

test('memoize: the first node misses and writes the cache; the second hits without running', () => {
  const s = new Sim(memoWf('w')).pass();
  assert.deepEqual(s.node('first').memoizationStatus, { hit: false, key: 'k1', cacheName: 'memo' });
  s.finish('first', 0, 'k1\n').pass();
  const write = s.actions.find((a) => a.type === 'memoize');
  assert.ok(write?.type === 'memoize');
  assert.equal(write.cacheName, 'memo');
  assert.equal(write.key, 'k1');
  assert.equal((JSON.parse(write.entry) as { outputs: { result: string } }).outputs.result, 'k1');
  assert.deepEqual(s.node('second').memoizationStatus, { hit: true, key: 'k1', cacheName: 'memo' });
  assert.equal(s.node('second').outputs?.result, 'k1');
  assert.equal(s.actions.filter((a) => a.type === 'start').length, 0);
  assert.equal(s.phase, 'Succeeded');
});

test('memoize: an entry older than maxAge is a miss; a bad key is an error', () => {
  const s = new Sim(memoWf('w'));
  const old = JSON.stringify({ nodeID: 'x', outputs: { result: 'old' }, creationTimestamp: '2023-12-31T00:00:00Z' });
  s.extra = { configMap: (n: string) => (n === 'memo' ? { k1: old } : undefined) };
  s.pass();
  assert.equal(s.node('first').memoizationStatus?.hit, false);
  assert.equal(lookupEntry({ k1: old }, 'k1', '1h', Date.parse('2023-12-31T00:30:00Z'))?.outputs?.result, 'old');
  assert.equal(lookupEntry({ k1: old }, 'k1', '1h', Date.parse('2023-12-31T02:00:00Z')), undefined);
  assert.deepEqual(memoKey({ key: 'a b', cache: { configMap: { name: 'c' } } }, {}), {
    error: "memoize.key \"a b\" is not a valid ConfigMap key (only letters, digits, '-', '_' and '.')",
  });
});

test('controller stores cache entries in a labelled ConfigMap; a second workflow hits them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-memo-'));
  const store = createMemoryStore();
  const ac = new AbortController();
  try {
    const controller = new WorkflowController({
      store,
      executor: new HostExecutor({ dataDir: join(dir, 'data'), bwrapPath: null, pollIntervalMs: 20 }),
    });
    const running = controller.run(ac.signal);
    const { parse } = await import('yaml');
    const finished = async (name: string): Promise<WorkflowStatus> => {
      await store.create('Workflow', parse(memoWf(name)) as NewObjectOf<'Workflow'>);
      for (;;) {
        const st = (await store.get('Workflow', 'default', name))?.status;
        if (st?.phase === 'Succeeded' || st?.phase === 'Failed' || st?.phase === 'Error') return st;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const a = await finished('a');
    assert.equal(a.phase, 'Succeeded');
    const cm = await store.get('ConfigMap', 'default', 'memo');
    assert.equal(cm?.metadata.labels?.['workflows.argoproj.io/configmap-type'], 'Cache');
    assert.ok((cm?.data as Record<string, string>).k1.includes('"result":"k1"'));
    const b = await finished('b');
    const hits = Object.values(b.nodes ?? {}).filter((n: NodeStatus) => n.memoizationStatus?.hit === true);
    assert.equal(hits.length, 2, 'both steps of the second workflow hit the cache');
    ac.abort();
    await running;
  } finally {
    ac.abort();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
