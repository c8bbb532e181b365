// Conformance suite for ResourceStore implementations (memory, SQLite, Kubernetes). Each implementation's test
// file calls runStoreConformance(name, makeStore); every test uses a fresh store. More cases: conformance-more.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceStore } from '../../src/store/types.js';
import { cm, rejectsCode, take, wf } from './conformance-kit.js';
import type { ConformanceOptions, StoreFactory, StoreFactoryOptions } from './conformance-kit.js';
import { runMoreConformance } from './conformance-more.js';
import { runLabelConformance } from './conformance-labels.js';

export type { ConformanceOptions, StoreFactory, StoreFactoryOptions };

export function runStoreConformance(name: string, makeStore: StoreFactory, conf: ConformanceOptions = {}): void {
  describe(`ResourceStore conformance: ${name}`, () => {
    const withStore = (title: string, fn: (s: ResourceStore) => Promise<void>, opts?: StoreFactoryOptions): void => {
      const reason = conf.notApplicable?.[title];
      test(title, reason === undefined ? {} : { skip: `not applicable to ${name}: ${reason}` }, async () => {
        const s = await makeStore(opts);
        try {
          await fn(s);
        } finally {
          await s.close();
        }
      });
    };

    withStore('create assigns uid, resourceVersion and creationTimestamp; get returns a copy', async (s) => {
      const o = await s.create('ConfigMap', cm('a'));
      assert.equal(o.metadata.name, 'a');
      assert.equal(o.metadata.namespace, 'default');
      assert.match(o.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(o.metadata.resourceVersion, /^\d+$/);
      assert.ok(!Number.isNaN(Date.parse(o.metadata.creationTimestamp)));
      const g = await s.get('ConfigMap', 'default', 'a');
      assert.deepEqual(g, o);
      (g as unknown as { data: Record<string, string> }).data.k = 'mutated';
      assert.equal(((await s.get('ConfigMap', 'default', 'a')) as unknown as { data: Record<string, string> }).data.k, 'a');
      assert.equal(await s.get('ConfigMap', 'default', 'missing'), undefined);
    });

    withStore('generateName appends five lowercase alphanumerics', async (s) => {
      const names = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const o = await s.create('Workflow', { ...wf(''), metadata: { generateName: 'hello-', namespace: 'default' } });
        assert.match(o.metadata.name, /^hello-[a-z0-9]{5}$/);
        names.add(o.metadata.name);
      }
      assert.equal(names.size, 20);
    });

    withStore('create without name or generateName is INVALID_SPEC; a taken name is ALREADY_EXISTS', async (s) => {
      await rejectsCode(s.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }), 'INVALID_SPEC');
      await s.create('ConfigMap', cm('a'));
      await rejectsCode(s.create('ConfigMap', cm('a')), 'ALREADY_EXISTS');
      await s.create('ConfigMap', cm('a', {}, 'other'));
    });

    withStore('resourceVersion increases; a stale update is CONFLICT; a missing object is NOT_FOUND', async (s) => {
      const a = await s.create('ConfigMap', cm('a'));
      const b = await s.create('ConfigMap', cm('b'));
      assert.ok(Number(b.metadata.resourceVersion) > Number(a.metadata.resourceVersion));
      const a2 = await s.update('ConfigMap', { ...a, data: { k: 'v2' } });
      assert.ok(Number(a2.metadata.resourceVersion) > Number(b.metadata.resourceVersion));
      assert.equal(a2.metadata.uid, a.metadata.uid);
      await rejectsCode(s.update('ConfigMap', { ...a, data: { k: 'stale' } }), 'CONFLICT');
      await rejectsCode(s.update('ConfigMap', { ...a2, metadata: { ...a2.metadata, name: 'nope' } }), 'NOT_FOUND');
    });

    withStore('delete, with and without a resourceVersion precondition', async (s) => {
      const a = await s.create('ConfigMap', cm('a'));
      // A change: Kubernetes keeps the resourceVersion of an update that changes nothing.
      await s.update('ConfigMap', { ...a, data: { k: 'changed' } });
      await rejectsCode(s.delete('ConfigMap', 'default', 'a', { resourceVersion: a.metadata.resourceVersion }), 'CONFLICT');
      assert.equal(await s.delete('ConfigMap', 'default', 'a'), true);
      assert.equal(await s.delete('ConfigMap', 'default', 'a'), false);
      assert.equal(await s.get('ConfigMap', 'default', 'a'), undefined);
    });

    withStore('list filters by namespace, label selector and field selector (nested status.phase)', async (s) => {
      await s.create('ConfigMap', cm('a', { app: 'x', tier: 'web' }));
      await s.create('ConfigMap', cm('b', { app: 'y' }));
      await s.create('ConfigMap', cm('c', { app: 'x' }, 'other'));
      const names = async (o: Parameters<ResourceStore['list']>[1]): Promise<string[]> =>
        (await s.list('ConfigMap', o)).items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`).sort();
      assert.deepEqual(await names({}), ['default/a', 'default/b', 'other/c']);
      assert.deepEqual(await names({ namespace: 'default' }), ['default/a', 'default/b']);
      assert.deepEqual(await names({ labelSelector: 'app=x' }), ['default/a', 'other/c']);
      assert.deepEqual(await names({ labelSelector: 'app!=x' }), ['default/b']);
      assert.deepEqual(await names({ labelSelector: 'app in (x,y),!tier' }), ['default/b', 'other/c']);
      assert.deepEqual(await names({ labelSelector: 'tier' }), ['default/a']);
      assert.deepEqual(await names({ labelSelector: 'app notin (x)' }), ['default/b']);
      assert.deepEqual(await names({ fieldSelector: { 'metadata.name': 'b' } }), ['default/b']);
      await s.create('Workflow', wf('w1', 'Failed'));
      await s.create('Workflow', wf('w2', 'Succeeded'));
      await s.create('Workflow', wf('w3'));
      const failed = await s.list('Workflow', { fieldSelector: { 'status.phase': 'Failed' } });
      assert.deepEqual(
        failed.items.map((i) => i.metadata.name),
        ['w1'],
      );
      await rejectsCode(s.list('ConfigMap', { labelSelector: 'a in (' }), 'INVALID_ARGUMENT');
    });

    withStore('limit/continue pages through every item exactly once', async (s) => {
      for (let i = 0; i < 7; i++) await s.create('ConfigMap', cm(`n${i}`));
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s.list('ConfigMap', { limit: 3, continue: token });
        assert.ok(page.items.length <= 3);
        seen.push(...page.items.map((i) => i.metadata.name));
        token = page.continue;
        pages++;
      } while (token !== undefined);
      assert.equal(pages, 3);
      assert.deepEqual(seen.sort(), ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    });

    withStore('watch delivers live ADDED/MODIFIED/DELETED, filtered by namespace and labels', async (s) => {
      const ac = new AbortController();
      const events = take(s.watch('ConfigMap', { namespace: 'default', labelSelector: 'app=x', signal: ac.signal }), 3);
      const a = await s.create('ConfigMap', cm('a', { app: 'x' }));
      await s.create('ConfigMap', cm('b', { app: 'y' }));
      await s.create('ConfigMap', cm('c', { app: 'x' }, 'other'));
      await s.create('Workflow', wf('w'));
      await s.update('ConfigMap', { ...a, data: { k: '2' } });
      await s.delete('ConfigMap', 'default', 'a');
      const got = await events;
      ac.abort();
      assert.deepEqual(
        got.map((e) => `${e.type} ${e.object.metadata.name}`),
        ['ADDED a', 'MODIFIED a', 'DELETED a'],
      );
    });

    withStore('watch from a list resourceVersion replays later changes only', async (s) => {
      await s.create('ConfigMap', cm('old'));
      const listed = await s.list('ConfigMap');
      await s.create('ConfigMap', cm('new1'));
      await s.create('ConfigMap', cm('new2'));
      const ac = new AbortController();
      const got = await take(s.watch('ConfigMap', { sinceResourceVersion: listed.resourceVersion, signal: ac.signal }), 2);
      ac.abort();
      assert.deepEqual(
        got.map((e) => e.object.metadata.name),
        ['new1', 'new2'],
      );
    });

    withStore('aborting a watch ends the iteration', async (s) => {
      const ac = new AbortController();
      const it = s.watch('ConfigMap', { signal: ac.signal });
      const done = (async () => {
        const seen: string[] = [];
        for await (const e of it) seen.push(e.object.metadata.name);
        return seen;
      })();
      await s.create('ConfigMap', cm('a'));
      setImmediate(() => ac.abort());
      const seen = await done;
      assert.ok(seen.length <= 1);
    });

    withStore('cluster-scoped kinds ignore namespaces', async (s) => {
      const o = await s.create('ClusterWorkflowTemplate', {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'ClusterWorkflowTemplate',
        metadata: { name: 'c', namespace: 'x' },
        spec: {},
      });
      assert.equal(o.metadata.namespace, undefined);
      assert.ok(await s.get('ClusterWorkflowTemplate', undefined, 'c'));
      assert.ok(await s.get('ClusterWorkflowTemplate', 'anything', 'c'));
    });

    runMoreConformance(withStore, conf);
    runLabelConformance(withStore);
  });
}
