// Runs the bus conformance suite against a real nats-server (started by test/helpers/nats-server.ts), plus the
// JetStream-only behaviour: fail-fast publishes while the server is down, resuming after a restart without losing
// acked events, discard: new refusing publishes when full, option resolution and subject encoding.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createJetStreamBus, versionAtLeast } from '../../src/bus/jetstream-bus.js';
import type { JetStreamBus } from '../../src/bus/jetstream-bus.js';
import { jetStreamOptionsFromResource, resolveJetStreamBusOptions } from '../../src/bus/jetstream-options.js';
import { WeirError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import type { EventBus as EventBusResource } from '../../src/api/eventbus.js';
import { startNatsServer } from '../helpers/nats-server.js';
import type { NatsServer } from '../helpers/nats-server.js';
import { collect, event, eventually, runBusConformance } from './conformance.js';

let nats: NatsServer;
before(async () => {
  nats = await startNatsServer();
});
after(async () => {
  await nats?.close();
});

runBusConformance('jetstream', (key) => createJetStreamBus({ url: nats.url, name: key, publishTimeoutMs: 3000 }));

describe('jetstream bus: server outages', () => {
  test('publishing while the server is stopped fails fast with BUS_UNAVAILABLE; after restart nothing acked is lost', async () => {
    // Its own server, so stopping it does not disturb the other tests.
    const srv = await startNatsServer();
    const log = createRecordingLogger();
    const bus = await createJetStreamBus({
      url: srv.url,
      name: `outage-${randomUUID().slice(0, 8)}`,
      publishTimeoutMs: 1000,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
      logger: log,
    });
    try {
      const c = collect(bus, { durableName: 'through-outage', filters: [{ eventSourceName: '*', eventName: '*' }], deliverPolicy: 'all' });
      const acked: string[] = [];
      for (let i = 0; i < 20; i++) {
        const e = event('s', 'e', { i });
        await bus.publish(e);
        acked.push(e.id);
      }
      await eventually(() => c.received.length >= 20);
      await srv.stop();
      await eventually(() => bus.state() === 'down');
      const t0 = Date.now();
      await assert.rejects(
        bus.publish(event('s', 'e')),
        (e: unknown) => e instanceof WeirError && e.code === 'BUS_UNAVAILABLE' && e.details?.reason === 'disconnected',
      );
      assert.ok(Date.now() - t0 < 1000, 'fails before the publish timeout');
      assert.ok(log.at('warn', 'disconnected').length >= 1);
      await srv.restart();
      await eventually(() => bus.state() === 'up', { timeoutMs: 15_000, what: 'reconnected' });
      for (let i = 20; i < 40; i++) {
        const e = event('s', 'e', { i });
        await eventually(async () => {
          try {
            await bus.publish(e);
            return true;
          } catch {
            return false;
          }
        });
        acked.push(e.id);
      }
      await eventually(() => acked.every((id) => c.ids().includes(id)), { timeoutMs: 20_000, what: 'every acked event delivered' });
      assert.ok(bus.metrics().disconnects >= 1);
      await c.stop();
    } finally {
      await bus.close();
      await srv.close();
    }
  });

  test('createJetStreamBus fails with BUS_UNAVAILABLE when no server listens', async () => {
    const srv = await startNatsServer();
    const url = srv.url;
    await srv.close();
    await assert.rejects(
      createJetStreamBus({ url, connectTimeoutMs: 1000 }),
      (e: unknown) => e instanceof WeirError && e.code === 'BUS_UNAVAILABLE',
    );
  });
});

describe('jetstream bus: limits', () => {
  test('discard new: a full bus refuses publishes with BUS_UNAVAILABLE (bus full) and counts them', async () => {
    const bus = await createJetStreamBus({ url: nats.url, name: `full-${randomUUID().slice(0, 8)}`, maxMsgs: 3, discard: 'new' });
    try {
      for (let i = 0; i < 3; i++) await bus.publish(event('s', 'e'));
      await assert.rejects(
        bus.publish(event('s', 'e')),
        (e: unknown) =>
          e instanceof WeirError && e.code === 'BUS_UNAVAILABLE' && e.details?.reason === 'full' && /bus full/.test(e.message),
      );
      assert.equal(bus.metrics().rejectedFull, 1);
    } finally {
      await bus.close();
    }
  });

  test('discard old: at the limits the bus warns (naming lagging consumers) and counts', async () => {
    const log = createRecordingLogger();
    const bus: JetStreamBus = await createJetStreamBus({
      url: nats.url,
      name: `old-${randomUUID().slice(0, 8)}`,
      maxMsgs: 5,
      discard: 'old',
      limitCheckIntervalMs: 1,
      logger: log,
    });
    try {
      const c = collect(bus, { durableName: 'slow', filters: [{ eventSourceName: '*', eventName: '*' }], deliverPolicy: 'all' }, () =>
        Promise.resolve(),
      );
      await eventually(async () => {
        await bus.publish(event('s', 'e'));
        return bus.metrics().limitWarnings >= 1 && log.at('warn', 'at its limits').length >= 1;
      });
      await c.stop();
    } finally {
      await bus.close();
    }
  });

  test('the stream is created with the resolved settings and updated when they change', async () => {
    const name = `cfg-${randomUUID().slice(0, 8)}`;
    const bus = await createJetStreamBus({ url: nats.url, name, maxAge: '1h', maxBytes: '1Mi', duplicateWindow: '30s' });
    await bus.close();
    const bus2 = await createJetStreamBus({ url: nats.url, name, maxAge: '2h', maxBytes: '1Mi', duplicateWindow: '30s' });
    try {
      assert.equal(bus2.options.streamName, `weir-${name}`);
      // Reach the stream through the public options: a publish lands and a duplicate is detected within 30 s.
      const e = event('s', 'e');
      await bus2.publish(e);
      assert.equal((await bus2.publish(e)).duplicate, true);
    } finally {
      await bus2.close();
    }
  });
});

describe('jetstream bus: options', () => {
  test('defaults and conversions', () => {
    const o = resolveJetStreamBusOptions({ url: 'nats://127.0.0.1:4222' });
    assert.equal(o.name, 'default');
    assert.equal(o.streamName, 'weir-default');
    assert.equal(o.duplicateWindowMs, 120_000);
    assert.equal(o.discard, 'old');
    assert.equal(o.storage, 'file');
    assert.equal(o.replicas, 1);
    assert.equal(o.maxMsgs, -1);
    assert.equal(o.maxBytes, -1);
    assert.equal(o.maxAgeMs, 0);
    const p = resolveJetStreamBusOptions({
      url: 'nats://a:1, nats://b:2',
      name: 'my.bus',
      maxAge: '72h',
      maxBytes: '1Gi',
      maxMsgs: 10,
      discard: 'new',
    });
    assert.deepEqual(p.servers, ['nats://a:1', 'nats://b:2']);
    assert.equal(p.streamName, 'weir-my_2Ebus');
    assert.equal(p.maxAgeMs, 72 * 3600_000);
    assert.equal(p.maxBytes, 1024 ** 3);
  });

  test('bad options name the field', () => {
    const bad = (o: Parameters<typeof resolveJetStreamBusOptions>[0], field: string): void => {
      assert.throws(
        () => resolveJetStreamBusOptions(o),
        (e: unknown) => e instanceof WeirError && e.code === 'INVALID_ARGUMENT' && e.details?.field === field,
      );
    };
    bad({ url: '' }, 'url');
    bad({ url: 'http://x:1' }, 'url');
    bad({ url: 'nats://x:1', discard: 'sideways' as 'old' }, 'discard');
    bad({ url: 'nats://x:1', maxAge: 'soon' }, 'maxAge');
    bad({ url: 'nats://x:1', maxBytes: '12 parsecs' }, 'maxBytes');
    bad({ url: 'nats://x:1', replicas: 2 }, 'replicas');
    bad({ url: 'nats://x:1', streamName: 'a.b' }, 'streamName');
  });

  test('from an EventBus resource with jetstreamExotic', () => {
    const res = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'EventBus',
      metadata: { name: 'default' },
      spec: { jetstreamExotic: { url: 'nats://n:4222', maxMsgs: 1000, discard: 'new', duplicateWindow: '5m', streamName: 'events' } },
    } as EventBusResource;
    const o = resolveJetStreamBusOptions(jetStreamOptionsFromResource(res));
    assert.equal(o.streamName, 'events');
    assert.equal(o.maxMsgs, 1000);
    assert.equal(o.discard, 'new');
    assert.equal(o.duplicateWindowMs, 300_000);
    assert.deepEqual(o.servers, ['nats://n:4222']);
    const other = { ...res, spec: { kafka: { url: 'k:9092' } } } as EventBusResource;
    assert.throws(
      () => jetStreamOptionsFromResource(other),
      (e: unknown) => e instanceof WeirError && e.code === 'INVALID_SPEC',
    );
  });

  test('server version comparison', () => {
    assert.ok(versionAtLeast('2.10.0', '2.10.0'));
    assert.ok(versionAtLeast('2.10.1', '2.10.0'));
    assert.ok(!versionAtLeast('2.9.10', '2.10.0'));
    assert.ok(!versionAtLeast(undefined, '2.10.0'));
  });
});
