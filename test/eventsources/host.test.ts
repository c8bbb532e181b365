// Event source host unit tests (in-memory store, fake bus, fake clock, a test adapter): EventSources created,
// updated and deleted start/restart/stop only the affected events; unknown kinds and invalid specs show in status;
// a failing adapter restarts with backoff; the filter expression drops events; emitBatch's order and retries; CloudEvent ids and log fields;
// checkpoint state scoping; the registry's coded error for unknown kinds.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { adapterFor, eventSourceRegistry } from '../../eventsources/index.js';
import { WeirError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { createEventSourceHost } from '../../src/eventsource-host/host.js';
import { escapeKey, memoryKv, scopedState, stateScope, unescapeKey } from '../../src/eventsource-host/state.js';
import type { EventSourceAdapter, StartContext } from '../../src/api/eventsource-adapter.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { FakeBus, FakeClock, eventually } from './kit.js';

/** A test adapter: emits one event per `emitNow` call, records starts/stops, fails when spec.fail is set. */
function probe() {
  const live = new Map<string, StartContext>();
  let starts = 0;
  const adapter: EventSourceAdapter = {
    kind: 'probe',
    validate: (spec) => (spec.bad === true ? [{ severity: 'error', rule: 'x', path: ['bad'], message: 'bad is set' }] : []),
    start: async (ctx) => {
      starts++;
      if (ctx.spec.fail === true) throw new WeirError('IO_ERROR', 'cannot connect');
      live.set(ctx.eventName, ctx);
      await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
      live.delete(ctx.eventName);
    },
  };
  return { adapter, live, starts: () => starts };
}

const es = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'EventSource',
  metadata: { name, namespace: 'default' },
  spec,
});

describe('event source host', () => {
  test('create, update and delete start, restart and stop only the affected events', async () => {
    const store = createMemoryStore();
    const bus = new FakeBus();
    const p = probe();
    const log = createRecordingLogger();
    const host = createEventSourceHost({ store, bus, logger: log, registry: { probe: () => p.adapter } });
    const ac = new AbortController();
    const running = host.run(ac.signal);
    await store.create('EventSource', es('src', { probe: { a: { v: 1 }, b: { v: 1 } } }));
    await eventually(() => p.live.size === 2);
    assert.equal(host.state(), 'running');
    const a1 = p.live.get('a');
    await a1?.emit({ id: 'one', data: { hello: 1 } });
    assert.equal(bus.events[0].id, 'default/src/a/one');
    assert.equal(bus.events[0].type, 'probe');
    assert.equal(bus.events[0].source, 'src');
    assert.equal(bus.events[0].subject, 'a');
    assert.ok(
      log
        .at('info', 'event published')
        .some((r) => r.obj.eventSource === 'src' && r.obj.eventName === 'a' && r.obj.eventId === 'default/src/a/one'),
    );

    const cur = await store.get('EventSource', 'default', 'src');
    assert.ok(cur);
    await store.update('EventSource', { ...cur, spec: { probe: { a: { v: 1 }, b: { v: 2 } } } as typeof cur.spec });
    await eventually(() => p.starts() === 3 && p.live.size === 2);
    assert.equal(p.live.get('a'), a1, 'unchanged event kept running');
    const st = host.eventSourceStatus('default', 'src');
    assert.equal(st?.events.find((e) => e.eventName === 'a')?.published, 1);

    await store.delete('EventSource', 'default', 'src');
    await eventually(() => p.live.size === 0 && host.status().length === 0);
    ac.abort();
    await running;
    assert.equal(host.state(), 'stopped');
    await host.stop(); // idempotent
    await assert.rejects(host.run(new AbortController().signal), (e: unknown) => e instanceof WeirError && e.code === 'CONFLICT');
  });

  test('unknown kinds, invalid specs and bad filters show in status without stopping the rest', async () => {
    const store = createMemoryStore();
    const p = probe();
    const host = createEventSourceHost({ store, bus: new FakeBus(), registry: { probe: () => p.adapter } });
    const ac = new AbortController();
    const running = host.run(ac.signal);
    await store.create(
      'EventSource',
      es('mixed', {
        probe: { ok: {}, invalid: { bad: true }, badfilter: { filter: { expression: 'body.x ==' } } },
        github: { gh: { repositories: [] } },
      }),
    );
    await eventually(() => host.eventSourceStatus('default', 'mixed')?.events.length === 4 && p.live.size === 1);
    const by = Object.fromEntries((host.eventSourceStatus('default', 'mixed')?.events ?? []).map((e) => [e.eventName, e]));
    assert.equal(by.ok.state, 'running');
    assert.equal(by.invalid.state, 'invalid');
    assert.match(by.invalid.lastError?.message ?? '', /bad is set/);
    assert.equal(by.badfilter.state, 'invalid');
    assert.equal(by.gh.state, 'unsupported');
    ac.abort();
    await running;
  });

  test('a failing adapter restarts with exponential backoff on the injected clock', async () => {
    const store = createMemoryStore();
    const p = probe();
    const clock = new FakeClock(Date.parse('2025-01-01T00:00:00Z'));
    const host = createEventSourceHost({ store, bus: new FakeBus(), clock, registry: { probe: () => p.adapter }, restartBackoffMs: 1000 });
    const ac = new AbortController();
    const running = host.run(ac.signal);
    await store.create('EventSource', es('flaky', { probe: { f: { fail: true } } }));
    await eventually(() => p.starts() === 1);
    await clock.advance(999);
    assert.equal(p.starts(), 1);
    await clock.advance(1);
    assert.equal(p.starts(), 2);
    await clock.advance(2000);
    assert.equal(p.starts(), 3, 'second delay doubled');
    const st = host.eventSourceStatus('default', 'flaky')?.events[0];
    assert.equal(st?.state, 'backoff');
    assert.equal(st?.restarts, 3);
    assert.match(st?.lastError?.message ?? '', /cannot connect/);
    ac.abort();
    await running;
  });

  test('the filter expression drops events before the bus; plain emits fail with BUS_UNAVAILABLE after a few attempts', async () => {
    const store = createMemoryStore();
    const bus = new FakeBus();
    const p = probe();
    const host = createEventSourceHost({ store, bus, registry: { probe: () => p.adapter }, publishBackoffMs: 1, publishAttempts: 3 });
    const ac = new AbortController();
    const running = host.run(ac.signal);
    await store.create('EventSource', es('filtered', { probe: { f: { filter: { expression: 'body.amount > 10' } } } }));
    await eventually(() => p.live.size === 1);
    const ctx = p.live.get('f');
    assert.ok(ctx);
    assert.equal((await ctx.emit({ data: { body: { amount: 5 } } })).filtered, true);
    assert.equal((await ctx.emit({ data: { body: { amount: 50 } } })).filtered, false);
    assert.equal(bus.events.length, 1);
    bus.down = true;
    const before = bus.publishes;
    await assert.rejects(
      ctx.emit({ data: { body: { amount: 50 } } }),
      (e: unknown) => e instanceof WeirError && e.code === 'BUS_UNAVAILABLE',
    );
    assert.equal(bus.publishes - before, 3);
    const st = host.eventSourceStatus('default', 'filtered')?.events[0];
    assert.deepEqual([st?.published, st?.filtered, st?.failed], [1, 1, 1]);
    ac.abort();
    await running;
  });

  test('emitBatch: the filter per event, results in input order; until-acked retries only the failed events', async () => {
    const store = createMemoryStore();
    const bus = new FakeBus();
    const p = probe();
    const host = createEventSourceHost({ store, bus, registry: { probe: () => p.adapter }, publishBackoffMs: 1, publishAttempts: 2 });
    const ac = new AbortController();
    const running = host.run(ac.signal);
    await store.create('EventSource', es('batched', { probe: { b: { filter: { expression: 'n != 2' } } } }));
    await eventually(() => p.live.size === 1);
    const ctx = p.live.get('b');
    assert.ok(ctx);
    // Events 3 and 5 fail on their first two attempts (more than publishAttempts): only until-acked gets them through.
    const failures = new Map<string, number>();
    bus.gate = (e) => {
      const n = (e.data as { n: number }).n;
      const seen = failures.get(e.id) ?? 0;
      if ((n === 3 || n === 5) && seen < 2) {
        failures.set(e.id, seen + 1);
        return Promise.reject(new WeirError('BUS_UNAVAILABLE', 'flaky'));
      }
      return Promise.resolve();
    };
    const inputs = [0, 1, 2, 3, 4, 5].map((n) => ({ id: `m-${n}`, data: { n } }));
    const results = await ctx.emitBatch(inputs, { untilAcked: true });
    assert.deepEqual(
      results.map((r) => [r.id, r.filtered]),
      inputs.map((i) => [`default/batched/b/${i.id}`, i.data.n === 2]),
    );
    assert.deepEqual(
      bus.events.map((e) => (e.data as { n: number }).n),
      [0, 1, 4, 3, 5],
      'the failed ones were published by the retry',
    );
    assert.equal(bus.publishes, 5 + 2 + 2, 'five publishes, then the two failed events twice more');
    // A resend of the same ids is acknowledged as duplicates; without untilAcked a lasting failure is thrown.
    const again = await ctx.emitBatch(inputs.slice(0, 2));
    assert.deepEqual(
      again.map((r) => r.duplicate),
      [true, true],
    );
    bus.down = true;
    await assert.rejects(
      ctx.emitBatch([{ id: 'x', data: { n: 9 } }]),
      (e: unknown) => e instanceof WeirError && e.code === 'BUS_UNAVAILABLE',
    );
    const st = host.eventSourceStatus('default', 'batched')?.events[0];
    assert.deepEqual([st?.published, st?.duplicates, st?.filtered, st?.failed], [5, 2, 1, 1]);
    ac.abort();
    await running;
  });

  test('checkpoint state is scoped per event and keys round-trip', async () => {
    const kv = memoryKv();
    const a = scopedState(kv, stateScope('ns', 'a.b', 'c'));
    const b = scopedState(kv, stateScope('ns', 'a', 'b.c'));
    await a.put('o:dir/file name.csv', '1');
    await b.put('x', '2');
    assert.deepEqual(await a.keys(), ['o:dir/file name.csv']);
    assert.deepEqual(await b.keys(), ['x']);
    assert.equal(await a.get('x'), undefined);
    for (const s of ['', 'a.b', 'ü/=_', 'plain-1']) assert.equal(unescapeKey(escapeKey(s)), s);
  });

  test('the registry names the runnable kinds; an unknown kind is a coded error', () => {
    assert.deepEqual(Object.keys(eventSourceRegistry).sort(), [
      'amqp',
      'bitbucket',
      'bitbucketserver',
      'calendar',
      'file',
      'github',
      'gitlab',
      'kafka',
      'minio',
      'mqtt',
      'nats',
      'redis',
      'redisStream',
      's3',
      'sftp',
      'webhook',
    ]);
    assert.equal(adapterFor('minio').kind, 'minio');
    assert.throws(
      () => adapterFor('hdfs'),
      (e: unknown) => e instanceof WeirError && e.code === 'UNKNOWN_KIND',
    );
    assert.throws(
      () => adapterFor('toString'),
      (e: unknown) => e instanceof WeirError && e.code === 'UNKNOWN_KIND',
    );
  });
});
