// Acceptance for Redis pub/sub (Argo's `redis` source): 100 messages published while the server is subscribed become
// exactly 100 Workflows with the message's id as a parameter. Pub/sub keeps nothing for an absent subscriber, so a
// SIGKILL loses what is published while the server is down by Redis's design: that case is the redisStream test's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedis } from '../helpers/brokers.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { duplicates, eventually, paramValues, sensorYaml, startWeir, tempDir, workflowsOf } from './events-kit.js';
import type { Weir } from './events-kit.js';
import { N, msgId } from './broker-kill-kit.js';

test('Redis pub/sub: 100 messages → exactly 100 Workflows', async () => {
  await using nats = await startNatsServer();
  await using redis = await startRedis();
  await using tmp = await tempDir('redis-pubsub');
  const client = new Redis({ host: '127.0.0.1', port: redis.port });
  const manifests = [
    await tmp.file(
      'es.yaml',
      [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: EventSource',
        'metadata:',
        '  name: redis-news',
        'spec:',
        '  redis:',
        '    msg:',
        `      hostAddress: 127.0.0.1:${redis.port}`,
        '      channels: [news]',
        '      jsonBody: true',
        '',
      ].join('\n'),
    ),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: 'redis-news',
        deps: [{ name: 'm', eventSourceName: 'redis-news', eventName: 'msg' }],
        params: { id: { dependencyName: 'm', dataKey: 'body.id' } },
      }),
    ),
  ];
  let weir: Weir | undefined;
  try {
    weir = await startWeir({ dataDir: join(tmp.dir, 'data'), busUrl: nats.url, manifests });
    await eventually(async () => ((await client.pubsub('NUMSUB', 'news')) as [string, number])[1] > 0 || undefined, {
      timeoutMs: 30_000,
      everyMs: 100,
      what: 'a subscriber on the channel',
    });
    for (let i = 0; i < N; i++) await client.publish('news', JSON.stringify({ id: msgId(i) }));
    await eventually(async () => (await workflowsOf(weir!.url, 'redis-news')).length >= N, {
      timeoutMs: 60_000,
      everyMs: 200,
      what: `${N} workflows`,
    });
    await new Promise((r) => setTimeout(r, 1000));
    const ids = paramValues(await workflowsOf(weir.url, 'redis-news'), 'id');
    assert.deepEqual(duplicates(ids), []);
    assert.deepEqual(
      ids,
      Array.from({ length: N }, (_, i) => msgId(i)),
    );
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- server log ---\n${weir?.log().slice(-4000) ?? ''}`, { cause: e });
  } finally {
    await weir?.stop();
    client.disconnect();
  }
});
