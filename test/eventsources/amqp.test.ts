// AMQP event source against an own RabbitMQ node: Argo's payload and declaration defaults, 100 messages -> 100
// events with a restart mid-stream (redeliveries keep their id, the bus drops them), nothing acknowledged while the
// bus refuses, ids from message-id or content, and the conformance suite.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import { createAmqpSource } from '../../eventsources/amqp.js';
import { startRabbitMq } from '../helpers/brokers.js';
import { runEventSourceConformance } from './conformance.js';
import { FakeBus, eventually, runAdapter } from './kit.js';

const rabbit = await startRabbitMq();
const conn = await connect(rabbit.url);
after(async () => {
  await conn.close();
  await rabbit.close();
});
const pub = await conn.createConfirmChannel();
const uniq = (p: string): string => `${p}-${randomUUID().slice(0, 8)}`;

async function publish(exchange: string, key: string, from: number, n: number, props: Record<string, unknown> = {}): Promise<void> {
  for (let i = from; i < from + n; i++)
    pub.publish(exchange, key, Buffer.from(JSON.stringify({ n: i })), { contentType: 'application/json', ...props });
  await pub.waitForConfirms();
}

const confExchange = uniq('conf');
runEventSourceConformance({
  kind: 'amqp',
  adapter: createAmqpSource,
  spec: () => ({ url: rabbit.url, exchangeName: confExchange, exchangeType: 'fanout', routingKey: 'x', jsonBody: true }),
  invalid: {
    'no url': { exchangeName: 'e', exchangeType: 'fanout', routingKey: 'k' },
    'url and urlSecret': {
      url: 'amqp://h',
      urlSecret: { name: 's', key: 'k' },
      exchangeName: 'e',
      exchangeType: 'fanout',
      routingKey: 'k',
    },
    'no routing key': { url: 'amqp://h', exchangeName: 'e', exchangeType: 'fanout' },
    'no exchange type': { url: 'amqp://h', exchangeName: 'e', routingKey: 'k' },
    'queue arguments not YAML map': {
      url: 'amqp://h',
      exchangeName: 'e',
      exchangeType: 'fanout',
      routingKey: 'k',
      queueDeclare: { arguments: '[1, 2' },
    },
  },
  ready: async (r) => {
    await eventually(() => r.log.records.some((l) => l.msg === 'amqp consumer started'), { timeoutMs: 20_000, what: 'consumer started' });
  },
  trigger: (_spec, n) => publish(confExchange, 'x', 0, n),
  timeoutMs: 20_000,
});

describe('amqp event source against RabbitMQ', () => {
  const durable = (exchange: string, queue: string): Record<string, unknown> => ({
    url: rabbit.url,
    exchangeName: exchange,
    exchangeType: 'topic',
    routingKey: 'orders.#',
    jsonBody: true,
    metadata: { src: 'rmq' },
    queueDeclare: { name: queue, durable: true, exclusive: false, arguments: 'x-max-length: 100000' },
    consume: { consumerTag: 'weir-test' },
  });

  test('100 messages -> 100 events with Argo payload; a restart mid-stream loses and doubles none', async () => {
    const exchange = uniq('ex');
    const queue = uniq('q');
    const spec = durable(exchange, queue);
    const bus = new FakeBus();
    let gated = 0;
    bus.gate = async () => {
      // After 30 events the bus stalls, so the stop lands mid-stream with messages in flight (not acknowledged). The
      // source hands a tick's deliveries over as one batch, whose events pass the gate together: count the calls.
      if (++gated > 30) await new Promise((r) => setTimeout(r, 1000));
    };
    let r = runAdapter({ adapter: createAmqpSource(), spec, bus, name: 'amqp-orders', eventName: 'orders' });
    await eventually(() => r.log.records.some((l) => l.msg === 'amqp consumer started'), { timeoutMs: 20_000, what: 'consumer' });
    await publish(exchange, 'orders.eu', 0, 100, {
      messageId: undefined,
      headers: { origin: 'test' },
      timestamp: 1_700_000_000,
      appId: 'shop',
    });
    await eventually(() => bus.events.length >= 30, { timeoutMs: 20_000, what: '30 events' });
    await r.stop();
    const first = bus.events.length;
    assert.ok(first < 100, `stopped mid-stream (${first})`);
    bus.gate = undefined;
    r = runAdapter({ adapter: createAmqpSource(), spec, bus, name: 'amqp-orders', eventName: 'orders' });
    await eventually(() => bus.events.length >= 100, { timeoutMs: 30_000, what: '100 events after restart' });
    await eventually(async () => (await pub.checkQueue(queue)).messageCount === 0, { timeoutMs: 10_000, what: 'queue drained' });
    await new Promise((res) => setTimeout(res, 300));
    await r.stop();
    assert.equal(bus.events.length, 100, 'every message exactly once');
    assert.deepEqual(
      bus.events.map((e) => (e.data as { body: { n: number } }).body.n).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    const d = bus.events[0].data as Record<string, unknown>;
    assert.equal(d.exchange, exchange);
    assert.equal(d.routingKey, 'orders.eu');
    assert.equal(d.contentType, 'application/json');
    assert.equal(d.appId, 'shop');
    assert.equal(d.timestamp, '2023-11-14 22:13:20 +0000 UTC');
    assert.deepEqual(d.headers, { origin: 'test' });
    assert.deepEqual(d.metadata, { src: 'rmq' });
    assert.equal(typeof d.deliveryTag, 'number');
    for (const k of ['contentEncoding', 'correlationId', 'replyTo', 'expiration', 'messageId', 'type']) assert.equal(d[k], '', k);
    assert.match(bus.events[0].id, /^default\/[^/]+\/orders\/sha:[0-9a-f]{32}$/);
  });

  test('nothing is acknowledged while the bus refuses; message-id is the event id; a base64 body without jsonBody', async () => {
    const exchange = uniq('ex');
    const queue = uniq('q');
    const spec = { ...durable(exchange, queue), jsonBody: false };
    const bus = new FakeBus();
    bus.down = true;
    const r = runAdapter({ adapter: createAmqpSource(), spec, bus, eventName: 'orders', backoffMs: 20 });
    await eventually(() => r.log.records.some((l) => l.msg === 'amqp consumer started'), { timeoutMs: 20_000, what: 'consumer' });
    await publish(exchange, 'orders.us', 0, 5, { messageId: 'same' });
    await publish(exchange, 'orders.us', 7, 1, { messageId: 'other' });
    await eventually(() => bus.publishes >= 5, { timeoutMs: 20_000, what: 'publish attempts' });
    await r.stop();
    assert.equal(bus.events.length, 0);
    assert.equal((await pub.checkQueue(queue)).messageCount, 6, 'all six back in the queue, none acknowledged');
    bus.down = false;
    const r2 = runAdapter({ adapter: createAmqpSource(), spec, bus, eventName: 'orders' });
    await eventually(async () => (await pub.checkQueue(queue)).messageCount === 0 && bus.publishes >= 6, {
      timeoutMs: 20_000,
      what: 'drained',
    });
    await r2.stop();
    assert.deepEqual(bus.events.map((e) => e.id.split('/').pop()).sort(), ['msg:other', 'msg:same'], 'one event per message-id');
    const d = bus.events.find((e) => e.id.endsWith('msg:other'))?.data as Record<string, unknown>;
    assert.equal(d.body, Buffer.from(JSON.stringify({ n: 7 })).toString('base64'));
    assert.equal(d.messageId, 'other');
  });
});
