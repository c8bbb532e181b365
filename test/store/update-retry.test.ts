// updateWithRetry against the in-memory store: a CONFLICT re-reads and re-applies the change, no change writes
// nothing, a missing object and a conflict that never clears end with an error after the bounded attempts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { updateWithRetry } from '../../src/store/update-retry.js';
import type { StoredObject } from '../../src/store/types.js';

const cm = (name: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
  data,
});
const withData = (o: StoredObject, k: string, v: string): StoredObject => ({
  ...o,
  data: { ...(o.data as Record<string, string>), [k]: v },
});

test('a concurrent write makes the change run again on the fresh object; both writes are kept', async () => {
  const store = createMemoryStore();
  await store.create('ConfigMap', cm('a', {}));
  let calls = 0;
  const r = await updateWithRetry(store, 'ConfigMap', 'ns', 'a', async (cur) => {
    calls++;
    if (calls === 1) {
      const other = await store.get('ConfigMap', 'ns', 'a');
      await store.update('ConfigMap', withData(other!, 'other', 'x'));
    }
    return withData(cur, 'mine', 'y');
  });
  assert.equal(calls, 2);
  assert.equal(r.updated, true);
  assert.deepEqual((await store.get('ConfigMap', 'ns', 'a'))?.data, { other: 'x', mine: 'y' });
});

test('no change writes nothing and returns the current object', async () => {
  const store = createMemoryStore();
  const created = await store.create('ConfigMap', cm('b', { k: 'v' }));
  const r = await updateWithRetry(store, 'ConfigMap', 'ns', 'b', () => undefined);
  assert.equal(r.updated, false);
  assert.equal(r.object.metadata.resourceVersion, created.metadata.resourceVersion);
  assert.equal((await store.get('ConfigMap', 'ns', 'b'))?.metadata.resourceVersion, created.metadata.resourceVersion);
});

test("a missing object is NOT_FOUND, or the caller's error", async () => {
  const store = createMemoryStore();
  await assert.rejects(
    updateWithRetry(store, 'ConfigMap', 'ns', 'none', (c) => c),
    { code: 'NOT_FOUND' },
  );
  await assert.rejects(
    updateWithRetry(store, 'ConfigMap', 'ns', 'none', (c) => c, { notFound: () => new Error('gone') }),
    /gone/,
  );
});

test('a conflict on every attempt is thrown after `attempts` rounds', async () => {
  const store = createMemoryStore();
  await store.create('ConfigMap', cm('c', {}));
  let calls = 0;
  await assert.rejects(
    updateWithRetry(
      store,
      'ConfigMap',
      'ns',
      'c',
      async (cur) => {
        calls++;
        const other = await store.get('ConfigMap', 'ns', 'c');
        await store.update('ConfigMap', withData(other!, 'n', String(calls)));
        return withData(cur, 'mine', 'y');
      },
      { attempts: 3 },
    ),
    { code: 'CONFLICT' },
  );
  assert.equal(calls, 3);
});
