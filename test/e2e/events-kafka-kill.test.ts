// Acceptance: Kafka (kcat mock cluster) → kafka EventSource (consumer group) → Sensor → Workflows. 100 messages
// become exactly 100 Workflows with the message's id as a parameter, although `weir server` is SIGKILLed halfway:
// offsets are committed only after the bus acknowledged, so messages published but not committed at the kill are
// read again on start, with the same event id (`topic:partition:offset`), and the bus drops the repeats.
import { test } from 'node:test';
import { startKafkaMock } from '../helpers/kafka-mock.js';
import { kafkaTestClient } from '../helpers/kafka-client.js';
import { eventually } from './events-kit.js';
import { msgId, runKillScenario } from './broker-kill-kit.js';

test('Kafka: 100 messages → exactly 100 Workflows across a SIGKILL of the server', async () => {
  // The bus (NATS) is started by the scenario after the mock cluster: the Kafka port is taken by then.
  await using mock = await startKafkaMock();
  await using kafka = kafkaTestClient(mock.brokers);
  await runKillScenario({
    name: 'kafka-orders',
    eventSourceYaml: [
      'apiVersion: argoproj.io/v1alpha1',
      'kind: EventSource',
      'metadata:',
      '  name: kafka-orders',
      'spec:',
      '  kafka:',
      '    msg:',
      `      url: ${mock.brokers.join(',')}`,
      '      topic: kill-orders',
      '      jsonBody: true',
      // Slow enough that the kill lands while the source works through the first half.
      '      limitEventsPerSecond: 20',
      '      consumerGroup: { groupName: kill-orders-weir, oldest: true }',
      '',
    ].join('\n'),
    dataKey: 'body.id',
    ready: async (weir) => {
      await eventually(() => weir.log().includes('kafka consumer started'), { timeoutMs: 30_000, what: 'the kafka consumer' });
    },
    send: async (from, to) => {
      await kafka.produce(
        'kill-orders',
        Array.from({ length: to - from }, (_, k) => ({ key: msgId(from + k), value: JSON.stringify({ id: msgId(from + k) }) })),
      );
    },
  });
});
