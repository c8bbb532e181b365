// Runs examples/events/redis-stream.yaml end to end against an own redis-server (its hostAddress swapped for the
// test instance): a stream entry becomes a Workflow carrying the entry's id. The other broker examples share its
// shape and are linted by the lint test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startRedis } from '../helpers/brokers.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { repoPath } from '../helpers/paths.js';
import { eventually, paramsOf, startWeir, tempDir, workflowsOf } from './events-kit.js';
import type { Weir } from './events-kit.js';

test('examples/events/redis-stream.yaml: one stream entry → one Workflow with its id', async () => {
  await using nats = await startNatsServer();
  await using redis = await startRedis();
  await using tmp = await tempDir('example-redis');
  const example = (await readFile(repoPath('examples', 'events', 'redis-stream.yaml'), 'utf8')).replace(
    '127.0.0.1:6379',
    `127.0.0.1:${redis.port}`,
  );
  assert.ok(example.includes(`127.0.0.1:${redis.port}`), 'the example names the default Redis address');
  const client = new Redis({ host: '127.0.0.1', port: redis.port });
  let weir: Weir | undefined;
  try {
    weir = await startWeir({ dataDir: join(tmp.dir, 'data'), busUrl: nats.url, manifests: [await tmp.file('example.yaml', example)] });
    await eventually(async () => (await client.exists('example:orders')) === 1 || undefined, {
      timeoutMs: 30_000,
      everyMs: 100,
      what: 'the consumer group',
    });
    await client.xadd('example:orders', '*', 'id', 'o-42');
    const wfs = await eventually(
      async () => {
        const w = await workflowsOf(weir!.url, 'example-redis-stream-order');
        return w.length >= 1 && w;
      },
      { timeoutMs: 30_000, what: 'the workflow' },
    );
    assert.equal(wfs.length, 1);
    assert.equal(paramsOf(wfs[0])['order-id'], 'o-42');
  } finally {
    await weir?.stop();
    client.disconnect();
  }
});
