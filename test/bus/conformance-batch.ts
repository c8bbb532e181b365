// EventBus conformance, batches: publishBatch answers one result per event in order (acks, duplicates, bad events),
// and with ackPerBatch stores a replayed batch's events once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeirError } from '../../src/core/errors.js';
import { collect, event, eventually, rejectsWith, sleep, uniq } from './conformance-kit.js';
import type { MakeBus } from './conformance-kit.js';

export function batchConformance(makeBus: MakeBus): void {
  test('publishBatch: one result per event in order (acks, a duplicate, a bad event); events delivered in batch order', async () => {
    const bus = await makeBus(`batch-${uniq()}`);
    try {
      const publishBatch = bus.publishBatch?.bind(bus);
      assert.ok(publishBatch, 'both buses implement publishBatch');
      const src = `b-${uniq()}`;
      const first = event(src, 'e', { i: -1 });
      await bus.publish(first);
      const evs = Array.from({ length: 60 }, (_, i) => event(src, 'e', { i }));
      const batch = [...evs.slice(0, 30), { ...first, data: { changed: true } }, { ...event(src, 'e'), id: '' }, ...evs.slice(30)];
      const results = await publishBatch(batch);
      assert.equal(results.length, batch.length);
      const acks = results.flatMap((r, i) => (r.ok && i !== 30 ? [r.ack] : []));
      assert.equal(acks.length, 60);
      assert.ok(acks.every((a) => !a.duplicate));
      assert.equal(new Set(acks.map((a) => a.seq)).size, 60, 'distinct positions');
      const dup = results[30];
      assert.ok(dup.ok && dup.ack.duplicate, 'the resent id is a duplicate');
      const bad = results[31];
      assert.ok(!bad.ok && bad.error instanceof WeirError && bad.error.code === 'INVALID_ARGUMENT');
      const c = collect(bus, { durableName: `d-${uniq()}`, filters: [{ eventSourceName: src, eventName: '*' }], deliverPolicy: 'all' });
      await eventually(() => c.received.length >= 61, { what: '61 deliveries' });
      await sleep(200);
      await c.stop();
      assert.deepEqual(c.ids(), [first.id, ...evs.map((e) => e.id)], 'each event once, in batch order');
      assert.deepEqual(c.received[1].msg.event.data, { i: 0 });
      const aborted = new AbortController();
      aborted.abort();
      await rejectsWith(publishBatch([event(src, 'e')], { signal: aborted.signal }), 'CANCELLED');
      assert.deepEqual(await publishBatch([]), []);
    } finally {
      await bus.close();
    }
    const after = await bus.publishBatch?.([event('s', 'e'), event('s', 'e')]);
    assert.ok(after);
    assert.ok(
      after.every((r) => !r.ok && r.error instanceof WeirError && r.error.code === 'BUS_UNAVAILABLE'),
      'a closed bus refuses each',
    );
  });

  test('publishBatch with ackPerBatch: every event stored once and in order; a replayed batch stores nothing again', async () => {
    const bus = await makeBus(`abatch-${uniq()}`);
    try {
      const src = `ab-${uniq()}`;
      const evs = Array.from({ length: 150 }, (_, i) => event(src, 'e', { i }));
      const first = await bus.publishBatch!(evs.slice(0, 100), { ackPerBatch: true });
      assert.ok(first.every((r) => r.ok && !r.ack.duplicate));
      // A replay after a crash: 50 events already stored and 50 new ones in one batch.
      const second = await bus.publishBatch!(evs.slice(50, 150), { ackPerBatch: true });
      assert.ok(second.every((r) => r.ok));
      assert.ok(
        second.slice(0, 50).every((r) => r.ok && (r.ack.duplicate || r.ack.batched === true)),
        'replayed: duplicate or batched',
      );
      const c = collect(bus, { durableName: `d-${uniq()}`, filters: [{ eventSourceName: src, eventName: '*' }], deliverPolicy: 'all' });
      await eventually(() => c.received.length >= 150, { what: '150 deliveries' });
      await sleep(200);
      await c.stop();
      assert.deepEqual(
        c.ids(),
        evs.map((e) => e.id),
        'each event once, in batch order',
      );
    } finally {
      await bus.close();
    }
  });
}
