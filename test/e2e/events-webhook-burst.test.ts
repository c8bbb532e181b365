// Acceptance: 200 concurrent webhook POSTs through a real `weir server` on JetStream each become exactly one Workflow
// carrying the posted value as its parameter (with lineage labels); re-sending the same POSTs with their
// Idempotency-Key creates nothing new.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, startNatsServer } from '../helpers/nats-server.js';
import { duplicates, eventually, paramValues, post, sensorYaml, startWeir, tempDir, webhookSourceYaml, workflowsOf } from './events-kit.js';

const N = 200;

test('200 concurrent webhook POSTs → exactly 200 Workflows; the same POSTs re-sent → none new', async () => {
  await using nats = await startNatsServer();
  await using tmp = await tempDir('burst');
  const port = await freePort();
  const manifests = [
    await tmp.file('es.yaml', webhookSourceYaml('burst-hooks', 'order', port, '/order')),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: 'burst',
        deps: [{ name: 'o', eventSourceName: 'burst-hooks', eventName: 'order' }],
        params: { item: { dependencyName: 'o', dataKey: 'body.item' } },
      }),
    ),
  ];
  const weir = await startWeir({ dataDir: join(tmp.dir, 'data'), busUrl: nats.url, manifests });
  try {
    const hook = `http://127.0.0.1:${port}/order`;
    // The endpoint is up when a GET is refused with 405 (no event is emitted for it).
    await eventually(
      async () =>
        (await fetch(hook).then(
          (r) => r.status,
          () => 0,
        )) === 405,
      { timeoutMs: 15_000, what: 'webhook endpoint' },
    );
    const values = Array.from({ length: N }, (_, i) => `item-${String(i).padStart(3, '0')}`);
    const send = (): Promise<number[]> => Promise.all(values.map((v) => post(hook, { item: v }, `key-${v}`)));

    const first = await send();
    assert.deepEqual(
      first.filter((s) => s !== 200),
      [],
      'every POST answered 200',
    );
    const wfs = await eventually(
      async () => {
        const w = await workflowsOf(weir.url, 'burst');
        return w.length >= N && w;
      },
      { timeoutMs: 60_000, what: `${N} workflows` },
    );
    assert.equal(wfs.length, N);
    const got = paramValues(wfs, 'item');
    assert.deepEqual(duplicates(got), []);
    assert.deepEqual(got, values);
    for (const wf of wfs) {
      assert.equal(wf.metadata.labels?.['events.weir.dev/sensor'], 'burst');
      assert.equal(wf.metadata.labels?.['events.weir.dev/trigger'], 'submit');
      assert.equal(wf.metadata.labels?.['events.argoproj.io/sensor'], 'burst');
      assert.match(
        String(wf.metadata.annotations?.['events.weir.dev/events']),
        /^\{"o":"default\/burst-hooks\/order\/idem-[0-9a-f]{32}"\}$/,
      );
    }

    const again = await send();
    assert.deepEqual(
      again.filter((s) => s !== 200),
      [],
      'a re-sent POST is accepted too',
    );
    // A new event after the re-sends: the sensor handles events in order, so once its Workflow exists every re-sent
    // event has been handled (or de-duplicated by the bus).
    assert.equal(await post(hook, { item: 'barrier' }, 'key-barrier'), 200);
    const after = await eventually(
      async () => {
        const w = await workflowsOf(weir.url, 'burst');
        return w.some((x) => paramValues([x], 'item')[0] === 'barrier') && w;
      },
      { timeoutMs: 30_000, what: 'barrier workflow' },
    );
    assert.equal(after.length, N + 1, 're-sent POSTs created no Workflow');
  } finally {
    await weir.stop();
  }
});
