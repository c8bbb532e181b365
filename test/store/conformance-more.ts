// Store conformance, continued: pagination across many pages in both orders and under concurrent writes, the
// newest-first order, delete preconditions, concurrent updates, field selectors on any path, and watches that
// replay old history, go live without gaps or duplicates, or start before the kept history (Expired).
import assert from 'node:assert/strict';
import { WeirError } from '../../src/core/errors.js';
import type { ListOptions, ResourceStore, StoredObject, WatchEvent } from '../../src/store/types.js';
import { cm, rejectsCode, take, wf } from './conformance-kit.js';
import type { ConformanceOptions, WithStore } from './conformance-kit.js';
import { clockAt } from '../../src/core/clock.js';

async function listAll(s: ResourceStore, kind: 'ConfigMap' | 'Workflow', opts: ListOptions): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let pages = 0;
  let token = opts.continue;
  do {
    const page = await s.list(kind, { ...opts, continue: token });
    assert.ok(opts.limit === undefined || page.items.length <= opts.limit);
    names.push(...page.items.map((i) => i.metadata.name));
    token = page.continue;
    pages++;
  } while (token !== undefined);
  return { names, pages };
}

/** A clock that advances by hand. */
function manualClock(start = Date.parse('2024-05-01T10:00:00Z')): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const sharedClock = manualClock();

export function runMoreConformance(withStore: WithStore, conf: ConformanceOptions = {}): void {
  withStore('continue pages through 23 items in name order, filtered, in key order, each exactly once', async (s) => {
    const want: string[] = [];
    for (let i = 0; i < 23; i++) {
      const name = `item-${String(i).padStart(2, '0')}`;
      await s.create('ConfigMap', cm(name, { app: i % 3 === 0 ? 'other' : 'x' }));
      if (i % 3 !== 0) want.push(name);
      await s.create('ConfigMap', cm(name, { app: 'x' }, 'elsewhere'));
    }
    const { names, pages } = await listAll(s, 'ConfigMap', { namespace: 'default', labelSelector: 'app=x', limit: 4 });
    assert.deepEqual(names, want);
    assert.equal(pages, Math.ceil(want.length / 4));
    const all = await listAll(s, 'ConfigMap', { limit: 5 });
    assert.equal(all.names.length, 46);
    const exact = await s.list('ConfigMap', { namespace: 'default', labelSelector: 'app=x', limit: want.length });
    assert.equal(exact.items.length, want.length);
    assert.equal(exact.continue, undefined, 'no continue token when nothing follows');
  });

  withStore(
    'newest order: creationTimestamp descending, later creates first within a second, paginated',
    async (s) => {
      const clock = sharedClock;
      const created: string[] = [];
      for (let i = 0; i < 9; i++) {
        // Three per second, so ties must be broken by creation order; names run against time order.
        if (i % 3 === 0) clock.advance(1000);
        await s.create('Workflow', wf(`w-${9 - i}`, i % 2 === 0 ? 'Failed' : 'Succeeded'));
        created.push(`w-${9 - i}`);
      }
      const newest = [...created].reverse();
      const first = await s.list('Workflow', { order: 'newest', limit: 4 });
      assert.deepEqual(
        first.items.map((i) => i.metadata.name),
        newest.slice(0, 4),
      );
      const { names } = await listAll(s, 'Workflow', { order: 'newest', limit: 2 });
      assert.deepEqual(names, newest);
      const failed = await listAll(s, 'Workflow', { order: 'newest', limit: 2, fieldSelector: { 'status.phase': 'Failed' } });
      assert.deepEqual(
        failed.names,
        newest.filter((_, i) => (8 - i) % 2 === 0),
      );
      const byName = await s.list('Workflow', {});
      assert.deepEqual(
        byName.items.map((i) => i.metadata.name),
        [...created].sort(),
      );
      const nameToken = (await s.list('Workflow', { limit: 1 })).continue;
      await rejectsCode(s.list('Workflow', { order: 'newest', continue: nameToken }), 'INVALID_ARGUMENT');
      await rejectsCode(s.list('Workflow', { continue: 'not-a-token' }), 'INVALID_ARGUMENT');
    },
    { clock: clockAt(sharedClock.now) },
  );

  withStore('continue tokens stay valid while items are inserted and deleted between pages', async (s) => {
    for (let i = 0; i < 10; i++) await s.create('ConfigMap', cm(`m${i}`));
    const p1 = await s.list('ConfigMap', { limit: 4 });
    assert.deepEqual(
      p1.items.map((i) => i.metadata.name),
      ['m0', 'm1', 'm2', 'm3'],
    );
    await s.create('ConfigMap', cm('a-before'));
    await s.create('ConfigMap', cm('m1x'));
    await s.create('ConfigMap', cm('z-after'));
    await s.delete('ConfigMap', 'default', 'm6');
    await s.delete('ConfigMap', 'default', 'm3');
    const rest = await listAll(s, 'ConfigMap', { limit: 4, continue: p1.continue });
    assert.deepEqual(rest.names, ['m4', 'm5', 'm7', 'm8', 'm9', 'z-after']);
    const n1 = await s.list('ConfigMap', { order: 'newest', limit: 3 });
    await s.create('ConfigMap', cm('newer'));
    const n2 = await listAll(s, 'ConfigMap', { order: 'newest', limit: 3, continue: n1.continue });
    assert.equal(new Set([...n1.items.map((i) => i.metadata.name), ...n2.names]).size, 11);
    assert.ok(!n2.names.includes('newer'), 'an item newer than the first page is not on later pages');
  });

  withStore('field selectors on any path, and labels changed by an update, are honoured', async (s) => {
    const a = await s.create('Workflow', { ...wf('a', 'Running'), spec: { entrypoint: 'one' } });
    await s.create('Workflow', { ...wf('b', 'Running'), spec: { entrypoint: 'two' } });
    await s.create('Workflow', { ...wf('c'), spec: { entrypoint: 'one' } });
    const names = async (o: ListOptions): Promise<string[]> => (await s.list('Workflow', o)).items.map((i) => i.metadata.name);
    assert.deepEqual(await names({ fieldSelector: { 'spec.entrypoint': 'one' } }), ['a', 'c']);
    assert.deepEqual(await names({ fieldSelector: { 'spec.entrypoint': 'one', 'status.phase': 'Running' } }), ['a']);
    assert.deepEqual(await names({ fieldSelector: { 'status.phase': '' } }), ['c']);
    assert.deepEqual(await names({ fieldSelector: { 'metadata.namespace': 'default', 'metadata.name': 'b' } }), ['b']);
    assert.deepEqual(await names({ fieldSelector: { 'spec.entrypoint': 'one' }, limit: 1 }), ['a']);
    const next = await s.list('Workflow', { fieldSelector: { 'spec.entrypoint': 'one' }, limit: 1 });
    assert.deepEqual(
      (await s.list('Workflow', { fieldSelector: { 'spec.entrypoint': 'one' }, limit: 1, continue: next.continue })).items.map(
        (i) => i.metadata.name,
      ),
      ['c'],
    );
    const a2 = await s.update('Workflow', { ...a, metadata: { ...a.metadata, labels: { team: 'blue' } }, status: { phase: 'Succeeded' } });
    assert.deepEqual(await names({ labelSelector: 'team=blue' }), ['a']);
    assert.deepEqual(await names({ fieldSelector: { 'status.phase': 'Running' } }), ['b']);
    await s.update('Workflow', { ...a2, metadata: { ...a2.metadata, labels: {} } });
    assert.deepEqual(await names({ labelSelector: 'team' }), []);
    await rejectsCode(s.list('Nope' as 'Workflow'), 'UNKNOWN_KIND');
  });

  withStore('delete with a matching resourceVersion succeeds; DELETED carries a newer version', async (s) => {
    const a = await s.create('ConfigMap', cm('a'));
    const ac = new AbortController();
    const events = take(s.watch('ConfigMap', { signal: ac.signal, sinceResourceVersion: a.metadata.resourceVersion }), 1);
    assert.equal(await s.delete('ConfigMap', 'default', 'a', { resourceVersion: a.metadata.resourceVersion }), true);
    const [ev] = await events;
    ac.abort();
    assert.equal(ev.type, 'DELETED');
    assert.ok(Number(ev.object.metadata.resourceVersion) > Number(a.metadata.resourceVersion));
    assert.equal(await s.delete('ConfigMap', 'default', 'gone', { resourceVersion: '1' }), false);
  });

  withStore('concurrent updates from the same version: exactly one wins', async (s) => {
    const a = await s.create('ConfigMap', cm('a'));
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => s.update('ConfigMap', { ...a, data: { k: `v${i}` } })));
    const won = results.filter((r) => r.status === 'fulfilled');
    assert.equal(won.length, 1);
    for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as WeirError).code, 'CONFLICT');
    const now = (await s.get('ConfigMap', 'default', 'a')) as StoredObject;
    assert.deepEqual(now.data, won[0].value.data);
  });

  withStore('watch from an old version replays all kept history, then goes live without gaps or duplicates', async (s) => {
    const first = await s.create('ConfigMap', cm('c0'));
    for (let i = 1; i < 300; i++) await s.create('ConfigMap', cm(`c${i}`));
    await s.create('Workflow', wf('noise'));
    const ac = new AbortController();
    const got: WatchEvent[] = [];
    const since = String(Number(first.metadata.resourceVersion) - 1);
    const it = s.watch('ConfigMap', { sinceResourceVersion: since, signal: ac.signal });
    const writeAt = [50, 100, 280, 299, 300];
    for await (const ev of it) {
      got.push(ev);
      // Write while the replay is still running, and after it.
      const w = writeAt.indexOf(got.length);
      if (w >= 0) await s.create('ConfigMap', cm(`live${w}`));
      if (got.length === 305) break;
    }
    ac.abort();
    const rvs = got.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual(
      rvs,
      [...rvs].sort((x, y) => x - y),
    );
    assert.equal(new Set(rvs).size, rvs.length);
    const names = got.map((e) => e.object.metadata.name);
    assert.deepEqual(
      names.slice(0, 300),
      Array.from({ length: 300 }, (_, i) => `c${i}`),
    );
    assert.deepEqual(names.slice(300).sort(), ['live0', 'live1', 'live2', 'live3', 'live4']);
  });

  withStore(
    'a watch from before the kept history fails as Expired; one within it works',
    async (s) => {
      const made: StoredObject[] = [];
      for (let i = 0; i < 12; i++) made.push(await s.create('ConfigMap', cm(`c${i}`)));
      // A store that honours historyLimit 5 now keeps c7..c11, the changes after c6; any other store is trimmed there.
      await conf.trimHistory?.(s, made[6].metadata.resourceVersion);
      const isExpired = (e: unknown): boolean => e instanceof WeirError && e.code === 'CONFLICT' && e.details?.reason === 'Expired';
      await assert.rejects(async () => {
        for await (const ev of s.watch('ConfigMap', { sinceResourceVersion: '1', signal: AbortSignal.timeout(5000) }))
          assert.fail(`got ${ev.type}`);
      }, isExpired);
      const ac = new AbortController();
      // After c6 (resourceVersion 7 in a store that starts at 0; a shared API server is further along).
      const kept = await take(s.watch('ConfigMap', { sinceResourceVersion: made[6].metadata.resourceVersion, signal: ac.signal }), 5);
      ac.abort();
      assert.deepEqual(
        kept.map((e) => e.object.metadata.name),
        ['c7', 'c8', 'c9', 'c10', 'c11'],
      );
      await rejectsCode(
        Promise.resolve().then(() => s.watch('ConfigMap', { sinceResourceVersion: 'abc', signal: ac.signal })),
        'INVALID_ARGUMENT',
      );
    },
    { historyLimit: 5 },
  );

  withStore('closing the store ends open watches', async (s) => {
    const ac = new AbortController();
    const done = (async () => {
      let n = 0;
      for await (const ev of s.watch('ConfigMap', { signal: ac.signal })) n += ev ? 1 : 0;
      return n;
    })();
    await s.create('ConfigMap', cm('a'));
    await new Promise((r) => setImmediate(r));
    await s.close();
    assert.ok((await done) <= 1);
    ac.abort();
  });
}
