// Acceptance: the user's NATS (an own nats-server, apart from the bus) → nats EventSource reading a JetStream stream
// through a durable consumer → Sensor → Workflows. 100 messages become exactly 100 Workflows with the message's id
// as a parameter, although `weir server` is SIGKILLed halfway (unacknowledged messages are redelivered with the same
// `<stream>:<sequence>` event id and dropped by the bus).
import { test } from 'node:test';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { startNatsServer } from '../helpers/nats-server.js';
import { eventually } from './events-kit.js';
import { msgId, runKillScenario } from './broker-kill-kit.js';

test('NATS JetStream source: 100 messages → exactly 100 Workflows across a SIGKILL of the server', async () => {
  await using users = await startNatsServer();
  const nc = await connect({ servers: users.url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
    const js = jetstream(nc);
    await runKillScenario({
      name: 'nats-orders',
      eventSourceYaml: [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: EventSource',
        'metadata:',
        '  name: nats-orders',
        'spec:',
        '  nats:',
        '    msg:',
        `      url: ${users.url}`,
        '      subject: orders.placed',
        '      jsonBody: true',
        '      jetStream: { stream: ORDERS, consumer: weir-orders }',
        '',
      ].join('\n'),
      dataKey: 'body.id',
      ready: async () => {
        await eventually(
          async () =>
            (await jsm.consumers.info('ORDERS', 'weir-orders').then(
              () => true,
              () => false,
            )) || undefined,
          { timeoutMs: 30_000, everyMs: 100, what: 'the durable consumer' },
        );
      },
      send: async (from, to) => {
        for (let i = from; i < to; i++) await js.publish('orders.placed', JSON.stringify({ id: msgId(i) }));
      },
    });
  } finally {
    await nc.close();
  }
});
