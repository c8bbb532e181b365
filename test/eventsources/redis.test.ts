// Redis event sources against an own redis-server: redisStream (consumer group, XACK only after the bus
// acknowledged, a restart resumes with the pending entries, Argo's payload) and redis pub/sub (Argo's payload, every
// message published while subscribed arrives once), each with the conformance suite.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createRedisSource } from '../../eventsources/redis.js';
import { createRedisStreamSource } from '../../eventsources/redis-stream.js';
import { startRedis } from '../helpers/brokers.js';
import { runEventSourceConformance } from './conformance.js';
import { FakeBus, eventually, runAdapter } from './kit.js';

const redis = await startRedis();
const client = new Redis({ port: redis.port, host: '127.0.0.1' });
after(async () => {
  client.disconnect();
  await redis.close();
});
const hostAddress = `127.0.0.1:${redis.port}`;
const uniq = (p: string): string => `${p}-${randomUUID().slice(0, 8)}`;
const started = (r: { log: { records: { msg?: string }[] } }, msg: string): Promise<unknown> =>
  eventually(() => r.log.records.some((l) => l.msg === msg), { timeoutMs: 10_000, what: msg });

const confStream = uniq('conf-stream');
runEventSourceConformance({
  kind: 'redisStream',
  adapter: createRedisStreamSource,
  spec: () => ({ hostAddress, streams: [confStream] }),
  invalid: { 'no hostAddress': { streams: ['s'] }, 'no streams': { hostAddress: 'h:6379' } },
  ready: (r) => started(r, 'redisStream consumer started').then(() => undefined),
  trigger: async (_spec, n) => {
    for (let i = 0; i < n; i++) await client.xadd(confStream, '*', 'n', String(i));
  },
});

const confChannel = uniq('conf-chan');
runEventSourceConformance({
  kind: 'redis',
  adapter: createRedisSource,
  spec: () => ({ hostAddress, channels: [confChannel], jsonBody: true }),
  invalid: { 'no hostAddress': { channels: ['c'] }, 'no channels': { hostAddress: 'h:6379' } },
  ready: (r) => started(r, 'redis subscriber started').then(() => undefined),
  trigger: async (_spec, n) => {
    for (let i = 0; i < n; i++) await client.publish(confChannel, JSON.stringify({ n: i }));
  },
});

describe('redisStream event source', () => {
  test('100 entries -> 100 events with Argo payload; a restart mid-stream loses and doubles none; XACK after the bus', async () => {
    const stream = uniq('orders');
    const group = uniq('g');
    const spec = { hostAddress, streams: [stream], consumerGroup: group, maxMsgCountPerRead: 5, metadata: { src: 'redis' } };
    const bus = new FakeBus();
    let stalled = false;
    bus.gate = async () => {
      if (stalled || bus.events.length >= 30) {
        stalled = true;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    let r = runAdapter({ adapter: createRedisStreamSource(), spec, bus, name: 'rs-orders', eventName: 'orders' });
    await started(r, 'redisStream consumer started');
    for (let i = 0; i < 100; i++) await client.xadd(stream, '*', 'id', `m-${i}`, 'kind', 'order');
    await eventually(() => bus.events.length >= 30, { timeoutMs: 10_000, what: '30 events' });
    await r.stop();
    assert.ok(bus.events.length < 100, 'stopped mid-stream');
    // Whatever is acknowledged is on the bus (entries whose publish finished during the stop are acknowledged too).
    const pending = ((await client.xpending(stream, group)) as [number])[0];
    const groups = (await client.xinfo('GROUPS', stream)) as unknown[][];
    const info = Object.fromEntries(
      Array.from({ length: groups[0].length / 2 }, (_, i) => [String(groups[0][2 * i]), groups[0][2 * i + 1]]),
    );
    const read = Number(info['entries-read'] ?? 0);
    assert.ok(read - pending <= bus.events.length, `acknowledged ${read - pending}, on the bus ${bus.events.length}`);
    bus.gate = undefined;
    r = runAdapter({ adapter: createRedisStreamSource(), spec, bus, name: 'rs-orders', eventName: 'orders' });
    await eventually(() => bus.events.length >= 100, { timeoutMs: 20_000, what: '100 events' });
    await eventually(async () => ((await client.xpending(stream, group)) as [number])[0] === 0, {
      timeoutMs: 10_000,
      what: 'nothing pending',
    });
    await r.stop();
    assert.equal(bus.events.length, 100);
    assert.deepEqual(
      bus.events.map((e) => (e.data as { values: { id: string } }).values.id).sort(),
      Array.from({ length: 100 }, (_, i) => `m-${i}`).sort(),
    );
    const d = bus.events[0].data as { stream: string; message_id: string; values: Record<string, string>; metadata: unknown };
    assert.equal(d.stream, stream);
    assert.match(d.message_id, /^\d+-\d+$/);
    assert.deepEqual(d.values, { id: 'm-0', kind: 'order' });
    assert.deepEqual(d.metadata, { src: 'redis' });
    assert.ok(bus.events[0].id.endsWith(`/orders/${stream}:${d.message_id}`));
  });

  test('nothing is acknowledged while the bus refuses; a restart publishes the pending entries', async () => {
    const stream = uniq('acks');
    const spec = { hostAddress, streams: [stream] };
    const bus = new FakeBus();
    bus.down = true;
    const r = runAdapter({ adapter: createRedisStreamSource(), spec, bus, name: 'rs-acks', backoffMs: 20 });
    try {
      await started(r, 'redisStream consumer started');
      for (let i = 0; i < 3; i++) await client.xadd(stream, '*', 'n', String(i));
      await eventually(() => bus.publishes >= 6, { timeoutMs: 10_000, what: 'attempts' });
    } finally {
      await r.stop();
    }
    const pending = ((await client.xpending(stream, 'argo-events-cg')) as [number])[0];
    assert.ok(pending >= 1, `the delivered entries stay pending (${pending})`);
    assert.equal(bus.events.length, 0);
    bus.down = false;
    const r2 = runAdapter({ adapter: createRedisStreamSource(), spec, bus, name: 'rs-acks' });
    try {
      await eventually(() => bus.events.length >= 3, { timeoutMs: 10_000, what: 'three events' });
      await eventually(async () => ((await client.xpending(stream, 'argo-events-cg')) as [number])[0] === 0, {
        timeoutMs: 10_000,
        what: 'acknowledged once the bus is back',
      });
    } finally {
      await r2.stop();
    }
    assert.equal(bus.events.length, 3);
  });
});

describe('redis pub/sub event source', () => {
  test('100 messages published while subscribed -> 100 events in order with Argo payload', async () => {
    const channel = uniq('chan');
    const bus = new FakeBus();
    const r = runAdapter({
      adapter: createRedisSource(),
      spec: { hostAddress, channels: [channel], metadata: { k: 'v' } },
      bus,
      eventName: 'pub',
    });
    await started(r, 'redis subscriber started');
    for (let i = 0; i < 100; i++) await client.publish(channel, `text-${i}`);
    await eventually(() => bus.events.length >= 100, { timeoutMs: 10_000, what: '100 events' });
    await r.stop();
    assert.deepEqual(
      bus.events.map((e) => (e.data as { body: string }).body),
      Array.from({ length: 100 }, (_, i) => `text-${i}`),
    );
    assert.deepEqual(bus.events[0].data, { channel, pattern: '', body: 'text-0', metadata: { k: 'v' } });
  });
});
