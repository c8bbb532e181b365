// Acceptance: Kafka (kcat mock cluster) → sensor → Workflows. 100 JSON messages become 100 Workflows, each with the
// message's body fields as parameters; `weir server` is restarted mid-stream (stopped while it works through the
// topic, more messages produced while it is down): no message lost, none twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKafkaMock } from '../helpers/kafka-mock.js';
import { kafkaTestClient } from '../helpers/kafka-client.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { duplicates, eventually, paramsOf, paramValues, sensorYaml, startWeir, tempDir, workflowsOf } from './events-kit.js';
import type { Weir } from './events-kit.js';

const TOPIC = 'e2e-orders';
const GROUP = 'e2e-orders-weir';
const N = 100;

test('Kafka: 100 messages → 100 Workflows with the body fields as parameters; a restart mid-stream loses and repeats none', async () => {
  // NATS first: its port is picked free and then bound, and Kafka client traffic could take it in between.
  await using nats = await startNatsServer();
  await using mock = await startKafkaMock();
  await using tmp = await tempDir('kafka');
  const kafka = kafkaTestClient(mock.brokers);
  const id = (i: number): string => `o-${String(i).padStart(3, '0')}`;
  const produce = (from: number, to: number): Promise<unknown> =>
    kafka.produce(
      TOPIC,
      Array.from({ length: to - from }, (_, k) => ({
        key: id(from + k),
        value: JSON.stringify({ id: id(from + k), customer: `c-${(from + k) % 7}` }),
      })),
    );
  /** True when the group has committed every message (the source commits only after the bus acknowledged). */
  const allCommitted = async (): Promise<boolean> => {
    const ends = await kafka.endOffsets(TOPIC);
    const committed = await kafka.committed(GROUP, TOPIC);
    return ends.length > 0 && ends.every((end, partition) => committed[partition] === end || (end === 0 && committed[partition] === -1));
  };
  const manifests = [
    await tmp.file(
      'es.yaml',
      [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: EventSource',
        'metadata:',
        '  name: orders',
        'spec:',
        '  kafka:',
        '    placed:',
        `      url: ${mock.brokers.join(',')}`,
        `      topic: ${TOPIC}`,
        '      jsonBody: true',
        '      limitEventsPerSecond: 40',
        `      consumerGroup: { groupName: ${GROUP}, oldest: true }`,
        '',
      ].join('\n'),
    ),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: 'orders',
        deps: [{ name: 'msg', eventSourceName: 'orders', eventName: 'placed' }],
        params: { id: { dependencyName: 'msg', dataKey: 'body.id' }, customer: { dependencyName: 'msg', dataKey: 'body.customer' } },
      }),
    ),
  ];
  const dataDir = join(tmp.dir, 'data');
  let weir: Weir | undefined;
  try {
    await produce(0, 60);
    weir = await startWeir({ dataDir, busUrl: nats.url, manifests });
    const before = await eventually(
      async () => {
        const w = await workflowsOf(weir!.url, 'orders');
        return w.length >= 10 && w;
      },
      { timeoutMs: 30_000, everyMs: 20, what: 'the first workflows' },
    );
    await weir.stop();
    await produce(60, N);
    weir = await startWeir({ dataDir, busUrl: nats.url, manifests });
    await eventually(allCommitted, { timeoutMs: 40_000, everyMs: 200, what: 'every message committed by the source' });
    // Every message is on the bus now; a last one after them: once its Workflow exists, all were handled.
    await kafka.produce(TOPIC, [{ key: 'barrier', value: JSON.stringify({ id: 'barrier', customer: 'none' }) }]);
    const wfs = await eventually(
      async () => {
        const w = await workflowsOf(weir!.url, 'orders');
        return w.some((x) => paramsOf(x).id === 'barrier') && w;
      },
      { timeoutMs: 30_000, what: 'barrier workflow' },
    );
    const ids = paramValues(wfs, 'id').filter((v) => v !== 'barrier');
    assert.ok(before.length < N, `the restart came mid-stream (${before.length} workflows before it)`);
    assert.deepEqual(duplicates(ids), [], 'no message twice');
    assert.deepEqual(
      ids,
      Array.from({ length: N }, (_, i) => id(i)),
    );
    for (const wf of wfs.filter((w) => paramsOf(w).id !== 'barrier')) {
      assert.equal(paramsOf(wf).customer, `c-${Number(paramsOf(wf).id?.slice(2)) % 7}`);
    }
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server log ---\n${weir?.log().slice(-4000) ?? ''}`, { cause: e });
  } finally {
    await weir?.stop();
    await kafka.close();
  }
});
