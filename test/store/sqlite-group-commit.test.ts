// The SQLite store's group commit: writes issued in the same tick share one transaction, yet each fails alone (its
// own savepoint), a failed commit fails the whole batch with nothing kept, watchers see commits in resourceVersion
// order, and what a write stores is fixed when it is issued. Also: update() keeps generation/uid semantics, and the
// change log compacts superseded MODIFIED rows (as the memory store does) without gaps, duplicates or early Expired.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WeirError } from '../../src/core/errors.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import type { NewObject, StoredObject, WatchEvent } from '../../src/store/types.js';
import type { WorkflowSpec } from '../../src/api/workflow.js';
import type { StoredWorkflow } from '../../src/api/objects.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'weir-sqlite-batch-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const cm = (name: string, v = name): NewObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data: { v },
});
const codeOf = (r: PromiseSettledResult<unknown>): string => (r.status === 'rejected' ? (r.reason as WeirError).code : 'ok');
const names = (items: StoredObject[]): string[] => items.map((i) => i.metadata.name);

/** Collects a watch's events until `n` arrived. */
async function collect(it: AsyncIterable<WatchEvent>, n: number): Promise<string[]> {
  const out: string[] = [];
  for await (const ev of it) {
    out.push(`${ev.type} ${ev.object.metadata.name} ${ev.object.metadata.resourceVersion}`);
    if (out.length === n) break;
  }
  return out;
}

describe('SQLite store group commit', () => {
  test('writes of one tick: the failing ones reject alone, the others commit, survive reopen, and are watched in order', async () => {
    const dataDir = tempDir();
    const s = createSqliteStore({ dataDir });
    const a = await s.create('ConfigMap', cm('a'));
    const x = await s.create('ConfigMap', cm('x'));
    const ac = new AbortController();
    const watched = collect(s.watch('ConfigMap', { signal: ac.signal, sinceResourceVersion: a.metadata.resourceVersion }), 5);
    const results = await Promise.allSettled([
      s.update('ConfigMap', { ...a, data: { v: 'won' } }),
      s.update('ConfigMap', { ...a, data: { v: 'stale' } }),
      s.create('ConfigMap', cm('b')),
      s.create('ConfigMap', cm('b', 'twice')),
      s.update('ConfigMap', { ...a, metadata: { ...a.metadata, name: 'missing' } }),
      s.delete('ConfigMap', 'default', 'x'),
      s.create('ConfigMap', cm('c')),
    ]);
    assert.deepEqual(results.map(codeOf), ['ok', 'CONFLICT', 'ok', 'ALREADY_EXISTS', 'NOT_FOUND', 'ok', 'ok']);
    const value = <T>(r: PromiseSettledResult<T>): T => (r as PromiseFulfilledResult<T>).value;
    const won = value(results[0]);
    const b = value(results[2]);
    const c = value(results[6]);
    const rvs = [won, b, c].map((o) => Number(o.metadata.resourceVersion));
    assert.deepEqual(
      rvs,
      [...rvs].sort((p, q) => p - q),
      'resourceVersions follow the order the writes were issued in',
    );
    // Everything committed is visible now that the promises resolved; the failed writes left nothing behind.
    assert.deepEqual(names((await s.list('ConfigMap')).items), ['a', 'b', 'c']);
    assert.deepEqual(((await s.get('ConfigMap', 'default', 'a')) as StoredObject).data, { v: 'won' });
    assert.deepEqual(((await s.get('ConfigMap', 'default', 'b')) as StoredObject).data, { v: 'b' });
    const live = await watched;
    ac.abort();
    // The delete was issued between b and c, so its resourceVersion lies between theirs.
    const deletedRv = Number(b.metadata.resourceVersion) + 1;
    assert.equal(deletedRv, Number(c.metadata.resourceVersion) - 1);
    assert.deepEqual(live, [
      `ADDED x ${x.metadata.resourceVersion}`,
      `MODIFIED a ${won.metadata.resourceVersion}`,
      `ADDED b ${b.metadata.resourceVersion}`,
      `DELETED x ${deletedRv}`,
      `ADDED c ${c.metadata.resourceVersion}`,
    ]);
    await s.close();

    const s2 = createSqliteStore({ dataDir });
    try {
      assert.deepEqual(names((await s2.list('ConfigMap')).items), ['a', 'b', 'c']);
      assert.deepEqual(await s2.get('ConfigMap', 'default', 'a'), won);
      assert.deepEqual(await s2.get('ConfigMap', 'default', 'c'), c);
      const ac2 = new AbortController();
      const replayed = await collect(s2.watch('ConfigMap', { signal: ac2.signal, sinceResourceVersion: a.metadata.resourceVersion }), 5);
      ac2.abort();
      assert.deepEqual(replayed, live, 'the change log replays the same events in the same order after reopening');
    } finally {
      await s2.close();
    }
  });

  test('when SQLite abandons the transaction, every write of the batch rejects and none is kept', async () => {
    const dataDir = tempDir();
    const s = createSqliteStore({ dataDir });
    try {
      const before = await s.create('ConfigMap', cm('before'));
      const other = new Database(join(dataDir, 'weir.db'));
      other.exec("CREATE TRIGGER boom BEFORE INSERT ON objects WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ROLLBACK, 'boom refused'); END");
      other.close();
      const ac = new AbortController();
      const events: string[] = [];
      const watching = (async () => {
        for await (const ev of s.watch('ConfigMap', { signal: ac.signal })) events.push(ev.object.metadata.name);
      })();
      const results = await Promise.allSettled([
        s.create('ConfigMap', cm('one')),
        s.update('ConfigMap', { ...before, data: { v: 'lost' } }),
        s.create('ConfigMap', cm('boom')),
        s.create('ConfigMap', cm('three')),
      ]);
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        const e = r.reason as WeirError;
        assert.ok(e instanceof WeirError);
        assert.equal(e.code, 'IO_ERROR');
        assert.match(e.message, /boom refused.*commit of 4 write\(s\) failed, none of them was applied/);
      }
      assert.deepEqual(names((await s.list('ConfigMap')).items), ['before']);
      assert.deepEqual(await s.get('ConfigMap', 'default', 'before'), before);
      // The store goes on: the next write commits, with the next resourceVersion, and is the first thing watched.
      const next = await s.create('ConfigMap', cm('after'));
      assert.equal(Number(next.metadata.resourceVersion), Number(before.metadata.resourceVersion) + 1);
      await new Promise((r) => setImmediate(r));
      ac.abort();
      await watching;
      assert.deepEqual(events, ['after']);
    } finally {
      await s.close();
    }
  });

  test('an SQL error inside one write (a trigger aborting its statement) fails only that write', async () => {
    const dataDir = tempDir();
    const s = createSqliteStore({ dataDir });
    try {
      const other = new Database(join(dataDir, 'weir.db'));
      other.exec("CREATE TRIGGER refuse BEFORE INSERT ON objects WHEN NEW.name = 'refused' BEGIN SELECT RAISE(ABORT, 'refused here'); END");
      other.close();
      const results = await Promise.allSettled([
        s.create('ConfigMap', cm('one')),
        s.create('ConfigMap', cm('refused')),
        s.create('ConfigMap', cm('two')),
      ]);
      assert.deepEqual(results.map(codeOf), ['ok', 'IO_ERROR', 'ok']);
      assert.match(((results[1] as PromiseRejectedResult).reason as Error).message, /refused here/);
      assert.deepEqual(names((await s.list('ConfigMap')).items), ['one', 'two']);
    } finally {
      await s.close();
    }
  });

  test('a batch blocked by another connection past busyTimeoutMs rejects every write with TIMEOUT', async () => {
    const dataDir = tempDir();
    const s = createSqliteStore({ dataDir, busyTimeoutMs: 50 });
    const other = new Database(join(dataDir, 'weir.db'));
    try {
      other.exec('BEGIN IMMEDIATE');
      const results = await Promise.allSettled([s.create('ConfigMap', cm('a')), s.create('ConfigMap', cm('b'))]);
      assert.deepEqual(results.map(codeOf), ['TIMEOUT', 'TIMEOUT']);
      other.exec('ROLLBACK');
      assert.deepEqual(names(await Promise.all([s.create('ConfigMap', cm('a')), s.create('ConfigMap', cm('b'))])), ['a', 'b']);
    } finally {
      other.close();
      await s.close();
    }
  });

  test('what a write stores is fixed when it is issued; writes issued before close() are committed by it', async () => {
    const dataDir = tempDir();
    const s = createSqliteStore({ dataDir });
    const obj = cm('a', 'as issued');
    const created = s.create('ConfigMap', obj);
    (obj.data as Record<string, string>).v = 'mutated after the call';
    const a = await created;
    assert.deepEqual(a.data, { v: 'as issued' });
    const a2 = { ...a, data: { v: 'two' } };
    const updated = s.update('ConfigMap', a2);
    a2.data.v = 'mutated after the call';
    const late = s.create('ConfigMap', cm('late'));
    await s.close();
    assert.deepEqual((await updated).data, { v: 'two' });
    assert.equal((await late).metadata.name, 'late');
    const s2 = createSqliteStore({ dataDir });
    try {
      assert.deepEqual(((await s2.get('ConfigMap', 'default', 'a')) as StoredObject).data, { v: 'two' });
      assert.ok(await s2.get('ConfigMap', 'default', 'late'));
    } finally {
      await s2.close();
    }
  });

  test('an object updated many times keeps its last versions in the log; a replay from the start gets later versions only', async () => {
    const dataDir = tempDir();
    const s = createSqliteStore({ dataDir, synchronous: 'normal' });
    try {
      let a = await s.create('ConfigMap', cm('a'));
      const first = a.metadata.resourceVersion;
      for (let i = 1; i <= 40; i++) {
        a = await s.update('ConfigMap', { ...a, data: { v: String(i) } });
        if (i === 20) await s.create('ConfigMap', cm('b'));
      }
      await s.delete('ConfigMap', 'default', 'b');
      const ac = new AbortController();
      const got: WatchEvent[] = [];
      for await (const ev of s.watch('ConfigMap', { sinceResourceVersion: '0', signal: ac.signal })) {
        got.push(ev);
        if (ev.type === 'DELETED') break;
      }
      ac.abort();
      const rvs = got.map((e) => Number(e.object.metadata.resourceVersion));
      assert.deepEqual(
        rvs,
        [...rvs].sort((p, q) => p - q),
      );
      assert.equal(new Set(rvs).size, rvs.length);
      assert.equal(got[0].type, 'ADDED');
      assert.equal(got[0].object.metadata.resourceVersion, first);
      const versions = got
        .filter((e) => e.object.metadata.name === 'a' && e.type === 'MODIFIED')
        .map((e) => Number((e.object.data as { v: string }).v));
      // Every MODIFIED of `a` within the last 16 changes is kept, older ones it superseded are gone.
      assert.deepEqual(
        versions,
        Array.from({ length: 40 - 25 + 1 }, (_, i) => 25 + i),
      );
      assert.deepEqual(
        got.filter((e) => e.object.metadata.name === 'b').map((e) => e.type),
        ['ADDED', 'DELETED'],
      );
      // Compacted rows keep their place: a watch from the first version is not Expired (its first event is b's ADDED,
      // as a's versions before it were superseded).
      const ac2 = new AbortController();
      const [fromFirst] = await collect(s.watch('ConfigMap', { sinceResourceVersion: first, signal: ac2.signal }), 1);
      ac2.abort();
      assert.match(fromFirst, /^ADDED b /);
    } finally {
      await s.close();
    }
    const check = new Database(join(dataDir, 'weir.db'), { readonly: true });
    try {
      assert.equal(check.prepare("SELECT count(*) FROM changes WHERE type = 'COMPACTED' AND body = ''").pluck().get(), 24);
    } finally {
      check.close();
    }
  });

  test('update keeps uid and creationTimestamp, bumps generation only when the spec changes, and returns what get returns', async () => {
    const s = createSqliteStore({ dataDir: tempDir() });
    try {
      const w = await s.create('Workflow', {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { name: 'w', labels: { a: '1' } },
        spec: { entrypoint: 'main', n: 1 } as WorkflowSpec,
      });
      assert.equal(w.metadata.generation, 1);
      const forged = { ...w.metadata, uid: 'forged', creationTimestamp: '1999-01-01T00:00:00Z', generation: 40 };
      const w2 = await s.update('Workflow', { ...w, metadata: forged, status: { phase: 'Running', skip: undefined } });
      assert.equal(w2.metadata.generation, 1, 'status-only update');
      assert.equal(w2.metadata.uid, w.metadata.uid);
      assert.equal(w2.metadata.creationTimestamp, w.metadata.creationTimestamp);
      assert.deepEqual(w2, await s.get('Workflow', 'default', 'w'));
      const w3 = await s.update('Workflow', { ...w2, spec: { entrypoint: 'main', n: 2 } as WorkflowSpec });
      assert.equal(w3.metadata.generation, 2);
      const w4 = await s.update('Workflow', { ...w3, metadata: { ...w3.metadata, labels: { a: '2' } } });
      assert.equal(w4.metadata.generation, 2);
      assert.deepEqual(names((await s.list('Workflow', { labelSelector: 'a=2', fieldSelector: { 'status.phase': 'Running' } })).items), [
        'w',
      ]);
      assert.deepEqual(names((await s.list('Workflow', { labelSelector: 'a=1' })).items), []);
      const w5 = await s.update('Workflow', { ...w4, spec: undefined } as StoredObject as StoredWorkflow);
      assert.equal(w5.metadata.generation, 3);
      assert.equal('spec' in w5, false);
      // Handed over: the result is the given object with the stored metadata, equal to what get returns.
      const w6 = await s.update('Workflow', { ...w5, status: { phase: 'Succeeded' } }, { handOver: true });
      assert.deepEqual(w6.status, { phase: 'Succeeded' });
      assert.equal(Number(w6.metadata.resourceVersion), Number(w5.metadata.resourceVersion) + 1);
      assert.deepEqual(await s.get('Workflow', 'default', 'w'), w6);
    } finally {
      await s.close();
    }
  });
});
