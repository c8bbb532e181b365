// The amqp and mqtt triggers through the trigger conformance suite with the real publishers against an own RabbitMQ
// node and mosquitto: the message arrives with the payload parameters as JSON (AMQP: persistent, message-id = the
// firing key); bad settings are INVALID_SPEC; lint warns (not errors) on Argo trigger kinds Weir does not run.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'amqplib';
import type { ConsumeMessage } from 'amqplib';
import { connectAsync } from 'mqtt';
import { lintSensor } from '../../src/api/lint-sensor.js';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { amqpPublisher, mqttPublisher } from '../../src/sensor-host/broker-publishers.js';
import { TRIGGERS } from '../../sensors/triggers/registry.js';
import type { TriggerInput, TriggerRuntime } from '../../sensors/triggers/types.js';
import { startMosquitto, startRabbitMq } from '../helpers/brokers.js';
import { eventually } from '../eventsources/kit.js';
import { runTriggerConformance } from './trigger-conformance.js';

const rabbit = await startRabbitMq();
const mosq = await startMosquitto();
const log = createRecordingLogger();
const amqp = amqpPublisher(log);
const mqtt = mqttPublisher(log);
const conn = await connect(rabbit.url);
const ch = await conn.createChannel();
await ch.assertExchange('out', 'topic', { durable: true });
const q = (await ch.assertQueue('', { exclusive: true })).queue;
await ch.bindQueue(q, 'out', 'orders.#');
const got: ConsumeMessage[] = [];
await ch.consume(
  q,
  (m) => {
    if (m !== null) got.push(m);
  },
  { noAck: true },
);
const sub = await connectAsync(mosq.url, { clientId: 'trigger-test-sub' });
const mqttGot: { topic: string; payload: string; retain: boolean }[] = [];
sub.on('message', (topic, payload, packet) => mqttGot.push({ topic, payload: payload.toString(), retain: packet.retain }));
await sub.subscribeAsync('shop/#', { qos: 1 });
after(async () => {
  await amqp.close();
  await mqtt.close();
  await sub.endAsync();
  await conn.close();
  await mosq.close();
  await rabbit.close();
});

const events = {
  dep: makeCloudEvent({
    id: 'e-1',
    source: 'src',
    subject: 'x',
    type: 'webhook',
    time: '2024-05-01T10:00:00Z',
    data: { body: { id: 7, name: 'n1' } },
  }),
};
const input = (template: Record<string, unknown>): TriggerInput => ({
  sensor: { namespace: 'demo', name: 's' },
  triggerName: 't',
  template: { name: 't', ...template },
  events,
  key: 'abcdef0123',
  lineage: { labels: {}, annotations: {} },
});
const payload = [{ src: { dependencyName: 'dep', dataKey: 'body.name' }, dest: 'name' }];
const runtime = (): TriggerRuntime => ({
  signal: new AbortController().signal,
  log,
  resources: undefined as never,
  fetch,
  kafka: undefined as never,
  nats: undefined as never,
  amqp,
  mqtt,
});

describe('amqp trigger against RabbitMQ', () => {
  runTriggerConformance('amqp', {
    adapter: TRIGGERS.amqp,
    input: () => input({ amqp: { url: rabbit.url, exchangeName: 'out', exchangeType: 'topic', routingKey: 'orders.placed', payload } }),
    runtime,
    verify: async () => {
      await eventually(() => got.length >= 1, { timeoutMs: 10_000, what: 'the message' });
      const m = got[got.length - 1];
      assert.equal(m.content.toString(), JSON.stringify({ name: 'n1' }));
      assert.equal(m.fields.routingKey, 'orders.placed');
      assert.equal(m.properties.messageId, 'abcdef0123');
      assert.equal(m.properties.deliveryMode, 2);
    },
  });
  test('bad settings are INVALID_SPEC', () => {
    assert.throws(() => TRIGGERS.amqp.plan(input({ amqp: { exchangeName: 'x' } })), /amqp.url is required/);
    assert.throws(() => TRIGGERS.amqp.plan(input({ amqp: { url: rabbit.url } })), /exchangeName and\/or routingKey/);
  });
});

describe('mqtt trigger against mosquitto', () => {
  runTriggerConformance('mqtt', {
    adapter: TRIGGERS.mqtt,
    input: () => input({ mqtt: { url: mosq.url.replace('mqtt://', 'tcp://'), topic: 'shop/orders', payload } }),
    runtime,
    verify: async () => {
      await eventually(() => mqttGot.length >= 1, { timeoutMs: 10_000, what: 'the message' });
      assert.deepEqual(mqttGot[mqttGot.length - 1], { topic: 'shop/orders', payload: JSON.stringify({ name: 'n1' }), retain: false });
    },
  });
  test('bad settings are INVALID_SPEC', () => {
    assert.throws(() => TRIGGERS.mqtt.plan(input({ mqtt: { url: 'tcp://x:1883', topic: 'a/#' } })), /wildcard/);
    assert.throws(() => TRIGGERS.mqtt.plan(input({ mqtt: { url: 'tcp://x:1883', topic: 'a', qos: 3 } })), /qos/);
  });
});

test('lint warns on trigger kinds Weir does not run (slack, awsLambda, azure*, pulsar, email, custom), errors on none', () => {
  const kinds = {
    slack: { channel: 'c' },
    awsLambda: { functionName: 'f' },
    azureEventHubs: { fqdn: 'x' },
    azureServiceBus: { queueName: 'q' },
    pulsar: { url: 'pulsar://x', topic: 't' },
    email: { to: ['a@b.c'] },
    custom: { serverURL: 'x:1' },
  };
  const sensor = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Sensor',
    metadata: { name: 's' },
    spec: {
      dependencies: [{ name: 'd', eventSourceName: 'e', eventName: 'n' }],
      triggers: Object.entries(kinds).map(([k, v]) => ({ template: { name: k, [k]: v } })),
    },
  };
  const findings = lintSensor(sensor);
  const warned = findings.filter((f) => f.rule === 'trigger-unsupported');
  assert.deepEqual(warned.map((f) => f.path[4]).sort(), Object.keys(kinds).sort());
  assert.ok(warned.every((f) => f.severity === 'warning' && f.message.includes('not supported by Weir')));
  assert.deepEqual(
    findings.filter((f) => f.severity === 'error'),
    [],
  );
});
