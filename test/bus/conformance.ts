// The EventBus conformance suite: every bus implementation runs it (embedded SQLite and NATS JetStream).
// `makeBus(key)` opens a bus on storage named by `key`: a new key is a fresh bus, the same key after close()
// reopens the same durable state. Polls with eventually(); the only waits are the redelivery delays under test.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { WeirError } from '../../src/core/errors.js';
import type { BusMessage, ConsumerOptions, EventBus } from '../../src/bus/types.js';
import { eventually } from '../helpers/eventually.js';

export type MakeBus = (key: string) => Promise<EventBus>;

export { eventually };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function event(source: string, name: string, data: unknown = {}, id: string = randomUUID()): CloudEvent {
  return makeCloudEvent({ id, source, subject: name, type: 'webhook', time: new Date().toISOString(), data });
}

export interface Received {
  msg: BusMessage;
  at: number;
}

export interface Collector {
  readonly received: Received[];
  ids(): string[];
  /** Resolves when the consumer loop has ended (after stop()). */
  stop(): Promise<void>;
  /** The error the loop ended with, if any. */
  error(): unknown;
}

/** Consumes in the background; `handle` decides what to do with each message (default: ack). */
export function collect(
  bus: EventBus,
  opts: Omit<ConsumerOptions, 'signal'>,
  handle: (m: BusMessage) => Promise<void> = (m) => m.ack(),
): Collector {
  const ac = new AbortController();
  const received: Received[] = [];
  let failure: unknown;
  const loop = (async () => {
    for await (const msg of bus.consume({ ...opts, signal: ac.signal })) {
      received.push({ msg, at: Date.now() });
      await handle(msg);
    }
  })().catch((e: unknown) => {
    failure = e;
  });
  return {
    received,
    ids: () => received.map((r) => r.msg.event.id),
    stop: async () => {
      ac.abort();
      await loop;
    },
    error: () => failure,
  };
}

const all = [{ eventSourceName: '*', eventName: '*' }];
const uniq = (): string => randomUUID().slice(0, 8);

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof WeirError && e.code === code);
}

export function runBusConformance(name: string, makeBus: MakeBus): void {
  describe(`EventBus conformance: ${name}`, () => {
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
        const evs = [
          event('a', 'e1'),
          event('a', 'e2'),
          event('b', 'e1'),
          event('c', 'e1'),
          event('we.ird *>', 'n am.e'),
          event('b', 'zz'),
        ];
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
  });
}
