// EventBus conformance, publishing and routing: acks with positions, de-duplication by event id, filters, deliver
// policies, per-subject order, concurrent publishers, and refusal of bad input. Registered by runBusConformance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeirError } from '../../src/core/errors.js';
import { all, collect, event, eventually, rejectsWith, sleep, uniq } from './conformance-kit.js';
import type { MakeBus } from './conformance-kit.js';

export function publishConformance(makeBus: MakeBus): void {
  test('publish is acknowledged with a position; a consumer receives the event intact and acks it', async () => {
    const bus = await makeBus(`pub-${uniq()}`);
    try {
      assert.equal(bus.state(), 'up');
      const e = event('github', 'push', { n: 1, nested: { ok: true } });
      const ack = await bus.publish(e);
      assert.ok(ack.seq >= 1);
      assert.equal(ack.duplicate, false);
      const c = collect(bus, { durableName: 'd1', filters: all, deliverPolicy: 'all', ackWaitMs: 300 });
      await eventually(() => c.received.length >= 1);
      const got = c.received[0].msg;
      assert.deepEqual(got.event, e);
      assert.equal(got.seq, ack.seq);
      assert.equal(got.deliveryCount, 1);
      // Acked: not redelivered after ackWait has passed.
      await sleep(700);
      assert.equal(c.received.length, 1);
      await c.stop();
      assert.equal(c.error(), undefined);
    } finally {
      await bus.close();
    }
  });

  test('an event id seen within the duplicate window is answered duplicate:true and delivered once', async () => {
    const bus = await makeBus(`dup-${uniq()}`);
    try {
      const e = event('s', 'e');
      const a1 = await bus.publish(e);
      const a2 = await bus.publish({ ...e, data: { changed: true } });
      assert.equal(a1.duplicate, false);
      assert.equal(a2.duplicate, true);
      assert.equal(a2.seq, a1.seq);
      const marker = event('s', 'e');
      await bus.publish(marker);
      const c = collect(bus, { durableName: 'd', filters: all, deliverPolicy: 'all' });
      await eventually(() => c.ids().includes(marker.id));
      assert.deepEqual(c.ids(), [e.id, marker.id]);
      assert.deepEqual(c.received[0].msg.event.data, {});
      await c.stop();
      const m = bus.metrics?.();
      if (m) {
        assert.equal(m.published, 2);
        assert.equal(m.duplicates, 1);
      }
    } finally {
      await bus.close();
    }
  });

  test('filters select by EventSource and event name, with * as a wildcard; names may hold any characters', async () => {
    const bus = await makeBus(`filt-${uniq()}`);
    try {
      const evs = [event('a', 'e1'), event('a', 'e2'), event('b', 'e1'), event('c', 'e1'), event('we.ird *>', 'n am.e'), event('b', 'zz')];
      for (const e of evs) await bus.publish(e);
      const c = collect(bus, {
        durableName: 'sensor.one dep',
        deliverPolicy: 'all',
        filters: [
          { eventSourceName: 'a', eventName: 'e1' },
          { eventSourceName: 'b', eventName: '*' },
          { eventSourceName: 'we.ird *>', eventName: 'n am.e' },
        ],
      });
      await eventually(() => c.ids().includes(evs[5].id));
      assert.deepEqual(c.ids(), [evs[0].id, evs[2].id, evs[4].id, evs[5].id]);
      const c2 = collect(bus, { durableName: 'by-name', deliverPolicy: 'all', filters: [{ eventSourceName: '*', eventName: 'e1' }] });
      await eventually(() => c2.ids().length >= 3);
      await sleep(100);
      assert.deepEqual(c2.ids(), [evs[0].id, evs[2].id, evs[3].id]);
      await Promise.all([c.stop(), c2.stop()]);
    } finally {
      await bus.close();
    }
  });

  test('deliverPolicy new: a new durable consumer sees only events published after it was created', async () => {
    const bus = await makeBus(`new-${uniq()}`);
    try {
      const old = event('s', 'e');
      await bus.publish(old);
      const c = collect(bus, { durableName: 'late', filters: all });
      // The consumer exists once the loop has started; publish until one shows up (the first may race creation).
      const fresh: string[] = [];
      await eventually(
        async () => {
          const e = event('s', 'e');
          fresh.push(e.id);
          await bus.publish(e);
          return c.received.length > 0;
        },
        { timeoutMs: 10_000 },
      );
      assert.ok(!c.ids().includes(old.id));
      for (const id of c.ids()) assert.ok(fresh.includes(id));
      await c.stop();
    } finally {
      await bus.close();
    }
  });

  test('events on one subject are delivered in publish order', async () => {
    const bus = await makeBus(`order-${uniq()}`);
    try {
      const evs = Array.from({ length: 60 }, (_, i) => event('s', 'ordered', { i }));
      for (const e of evs) await bus.publish(e);
      const c = collect(bus, { durableName: 'o', filters: [{ eventSourceName: 's', eventName: 'ordered' }], deliverPolicy: 'all' });
      await eventually(() => c.received.length >= evs.length);
      assert.deepEqual(
        c.ids(),
        evs.map((e) => e.id),
      );
      const seqs = c.received.map((r) => r.msg.seq);
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => a - b),
      );
      await c.stop();
    } finally {
      await bus.close();
    }
  });

  test('500 events from 20 concurrent publishers: 500 acks with distinct positions, exactly 500 deliveries', async () => {
    const bus = await makeBus(`conc-${uniq()}`);
    try {
      const c = collect(bus, { durableName: 'all', filters: all, deliverPolicy: 'all', maxAckPending: 1000 });
      const acks = (
        await Promise.all(
          Array.from({ length: 20 }, async (_, p) => {
            const out = [];
            for (let i = 0; i < 25; i++) out.push(await bus.publish(event(`src-${p % 4}`, 'e', { p, i })));
            return out;
          }),
        )
      ).flat();
      assert.equal(acks.length, 500);
      assert.equal(new Set(acks.map((a) => a.seq)).size, 500);
      assert.ok(acks.every((a) => !a.duplicate));
      await eventually(() => c.received.length >= 500, { timeoutMs: 20_000 });
      const marker = event('marker', 'e');
      await bus.publish(marker);
      await eventually(() => c.ids().includes(marker.id));
      assert.equal(c.received.length, 501);
      assert.equal(new Set(c.ids()).size, 501);
      await c.stop();
    } finally {
      await bus.close();
    }
  });

  test('bad input is refused with a coded error; a closed bus refuses publishes', async () => {
    const bus = await makeBus(`bad-${uniq()}`);
    await rejectsWith(bus.publish({ ...event('s', 'e'), id: '' }), 'INVALID_ARGUMENT');
    await rejectsWith(bus.publish({ ...event('s', 'e'), source: '' }), 'INVALID_ARGUMENT');
    assert.throws(
      () => bus.consume({ durableName: '', filters: all, signal: new AbortController().signal }),
      (e: unknown) => e instanceof WeirError && e.code === 'INVALID_ARGUMENT',
    );
    await bus.close();
    assert.equal(bus.state(), 'closed');
    await rejectsWith(bus.publish(event('s', 'e')), 'BUS_UNAVAILABLE');
  });
}
