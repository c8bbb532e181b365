// Acceptance: Redis (own redis-server) → redisStream EventSource (consumer group) → Sensor → Workflows. 100 stream
// entries become exactly 100 Workflows with the entry's id field as a parameter, although `weir server` is SIGKILLed
// halfway: entries delivered but not XACKed stay pending and are re-read on start with the same event id.
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis } from '../helpers/brokers.js';
import { eventually } from './events-kit.js';
import { msgId, runKillScenario } from './broker-kill-kit.js';

test('Redis stream: 100 entries → exactly 100 Workflows across a SIGKILL of the server', async () => {
  await using redis = await startRedis();
  const client = new Redis({ host: '127.0.0.1', port: redis.port });
  try {
    await runKillScenario({
      name: 'redis-orders',
      eventSourceYaml: [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: EventSource',
        'metadata:',
        '  name: redis-orders',
        'spec:',
        '  redisStream:',
        '    msg:',
        `      hostAddress: 127.0.0.1:${redis.port}`,
        '      streams: [orders]',
        '      consumerGroup: weir',
        '',
      ].join('\n'),
      dataKey: 'values.id',
      ready: async () => {
        await eventually(
          async () =>
            ((await client.exists('orders')) === 1 && ((await client.xinfo('GROUPS', 'orders')) as unknown[]).length > 0) || undefined,
          { timeoutMs: 30_000, everyMs: 100, what: 'the consumer group' },
        );
      },
      send: async (from, to) => {
        for (let i = from; i < to; i++) await client.xadd('orders', '*', 'id', msgId(i));
      },
    });
  } finally {
    client.disconnect();
  }
});
