// Acceptance: Mosquitto (own instance) → mqtt EventSource (QoS 1, persistent session) → Sensor → Workflows. 100
// messages become exactly 100 Workflows with the message's id as a parameter, although `weir server` is SIGKILLed
// halfway: the broker keeps the session's messages while the server is down and resends the unacknowledged ones,
// which carry the same event id and are dropped by the bus.
import { test } from 'node:test';
import { connectAsync } from 'mqtt';
import { startMosquitto } from '../helpers/brokers.js';
import { eventually } from './events-kit.js';
import { msgId, runKillScenario } from './broker-kill-kit.js';

test('MQTT: 100 messages → exactly 100 Workflows across a SIGKILL of the server', async () => {
  await using broker = await startMosquitto();
  const pub = await connectAsync(broker.url, { clientId: 'e2e-publisher' });
  try {
    await runKillScenario({
      name: 'mqtt-orders',
      eventSourceYaml: [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: EventSource',
        'metadata:',
        '  name: mqtt-orders',
        'spec:',
        '  mqtt:',
        '    msg:',
        `      url: tcp://127.0.0.1:${broker.port}`,
        '      topic: "orders/+/placed"',
        '      clientId: weir-orders',
        '      jsonBody: true',
        '',
      ].join('\n'),
      dataKey: 'body.id',
      // The session exists once the source subscribed: a retained probe is not needed, the log says so.
      ready: (weir) =>
        eventually(() => weir.log().includes('mqtt subscriber started'), {
          timeoutMs: 30_000,
          everyMs: 100,
          what: 'the mqtt subscription',
        }).then(() => undefined),
      send: async (from, to) => {
        for (let i = from; i < to; i++)
          await pub.publishAsync(`orders/${i % 2 === 0 ? 'eu' : 'us'}/placed`, JSON.stringify({ id: msgId(i) }), { qos: 1 });
      },
    });
  } finally {
    await pub.endAsync();
  }
});
