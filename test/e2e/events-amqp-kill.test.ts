// Acceptance: RabbitMQ (own node) → amqp EventSource → Sensor → Workflows. 100 messages become exactly 100 Workflows
// with the message's id as a parameter, although `weir server` is SIGKILLed halfway (messages in flight are
// redelivered with the same event id and dropped by the bus) and more messages arrive while it is down.
import { test } from 'node:test';
import { connect } from 'amqplib';
import { startRabbitMq } from '../helpers/brokers.js';
import { eventually } from './events-kit.js';
import { msgId, runKillScenario } from './broker-kill-kit.js';

test('AMQP: 100 messages → exactly 100 Workflows across a SIGKILL of the server', async () => {
  await using rabbit = await startRabbitMq();
  const conn = await connect(rabbit.url);
  try {
    const ch = await conn.createConfirmChannel();
    // Declared up front (with the EventSource's settings) so the readiness probe never asks for a missing queue.
    await ch.assertQueue('weir-orders', { durable: true, exclusive: false, autoDelete: false });
    await runKillScenario({
      name: 'rmq-orders',
      eventSourceYaml: [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: EventSource',
        'metadata:',
        '  name: rmq-orders',
        'spec:',
        '  amqp:',
        '    msg:',
        `      url: ${rabbit.url}`,
        '      exchangeName: orders',
        '      exchangeType: topic',
        '      routingKey: "orders.#"',
        '      jsonBody: true',
        '      queueDeclare: { name: weir-orders, durable: true, exclusive: false }',
        '',
      ].join('\n'),
      dataKey: 'body.id',
      ready: async () => {
        await eventually(async () => (await ch.checkQueue('weir-orders')).consumerCount > 0, {
          timeoutMs: 30_000,
          everyMs: 200,
          what: 'a consumer on the queue',
        });
      },
      send: async (from, to) => {
        for (let i = from; i < to; i++)
          ch.publish('orders', 'orders.eu', Buffer.from(JSON.stringify({ id: msgId(i) })), { persistent: true });
        await ch.waitForConfirms();
      },
    });
  } finally {
    await conn.close();
  }
});
