// Runs the bus conformance suite against the embedded SQLite bus (one data dir per bus key), plus its own
// behaviour: retention and discard policies, the de-duplication window with an injected clock, in-memory buses,
// option checks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBus, resolveEmbeddedBusOptions } from '../../src/bus/embedded-bus.js';
import { WeirError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { collect, event, eventually, runBusConformance } from './conformance.js';
import type { Collector } from './conformance.js';
import { clockAt } from '../../src/core/clock.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'weir-bus-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

runBusConformance('embedded', (key) => Promise.resolve(createEmbeddedBus({ dataDir: join(root, key) })));

const all = [{ eventSourceName: '*', eventName: '*' }];

describe('embedded bus', () => {
  test('the bus lives in <dataDir>/bus.db (default name) or bus-<name>.db', async () => {
    const dir = join(root, 'files');
    const a = createEmbeddedBus({ dataDir: dir });
    const b = createEmbeddedBus({ dataDir: dir, name: 'other.bus' });
    await Promise.all([a.close(), b.close()]);
    assert.ok(existsSync(join(dir, 'bus.db')));
    assert.ok(existsSync(join(dir, 'bus-other_2Ebus.db')));
  });

  test('discard new: a full bus refuses publishes with BUS_UNAVAILABLE (bus full)', async () => {
    const bus = createEmbeddedBus({ path: ':memory:', maxMsgs: 3, discard: 'new' });
    try {
      for (let i = 0; i < 3; i++) await bus.publish(event('s', 'e'));
      await assert.rejects(
        bus.publish(event('s', 'e')),
        (e: unknown) => e instanceof WeirError && e.code === 'BUS_UNAVAILABLE' && e.details?.reason === 'full',
      );
      assert.equal(bus.metrics().rejectedFull, 1);
    } finally {
      await bus.close();
    }
  });

  test('discard old: removing events a consumer has not acked is warned about and counted per consumer', async () => {
    const log = createRecordingLogger();
    const bus = createEmbeddedBus({ path: ':memory:', maxMsgs: 5, discard: 'old', logger: log });
    try {
      // 'fast' acks everything; 'lagging' exists but never reads.
      const fast = collect(bus, { durableName: 'fast', filters: all, deliverPolicy: 'all' });
      const lagging = collect(bus, {
        durableName: 'lagging',
        filters: [{ eventSourceName: 'nobody', eventName: '*' }],
        deliverPolicy: 'all',
      });
      const other = collect(bus, { durableName: 'b-only', filters: [{ eventSourceName: 'b', eventName: '*' }], deliverPolicy: 'all' }, () =>
        Promise.resolve(),
      );
      for (let i = 0; i < 5; i++) {
        const e = event('a', 'e', { i });
        await bus.publish(e);
        await eventually(() => fast.ids().includes(e.id));
      }
      assert.equal(bus.metrics().droppedUnconsumed, 0);
      await bus.publish(event('b', 'e'));
      await eventually(() => other.received.length === 1);
      for (let i = 0; i < 5; i++) await bus.publish(event('a', 'e'));
      // The 'b' event (delivered to b-only, never acked) was pushed out: exactly one unconsumed drop, for b-only.
      await eventually(() => bus.metrics().droppedUnconsumed >= 1);
      assert.equal(bus.metrics().droppedUnconsumed, 1);
      assert.ok(bus.metrics().limitWarnings >= 1);
      const w = log.at('warn', 'before every consumer acked');
      assert.equal(w.length, 1);
      assert.deepEqual(w[0].obj.consumers, { 'b-only': 1 });
      await Promise.all([fast.stop(), lagging.stop(), other.stop()]);
    } finally {
      await bus.close();
    }
  });

  test('the de-duplication window follows the clock; maxAge removes old events', async () => {
    let now = 1_000_000;
    const bus = createEmbeddedBus({ path: ':memory:', duplicateWindow: '1m', maxAge: '1h', clock: clockAt(() => now) });
    try {
      const e = event('s', 'e');
      const a = await bus.publish(e);
      now += 59_000;
      assert.equal((await bus.publish(e)).duplicate, true);
      now += 2_000;
      const b = await bus.publish(e);
      assert.equal(b.duplicate, false);
      assert.ok(b.seq > a.seq);
      now += 3_600_000 + 1;
      const fresh = event('s', 'fresh');
      await bus.publish(fresh);
      // Both stored copies of `e` are older than maxAge now and were removed by that publish.
      const c = collect(bus, { durableName: 'c', filters: all, deliverPolicy: 'all' });
      await eventually(() => c.received.length >= 1);
      await c.stop();
      assert.deepEqual(c.ids(), [fresh.id]);
    } finally {
      await bus.close();
    }
  });

  test('messages fetched but not handed out when a consumer stops are released at once, not after ackWait', async () => {
    const bus = createEmbeddedBus({ path: ':memory:' });
    try {
      const evs = Array.from({ length: 5 }, (_, i) => event('s', 'e', { i }));
      for (const e of evs) await bus.publish(e);
      const opts = { durableName: 'rel', filters: all, deliverPolicy: 'all' as const, ackWaitMs: 60_000 };
      const holder: { c?: Collector } = {};
      holder.c = collect(bus, opts, async (m) => {
        await m.ack();
        void holder.c?.stop();
      });
      await eventually(() => holder.c!.received.length >= 1);
      await holder.c.stop();
      assert.equal(holder.c.received.length, 1);
      const next = collect(bus, opts);
      const rest = evs.slice(1).map((e) => e.id);
      await eventually(() => rest.every((id) => next.ids().includes(id)), {
        timeoutMs: 8000,
        what: 'released messages delivered well before ackWait',
      });
      assert.ok(!next.ids().includes(evs[0].id));
      await next.stop();
    } finally {
      await bus.close();
    }
  });

  test('a burst commits in one transaction; a failing write reruns it so the rest still commit, with effects reported once', async () => {
    const bus = createEmbeddedBus({ path: ':memory:', maxMsgs: 3, discard: 'new' });
    try {
      // No write fails: one transaction, no rerun in savepoints.
      const ok = await bus.publishBatch([event('s', 'e'), event('s', 'e')]);
      assert.ok(ok.every((r) => r.ok));
      assert.deepEqual(bus.writes.stats(), { transactions: 1, retried: 0 });
      // Separate publishes in one tick share a transaction: the second does not fit, so the transaction is rerun
      // with each write in a savepoint and only that one fails.
      const [a, b] = await Promise.allSettled([bus.publish(event('s', 'e')), bus.publish(event('s', 'e'))]);
      assert.equal(a.status, 'fulfilled');
      assert.equal(b.status, 'rejected');
      assert.deepEqual(bus.writes.stats(), { transactions: 2, retried: 1 });
      assert.equal(bus.metrics().published, 3);
      assert.equal(bus.log.totals().msgs, 3);
    } finally {
      await bus.close();
    }
    // A batch is one write that checks its events one by one: those that do not fit fail alone, without a rerun.
    const batch = createEmbeddedBus({ path: ':memory:', maxMsgs: 2, discard: 'new' });
    try {
      const rs = await batch.publishBatch([event('s', 'e'), event('s', 'e'), event('s', 'e')]);
      assert.deepEqual(
        rs.map((r) => r.ok),
        [true, true, false],
      );
      assert.deepEqual(batch.writes.stats(), { transactions: 1, retried: 0 });
      assert.equal(batch.metrics().rejectedFull, 1);
      assert.equal(batch.log.totals().msgs, 2);
    } finally {
      await batch.close();
    }
    const log = createRecordingLogger();
    const old = createEmbeddedBus({ path: ':memory:', maxMsgs: 2, discard: 'old', logger: log });
    try {
      const lag = collect(old, { durableName: 'lag', filters: all, deliverPolicy: 'all' }, () => Promise.resolve());
      await old.publishBatch([event('s', 'e'), event('s', 'e')]);
      await eventually(() => lag.received.length === 2);
      // One publish pushing an unacked event out, and a failing KV write, in the same transaction: the rerun
      // must not count or warn about the removal twice.
      const kv = await old.kv('b');
      const [ack, put] = await Promise.allSettled([old.publish(event('s', 'e')), kv.put('k', 'v', { expectedRevision: 7 })]);
      assert.equal(ack.status, 'fulfilled');
      assert.equal(put.status, 'rejected');
      assert.equal(old.writes.stats().retried, 1);
      assert.equal(old.metrics().limitWarnings, 1);
      assert.equal(old.metrics().droppedUnconsumed, 1);
      assert.equal(log.at('warn', 'before every consumer acked').length, 1);
      await lag.stop();
    } finally {
      await old.close();
    }
  });

  test('options are checked and name the field', () => {
    const bad = (o: Parameters<typeof resolveEmbeddedBusOptions>[0], field: string): void => {
      assert.throws(
        () => resolveEmbeddedBusOptions(o),
        (e: unknown) => e instanceof WeirError && e.code === 'INVALID_ARGUMENT' && e.details?.field === field,
      );
    };
    bad({}, 'dataDir');
    bad({ dataDir: '/x', discard: 'both' as 'old' }, 'discard');
    bad({ dataDir: '/x', maxMsgs: 0 }, 'maxMsgs');
    bad({ dataDir: '/x', maxAge: 'tomorrow' }, 'maxAge');
    const o = resolveEmbeddedBusOptions({ dataDir: '/x' });
    assert.equal(o.path, '/x/bus.db');
    assert.equal(o.duplicateWindowMs, 120_000);
    assert.equal(o.synchronous, 'full');
  });
});
