// Issue 11 item 20: what the server will not run is said where the user looks. `weir lint` (and apply) warn about an
// EventSource kind Weir does not run and about an event whose configuration the server refuses; `weir eventsource
// list/get` show each event's state (running, unsupported, invalid: reason). A Kafka event without consumerGroup
// runs with Weir's own group, as the README says (it was refused at run time).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../e2e/events-kit.js';
import { startKafkaMock } from '../helpers/kafka-mock.js';
import { kafkaTestClient } from '../helpers/kafka-client.js';
import { freePort } from '../helpers/nats-server.js';
import { startVerbKit } from './verbs-kit.js';

test('unsupported and refused events: lint warnings, then their state in eventsource list/get; kafka without consumerGroup runs', async () => {
  await using kafka = await startKafkaMock();
  await using k = await startVerbKit();
  const port = await freePort();
  const topic = `no-group-${Date.now()}`;
  const file = await k.manifest('things.yaml', {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'EventSource',
    metadata: { name: 'things' },
    spec: {
      nsq: { q: { hostAddress: '127.0.0.1:4161', topic: 't', channel: 'c' } },
      kafka: {
        refused: { url: kafka.brokers.join(','), topic, sasl: { mechanism: 'GSSAPI' } },
        plain: { url: kafka.brokers.join(','), topic, jsonBody: true },
      },
      webhook: { hook: { port: String(port), endpoint: '/hook', method: 'POST' } },
    },
  });
  const lint = await k.weir('lint', file);
  assert.equal(lint.code, 0, 'warnings only');
  assert.match(lint.out, /things\.yaml:\d+:\d+: warning: Weir does not run nsq event sources: .*\(spec\.nsq\)/);
  assert.match(
    lint.out,
    /warning: the server will not start this event \(state "invalid"\): SASL mechanism GSSAPI is not supported by Weir .*\(spec\.kafka\.refused\.sasl\.mechanism\)/,
  );
  assert.doesNotMatch(lint.out, /plain|consumerGroup or partition/, 'kafka without consumerGroup is fine');
  const apply = await k.weir('apply', '-f', file);
  assert.equal(apply.code, 0, apply.err);
  assert.match(apply.err, /warning: Weir does not run nsq event sources/);

  const get = await eventually(
    async () => {
      const r = await k.weir('eventsource', 'get', 'things');
      return /kafka\/plain: running/.test(r.out) && /webhook\/hook: running/.test(r.out) && r.out;
    },
    { timeoutMs: 30_000, everyMs: 200, what: 'the runnable events run' },
  );
  assert.match(get, /nsq\/q: unsupported/);
  assert.match(get, /kafka\/refused: invalid: sasl\.mechanism: SASL mechanism GSSAPI is not supported/);
  const list = await k.weir('eventsource', 'list');
  const [header, row] = list.out.trimEnd().split('\n');
  assert.match(header, /STATE/);
  assert.match(row, /^things\s/);
  for (const part of ['2 running', '1 unsupported', '1 invalid']) assert.ok(row.includes(part), `${part} in: ${row}`);

  // The Kafka event without consumerGroup consumes with Weir's own group.
  const producer = kafkaTestClient(kafka.brokers);
  try {
    await eventually(
      async () => {
        await producer.produce(topic, [{ value: JSON.stringify({ n: 1 }) }]);
        const es = (await k.fetchJson('/api/v1/event-sources/default/things')) as {
          status?: { weir?: { eventName: string; published: number }[] };
        };
        return (es.status?.weir?.find((e) => e.eventName === 'plain')?.published ?? 0) > 0;
      },
      { timeoutMs: 30_000, everyMs: 500, what: 'a message published by the kafka event without consumerGroup' },
    );
  } finally {
    await producer.close();
  }
});
