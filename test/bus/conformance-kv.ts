// EventBus conformance, key-value buckets: compare-and-set by revision, create-only, delete, keys by prefix, and
// values that survive closing and reopening the bus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WeirError } from '../../src/core/errors.js';
import { rejectsWith, uniq } from './conformance-kit.js';
import type { MakeBus } from './conformance-kit.js';

export function kvConformance(makeBus: MakeBus): void {
  test('kv: compare-and-set with revisions, create-only, delete, keys by prefix, any key characters', async () => {
    const bus = await makeBus(`kv-${uniq()}`);
    try {
      const kv = await bus.kv('sensor state');
      assert.equal(await kv.get('missing'), undefined);
      const r1 = await kv.put('dep/a.b c*>', 'one', { expectedRevision: 0 });
      assert.ok(r1 >= 1);
      await rejectsWith(kv.put('dep/a.b c*>', 'again', { expectedRevision: 0 }), 'CONFLICT');
      const r2 = await kv.put('dep/a.b c*>', 'two', { expectedRevision: r1 });
      assert.ok(r2 > r1);
      await rejectsWith(kv.put('dep/a.b c*>', 'stale', { expectedRevision: r1 }), 'CONFLICT');
      assert.deepEqual(await kv.get('dep/a.b c*>'), { value: 'two', revision: r2 });
      const r3 = await kv.put('dep/other', 'x');
      assert.ok(r3 > r2);
      await kv.put('zzz', 'y');
      assert.deepEqual(await kv.keys('dep/'), ['dep/a.b c*>', 'dep/other']);
      assert.deepEqual(await kv.keys(), ['dep/a.b c*>', 'dep/other', 'zzz']);
      await kv.delete('dep/other');
      assert.equal(await kv.get('dep/other'), undefined);
      assert.deepEqual(await kv.keys('dep/'), ['dep/a.b c*>']);
      const r4 = await kv.put('dep/other', 'back', { expectedRevision: 0 });
      assert.deepEqual(await kv.get('dep/other'), { value: 'back', revision: r4 });
      // Buckets are separate.
      const other = await bus.kv('another');
      assert.equal(await other.get('zzz'), undefined);
      // Concurrent CAS writers: exactly one wins per round.
      const base = (await kv.get('zzz'))!.revision;
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => kv.put('zzz', `w${i}`, { expectedRevision: base })));
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as WeirError).code, 'CONFLICT');
    } finally {
      await bus.close();
    }
  });

  test('kv values survive closing and reopening the bus', async () => {
    const key = `kvre-${uniq()}`;
    let bus = await makeBus(key);
    let rev: number;
    try {
      rev = await (await bus.kv('b')).put('k', 'v');
    } finally {
      await bus.close();
    }
    bus = await makeBus(key);
    try {
      assert.deepEqual(await (await bus.kv('b')).get('k'), { value: 'v', revision: rev });
    } finally {
      await bus.close();
    }
  });
}
