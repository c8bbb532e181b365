// Kafka event source against librdkafka's mock cluster (kcat): 100 messages -> 100 events with Argo's payload,
// a restart mid-stream loses nothing (the bus de-duplicates replays by id), messages read again are not published
// twice, offsets are committed only after the bus acknowledged, single-partition mode, and the conformance suite.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createKafkaSource } from '../../eventsources/kafka.js';
import { createJetStreamBus } from '../../src/bus/jetstream-bus.js';
import type { EventBus } from '../../src/bus/types.js';
import { startKafkaMock } from '../helpers/kafka-mock.js';
import { kafkaTestClient } from '../helpers/kafka-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import type { NatsServer } from '../helpers/nats-server.js';
import { runEventSourceConformance } from './conformance.js';
import { FakeBus, busEvents, eventually, runAdapter } from './kit.js';

// NATS first: its port is picked free and then bound, and Kafka client traffic could take it in between.
const nats: NatsServer = await startNatsServer();
after(() => nats.close());
const mock = await startKafkaMock();
after(() => mock.stop());
const kafka = kafkaTestClient(mock.brokers);
after(() => kafka.close());
const url = mock.brokers.join(',');
const uniq = (p: string): string => `${p}-${randomUUID().slice(0, 8)}`;

async function produce(topic: string, from: number, n: number): Promise<void> {
  await kafka.produce(
    topic,
    Array.from({ length: n }, (_, k) => ({ key: `k${from + k}`, value: JSON.stringify({ n: from + k }), headers: { origin: 'test' } })),
  );
}

/** Committed offsets of a group summed over partitions (-1 = none counts as 0). */
async function committed(groupId: string, topic: string): Promise<number> {
  return (await kafka.committed(groupId, topic)).reduce((sum, o) => sum + Math.max(0, o), 0);
}

const confTopic = uniq('conf');
runEventSourceConformance({
  kind: 'kafka',
  adapter: createKafkaSource,
  spec: () => ({ url, topic: confTopic, jsonBody: true, consumerGroup: { groupName: `${confTopic}-g`, oldest: true } }),
  invalid: {
    'no url': { topic: 't', partition: '0' },
    'no topic': { url: 'k:9092', partition: '0' },
    'bad partition': { url: 'k:9092', topic: 't', partition: '-1' },
    'unsupported SASL mechanism': { url: 'k:9092', topic: 't', partition: '0', sasl: { mechanism: 'GSSAPI' } },
  },
  trigger: (_spec, n) => produce(confTopic, 1000, n),
  timeoutMs: 20_000,
});

describe('kafka event source against the kcat mock cluster', () => {
  let bus: EventBus;
  before(async () => {
    bus = await createJetStreamBus({ url: nats.url, name: uniq('kafka') });
  });
  after(async () => {
    await bus.close();
  });

  test('100 messages -> 100 events with Argo payload; a restart mid-stream loses none', async () => {
    const topic = uniq('orders');
    const name = uniq('kafka-es');
    const spec = { url, topic, jsonBody: true, metadata: { src: 'orders' }, consumerGroup: { groupName: `${topic}-g`, oldest: true } };
    await produce(topic, 0, 100);
    let r = runAdapter({ adapter: createKafkaSource(), spec, bus, name, eventName: 'orders' });
    try {
      await eventually(() => r.counters.published >= 30, { timeoutMs: 20_000, what: '30 events' });
    } finally {
      await r.stop();
    }
    const firstRun = r.counters.published;
    assert.ok(firstRun < 100, 'stopped mid-stream');
    // The group rejoin after a restart waits out the old member's session (10 s) on the mock cluster.
    r = runAdapter({ adapter: createKafkaSource(), spec, bus, name, eventName: 'orders' });
    try {
      await eventually(() => firstRun + r.counters.published + r.counters.duplicates >= 100 && r.counters.published > 0, {
        timeoutMs: 30_000,
        what: 'all events after restart',
      });
    } finally {
      await r.stop();
    }
    const events = await busEvents(bus, name, '*', 300, 100);
    assert.equal(events.length, 100, 'every message exactly once on the bus');
    assert.deepEqual(
      events.map((e) => (e.data as { body: { n: number } }).body.n).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    const e = events.find((x) => (x.data as { key: string }).key === 'k7');
    assert.ok(e);
    const d = e.data as {
      topic: string;
      key: string;
      partition: number;
      body: unknown;
      timestamp: string;
      headers: Record<string, string>;
      metadata: unknown;
    };
    assert.equal(d.topic, topic);
    assert.deepEqual(d.body, { n: 7 });
    assert.deepEqual(d.headers, { origin: 'test' });
    assert.deepEqual(d.metadata, { src: 'orders' });
    assert.match(d.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC$/);
    assert.match(e.id, new RegExp(`^default/${name}/orders/${topic}:${d.partition}:\\d+$`));
    assert.equal(await committed(`${topic}-g`, topic), 100);
  });

  test('messages read again (published, offsets not committed, as after a kill -9) are not published twice', async () => {
    const topic = uniq('replay');
    const name = uniq('kafka-replay');
    await produce(topic, 0, 10);
    const spec = (group: string) => ({ url, topic, jsonBody: true, consumerGroup: { groupName: group, oldest: true } });
    let r = runAdapter({ adapter: createKafkaSource(), spec: spec(`${topic}-a`), bus, name, eventName: 'replay' });
    try {
      await eventually(() => r.counters.published === 10, { timeoutMs: 20_000, what: '10 events' });
    } finally {
      await r.stop();
    }
    // A group with no commits reads every message again, as a restart does after a kill between ack and commit.
    r = runAdapter({ adapter: createKafkaSource(), spec: spec(`${topic}-b`), bus, name, eventName: 'replay' });
    try {
      await eventually(() => r.counters.duplicates === 10, { timeoutMs: 20_000, what: '10 duplicates' });
      assert.equal(r.counters.published, 0, 'the same ids: the bus drops every repeat');
    } finally {
      await r.stop();
    }
    assert.equal((await busEvents(bus, name, '*', 100, 10)).length, 10);
  });

  test('offsets are committed only after the bus acknowledged', async () => {
    const topic = uniq('acks');
    const group = `${topic}-g`;
    await produce(topic, 0, 10);
    const fake = new FakeBus();
    fake.down = true;
    const r = runAdapter({
      adapter: createKafkaSource(),
      spec: { url, topic, consumerGroup: { groupName: group, oldest: true } },
      bus: fake,
      backoffMs: 20,
    });
    try {
      await eventually(() => fake.publishes >= 3, { timeoutMs: 20_000, what: 'publish attempts' });
      assert.equal(fake.events.length, 0);
      assert.equal(await committed(group, topic), 0, 'nothing committed while the bus refuses');
      fake.down = false;
      await eventually(() => fake.events.length === 10, { timeoutMs: 20_000, what: '10 events' });
      await eventually(async () => (await committed(group, topic)) === 10, { timeoutMs: 10_000, what: 'all committed' });
      // Without jsonBody the body is the bytes base64-encoded, as Go marshals []byte.
      const body = (fake.events[0].data as { body: string }).body;
      assert.match(Buffer.from(body, 'base64').toString('utf8'), /^\{"n":\d+\}$/);
    } finally {
      await r.stop();
    }
  });

  test('without a consumer group only the configured partition is published', async () => {
    const topic = uniq('part');
    const fake = new FakeBus();
    await produce(topic, 0, 40);
    const r = runAdapter({ adapter: createKafkaSource(), spec: { url, topic, partition: '2', jsonBody: true }, bus: fake });
    try {
      await eventually(() => r.log.at('info', 'kafka consumer started').length > 0, { timeoutMs: 10_000 });
      // A new group starts at the newest offset (as Argo's partition consumer): produce after it joined.
      await eventually(
        async () => {
          await produce(topic, 100, 8);
          return fake.events.length > 0;
        },
        { timeoutMs: 20_000, what: 'events from partition 2' },
      );
      assert.ok(fake.events.every((e) => (e.data as { partition: number }).partition === 2));
    } finally {
      await r.stop();
    }
  });
});
