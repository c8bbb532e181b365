// The kafka trigger's producer (src/sensor-host/runtime.ts kafkaPublisher) against librdkafka's mock cluster (kcat):
// the payload, the partitioning key and the headers arrive as sent, one producer serves repeated sends, and close()
// lets the process end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { kafkaPublisher } from '../../src/sensor-host/runtime.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { startKafkaMock } from '../helpers/kafka-mock.js';
import { kafkaTestClient } from '../helpers/kafka-client.js';

test('kafka trigger producer: payload, key and headers reach the topic', async () => {
  await using mock = await startKafkaMock();
  await using client = kafkaTestClient(mock.brokers);
  const log = createRecordingLogger();
  const pub = kafkaPublisher(log);
  const topic = `trigger-${randomUUID().slice(0, 8)}`;
  const url = mock.brokers.join(',');
  const signal = new AbortController().signal;
  try {
    await pub.publish({ url, topic, key: 'order-1', headers: { origin: 'sensor' } }, JSON.stringify({ n: 1 }), signal);
    await pub.publish({ url, topic }, JSON.stringify({ n: 2 }), signal);
  } finally {
    await pub.close();
  }
  const got = await client.consume(topic, 2);
  const byValue = new Map(got.map((m) => [m.value, m]));
  assert.deepEqual([...byValue.keys()].sort(), ['{"n":1}', '{"n":2}']);
  assert.equal(byValue.get('{"n":1}')?.key, 'order-1');
  assert.deepEqual(byValue.get('{"n":1}')?.headers, { origin: 'sensor' });
  assert.equal(byValue.get('{"n":2}')?.key, '');
  assert.deepEqual(log.at('warn', 'kafka producer close failed'), []);
  await assert.rejects(pub.publish({ url, topic }, '{}', AbortSignal.abort()), (e: Error & { code?: string }) => e.code === 'CANCELLED');
});
