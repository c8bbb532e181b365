// Runs examples/events/kafka-orders.yaml end to end (issue 11 item 25): the example against the Kafka cluster the test
// helpers start (kcat's mock cluster, broker address swapped in), a server with the example's manifests, JSON
// messages on the topic: an order with a positive amount becomes one Succeeded Workflow carrying its id; an order
// with amount 0 is filtered out.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryIo } from '../../src/cli/io.js';
import { startServer } from '../../src/cli/server.js';
import { startKafkaMock } from '../helpers/kafka-mock.js';
import { kafkaTestClient } from '../helpers/kafka-client.js';
import { repoPath } from '../helpers/paths.js';
import { eventually, paramsOf, tempDir, workflowsOf } from './events-kit.js';

const SENSOR = 'kafka-order-intake';

test('examples/events/kafka-orders.yaml: Kafka message -> sensor -> Workflow, filtered by amount', async () => {
  await using kafka = await startKafkaMock();
  await using tmp = await tempDir('kafka-example');
  const example = await readFile(repoPath('examples', 'events', 'kafka-orders.yaml'), 'utf8');
  assert.equal(example.match(/url: localhost:9092\n/g)?.length, 1, 'the example names localhost:9092 once');
  const manifest = await tmp.file('kafka-orders.yaml', example.replace('url: localhost:9092', `url: ${kafka.brokers.join(',')}`));
  const io = memoryIo();
  const srv = await startServer(
    { dataDir: join(tmp.dir, 'data'), authToken: undefined, port: 0, host: '127.0.0.1', manifests: [manifest], namespace: 'default' },
    io,
  );
  const producer = kafkaTestClient(kafka.brokers);
  try {
    // A new consumer group starts at the newest offset, so keep sending until the source has joined; every zero
    // amount is filtered out, every positive one is an order.
    let n = 0;
    const sent: string[] = [];
    const wfs = await eventually(
      async () => {
        n++;
        await producer.produce('orders', [
          { value: JSON.stringify({ id: `free-${n}`, amount: 0 }) },
          { value: JSON.stringify({ id: `K-${n}`, amount: 5 }) },
        ]);
        sent.push(`K-${n}`);
        const w = await workflowsOf(srv.url, SENSOR);
        return w.length > 0 && w;
      },
      { timeoutMs: 60_000, everyMs: 500, what: 'a workflow from a Kafka message' },
    );
    const first = wfs[wfs.length - 1];
    assert.ok(sent.includes(String(paramsOf(first)['order-id'])), `order id ${paramsOf(first)['order-id']} was sent`);
    await eventually(
      async () => {
        const w = (await (await fetch(`${srv.url}/api/v1/workflows/default/${first.metadata.name}`)).json()) as {
          status?: { phase?: string };
        };
        return w.status?.phase === 'Succeeded';
      },
      { timeoutMs: 60_000, everyMs: 200, what: 'the workflow succeeded' },
    );
    const all = await workflowsOf(srv.url, SENSOR);
    assert.ok(
      all.every((w) => /^K-\d+$/.test(String(paramsOf(w)['order-id']))),
      'no workflow for an order with amount 0',
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server log ---\n${io.err.slice(-4000)}`, { cause: e });
  } finally {
    await producer.close();
    await srv.stop();
  }
});
