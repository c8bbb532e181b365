// EventBus conformance, durable consumers and redelivery: resume after reopening, nak with a delay, ackWait,
// working(), term, maxDeliver and maxAckPending. The only waits are the redelivery delays under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { all, collect, event, eventually, sleep, uniq } from './conformance-kit.js';
import type { MakeBus } from './conformance-kit.js';

export function consumerConformance(makeBus: MakeBus): void {
  test('a durable consumer resumes after the bus is closed and reopened, after the last ack', async () => {
    const key = `resume-${uniq()}`;
    let bus = await makeBus(key);
    const evs = Array.from({ length: 6 }, (_, i) => event('s', 'e', { i }));
    try {
      for (const e of evs) await bus.publish(e);
      let acked = 0;
      const c = collect(bus, { durableName: 'keep', filters: all, deliverPolicy: 'all', ackWaitMs: 1000 }, async (m) => {
        if (acked < 3) {
          await m.ack();
          acked++;
        }
      });
      await eventually(() => acked === 3 && c.received.length >= 4);
      await c.stop();
    } finally {
      await bus.close();
    }
    bus = await makeBus(key);
    try {
      const more = event('s', 'e', { i: 6 });
      await bus.publish(more);
      const c = collect(bus, { durableName: 'keep', filters: all, deliverPolicy: 'all', ackWaitMs: 1000 });
      const want = [evs[3].id, evs[4].id, evs[5].id, more.id];
      await eventually(() => want.every((id) => c.ids().includes(id)), {
        timeoutMs: 15_000,
        what: 'redelivery of the unacked events after reopening',
      });
      assert.deepEqual([...new Set(c.ids())].sort(), [evs[3].id, evs[4].id, evs[5].id, more.id].sort());
      assert.ok(!c.ids().some((id) => [evs[0].id, evs[1].id, evs[2].id].includes(id)), 'acked events are not delivered again');
      await c.stop();
    } finally {
      await bus.close();
    }
  });

  test('nak with a delay redelivers later with deliveryCount 2', async () => {
    const bus = await makeBus(`nak-${uniq()}`);
    try {
      const c = collect(bus, { durableName: 'n', filters: all, deliverPolicy: 'all', ackWaitMs: 10_000 }, async (m) => {
        if (m.deliveryCount === 1) await m.nak(200);
        else await m.ack();
      });
      const e = event('s', 'e');
      await bus.publish(e);
      await eventually(() => c.received.length >= 2);
      const [first, second] = c.received;
      assert.equal(first.msg.deliveryCount, 1);
      assert.equal(second.msg.deliveryCount, 2);
      assert.equal(second.msg.event.id, e.id);
      assert.ok(second.at - first.at >= 150, `redelivered after ${second.at - first.at} ms`);
      await c.stop();
    } finally {
      await bus.close();
    }
  });

  test('a message not acked within ackWait is redelivered', async () => {
    const bus = await makeBus(`ackwait-${uniq()}`);
    try {
      const c = collect(bus, { durableName: 'w', filters: all, deliverPolicy: 'all', ackWaitMs: 300 }, async (m) => {
        if (m.deliveryCount >= 2) await m.ack();
      });
      await bus.publish(event('s', 'e'));
      await eventually(() => c.received.length >= 2);
      assert.deepEqual(
        c.received.map((r) => r.msg.deliveryCount),
        [1, 2],
      );
      assert.ok(c.received[1].at - c.received[0].at >= 250);
      await c.stop();
    } finally {
      await bus.close();
    }
  });

  test('working() extends the ack deadline', async () => {
    const bus = await makeBus(`working-${uniq()}`);
    try {
      const c = collect(bus, { durableName: 'w', filters: all, deliverPolicy: 'all', ackWaitMs: 400 }, async (m) => {
        for (let i = 0; i < 5; i++) {
          await sleep(150);
          await m.working();
        }
        await m.ack();
      });
      await bus.publish(event('s', 'e'));
      await eventually(() => c.received.length >= 1);
      await sleep(1300);
      assert.equal(c.received.length, 1, 'not redelivered while the handler reported progress');
      await c.stop();
    } finally {
      await bus.close();
    }
  });

  test('term stops redelivery of that message; later messages still flow', async () => {
    const bus = await makeBus(`term-${uniq()}`);
    try {
      const poison = event('s', 'e', { poison: true });
      const c = collect(bus, { durableName: 't', filters: all, deliverPolicy: 'all', ackWaitMs: 200 }, async (m) => {
        if ((m.event.data as { poison?: boolean }).poison) await m.term('bad payload');
        else await m.ack();
      });
      await bus.publish(poison);
      await eventually(() => c.received.length >= 1);
      const next = event('s', 'e');
      await bus.publish(next);
      await eventually(() => c.ids().includes(next.id));
      await sleep(600);
      assert.deepEqual(c.ids(), [poison.id, next.id]);
      await c.stop();
    } finally {
      await bus.close();
    }
  });

  test('maxDeliver bounds the number of deliveries', async () => {
    const bus = await makeBus(`maxdeliver-${uniq()}`);
    try {
      const c = collect(bus, { durableName: 'm', filters: all, deliverPolicy: 'all', ackWaitMs: 200, maxDeliver: 2 }, () =>
        Promise.resolve(),
      );
      const e = event('s', 'e');
      await bus.publish(e);
      await eventually(() => c.received.length >= 2);
      await sleep(800);
      assert.deepEqual(
        c.received.map((r) => r.msg.deliveryCount),
        [1, 2],
      );
      await c.stop();
      const m = bus.metrics?.();
      if (m)
        await eventually(() => (bus.metrics?.().maxDeliverExceeded ?? 0) >= 1, { timeoutMs: 5000, what: 'maxDeliverExceeded counted' });
    } finally {
      await bus.close();
    }
  });

  test('maxAckPending bounds the messages in flight; an ack lets the next one through', async () => {
    const bus = await makeBus(`maxpending-${uniq()}`);
    try {
      for (let i = 0; i < 5; i++) await bus.publish(event('s', 'e', { i }));
      const c = collect(bus, { durableName: 'p', filters: all, deliverPolicy: 'all', ackWaitMs: 30_000, maxAckPending: 2 }, () =>
        Promise.resolve(),
      );
      await eventually(() => c.received.length >= 2);
      await sleep(400);
      assert.equal(c.received.length, 2);
      await c.received[0].msg.ack();
      await eventually(() => c.received.length >= 3);
      await sleep(300);
      assert.equal(c.received.length, 3);
      await c.stop();
    } finally {
      await bus.close();
    }
  });
}
