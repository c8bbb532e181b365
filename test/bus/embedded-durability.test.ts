// The embedded bus's durability off the main thread, on a real file: under synchronous full a publish is acknowledged,
// and its event handed to consumers, only after the WAL was flushed (wal-sync.ts; the flush is held or failed here
// through the bus's test hook); a failed flush fails the publish and a retry finds the event stored; a long burst keeps
// the WAL bounded while a worker thread checkpoints it (wal-checkpointer.ts), and everything is there after a reopen.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fsync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEmbeddedBus } from '../../src/bus/embedded-bus.js';
import type { FsyncFn } from '../../src/bus/wal-sync.js';
import { isWeirError } from '../../src/core/errors.js';
import { collect, event, eventually } from './conformance.js';

const all = [{ eventSourceName: '*', eventName: '*' }];
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'weir-bus-durable-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** An fsync that passes through until `hold` is set; held flushes wait in `held` (call to run) or fail with `fail`. */
function controlledFsync(): { fn: FsyncFn; hold: boolean; fail: boolean; held: (() => void)[] } {
  const c = {
    hold: false,
    fail: false,
    held: [] as (() => void)[],
    fn: ((fd, cb) => {
      if (c.fail) return cb(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
      if (c.hold) c.held.push(() => fsync(fd, cb));
      else fsync(fd, cb);
    }) as FsyncFn,
  };
  return c;
}

/** A file bus whose WAL flushes `f` controls, with consumer `c` registered (and its registration flushed). */
async function busWithConsumer(dir: string) {
  const f = controlledFsync();
  const bus = createEmbeddedBus({ dataDir: join(root, dir), walFsync: f.fn, pollIntervalMs: 20 });
  const c = collect(bus, { durableName: 'c', filters: all, deliverPolicy: 'all' });
  await eventually(() => bus.log.consumers().length === 1, { what: 'consumer registered' });
  await bus.writes.settled();
  return { f, bus, c };
}

describe('embedded bus durability', () => {
  test('synchronous full: a publish is acknowledged, and its event delivered, only once the WAL is flushed', async () => {
    const { f, bus, c } = await busWithConsumer('held');
    try {
      f.hold = true;
      let acked = false;
      const published = bus.publishBatch([event('s', 'e'), event('s', 'e')]).then((rs) => ((acked = true), rs));
      await eventually(() => f.held.length === 1, { what: 'the flush was asked for' });
      await sleep(300);
      assert.equal(acked, false, 'acknowledged before the flush');
      assert.equal(c.received.length, 0, 'delivered before the flush');
      f.hold = false;
      f.held.shift()!();
      assert.ok((await published).every((r) => r.ok));
      await eventually(() => c.received.length === 2, { what: 'both delivered after the flush' });
    } finally {
      f.hold = false;
      for (const run of f.held.splice(0)) run();
      await c.stop();
      await bus.close();
    }
  });

  test('a failed WAL flush fails the publish with BUS_UNAVAILABLE; the retry finds the event stored, delivered once', async () => {
    const { f, bus, c } = await busWithConsumer('failed');
    try {
      const e = event('s', 'e');
      f.fail = true;
      const [r] = await bus.publishBatch([e]);
      assert.equal(r.ok, false);
      assert.ok(!r.ok && isWeirError(r.error) && r.error.code === 'BUS_UNAVAILABLE', String(!r.ok && r.error.message));
      await assert.rejects(bus.publish(event('s', 'e')), (err: unknown) => isWeirError(err) && err.code === 'BUS_UNAVAILABLE');
      await sleep(200);
      assert.equal(c.received.length, 0, 'an event whose flush failed was delivered');
      f.fail = false;
      const again = await bus.publish(e);
      assert.equal(again.duplicate, true);
      await eventually(() => c.received.length >= 1, { what: 'the event delivered after a good flush' });
      await sleep(200);
      assert.deepEqual(
        c.received.map((m) => m.msg.event.id).filter((id) => id === e.id),
        [e.id],
      );
    } finally {
      await c.stop();
      await bus.close();
    }
  });

  test('a long burst: the WAL stays bounded while a worker checkpoints it; a reopened bus has every event', async () => {
    const dir = join(root, 'burst');
    const bus = createEmbeddedBus({ dataDir: dir });
    const blob = 'x'.repeat(4000);
    const batches = 240;
    let maxWal = 0;
    try {
      for (let b = 0; b < batches; b++) {
        const rs = await bus.publishBatch(Array.from({ length: 100 }, () => event('s', 'e', { blob })));
        assert.ok(rs.every((r) => r.ok));
        maxWal = Math.max(maxWal, statSync(join(dir, 'bus.db-wal')).size);
      }
      const s = bus.checkpointer!.stats();
      assert.ok(s.worker && s.checkpoints > 0 && s.restarts > 0, JSON.stringify(s));
      // About 96 MB written; the WAL starts over once it holds 16 MiB (writes go on while the worker checkpoints, so
      // it may hold more by then), so it never came near what was written.
      assert.ok(maxWal < 48 * 1024 * 1024, `WAL grew to ${maxWal} bytes`);
    } finally {
      await bus.close();
    }
    const reopened = createEmbeddedBus({ dataDir: dir });
    try {
      assert.equal(reopened.log.totals().msgs, batches * 100);
    } finally {
      await reopened.close();
    }
  });
});
