// MQTT event source against an own mosquitto: QoS 1 with a persistent session (messages sent while the source is
// stopped arrive after the restart), wildcard topics, Argo's payload, the PUBACK only after the bus acknowledged
// (the broker resends what was in flight, the bus drops it by id), and the conformance suite.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connectAsync } from 'mqtt';
import { createMqttSource } from '../../eventsources/mqtt.js';
import { startMosquitto } from '../helpers/brokers.js';
import { runEventSourceConformance } from './conformance.js';
import { FakeBus, eventually, runAdapter } from './kit.js';

const broker = await startMosquitto();
const pub = await connectAsync(broker.url, { clientId: `pub-${randomUUID().slice(0, 8)}` });
after(async () => {
  await pub.endAsync();
  await broker.close();
});
const uniq = (p: string): string => `${p}-${randomUUID().slice(0, 8)}`;
const started = (r: { log: { records: { msg?: string }[] } }): Promise<unknown> =>
  eventually(() => r.log.records.some((l) => l.msg === 'mqtt subscriber started'), { timeoutMs: 10_000, what: 'subscribed' });

async function send(topic: string, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) await pub.publishAsync(topic, JSON.stringify({ n: i }), { qos: 1 });
}

const confTopic = uniq('conf');
runEventSourceConformance({
  kind: 'mqtt',
  adapter: createMqttSource,
  spec: () => ({ url: broker.url, topic: `${confTopic}/#`, clientId: uniq('c'), jsonBody: true }),
  invalid: {
    'no url': { topic: 't', clientId: 'c' },
    'no topic': { url: 'tcp://h:1883', clientId: 'c' },
    'no clientId': { url: 'tcp://h:1883', topic: 't' },
  },
  ready: (r) => started(r).then(() => undefined),
  trigger: (_spec, n) => send(`${confTopic}/a`, 0, n),
});

describe('mqtt event source against mosquitto', () => {
  test('100 messages -> 100 events; stopped mid-stream, more sent while away, restarted: none lost, none doubled', async () => {
    const base = uniq('orders');
    const spec = {
      url: broker.url.replace('mqtt://', 'tcp://'),
      topic: `${base}/+/placed`,
      clientId: uniq('weir'),
      jsonBody: true,
      metadata: { src: 'mqtt' },
    };
    const bus = new FakeBus();
    let stalled = false;
    bus.gate = async () => {
      if (stalled || bus.events.length >= 30) {
        stalled = true;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    let r = runAdapter({ adapter: createMqttSource(), spec, bus, name: 'mq-orders', eventName: 'orders' });
    await started(r);
    await send(`${base}/eu/placed`, 0, 60);
    await pub.publishAsync(`${base}/eu/shipped`, 'not matched', { qos: 1 });
    await eventually(() => bus.events.length >= 30, { timeoutMs: 10_000, what: '30 events' });
    await r.stop();
    assert.ok(bus.events.length < 60, 'stopped mid-stream');
    await send(`${base}/us/placed`, 60, 40);
    bus.gate = undefined;
    r = runAdapter({ adapter: createMqttSource(), spec, bus, name: 'mq-orders', eventName: 'orders' });
    await eventually(() => bus.events.length >= 100, { timeoutMs: 20_000, what: '100 events' });
    await new Promise((res) => setTimeout(res, 300));
    await r.stop();
    assert.equal(bus.events.length, 100);
    assert.deepEqual(
      bus.events.map((e) => (e.data as { body: { n: number } }).body.n).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    const d = bus.events[0].data as { topic: string; messageId: number; body: unknown; metadata: unknown };
    assert.equal(d.topic, `${base}/eu/placed`);
    assert.ok(d.messageId > 0);
    assert.deepEqual(d.metadata, { src: 'mqtt' });
  });

  test('without jsonBody the body is the payload base64-encoded (Go []byte)', async () => {
    const topic = uniq('raw');
    const bus = new FakeBus();
    const r = runAdapter({ adapter: createMqttSource(), spec: { url: broker.url, topic, clientId: uniq('c') }, bus });
    await started(r);
    await pub.publishAsync(topic, 'hello', { qos: 1 });
    await eventually(() => bus.events.length >= 1, { timeoutMs: 10_000, what: 'event' });
    await r.stop();
    assert.equal((bus.events[0].data as { body: string }).body, Buffer.from('hello').toString('base64'));
  });
});
