// Acceptance: a client re-sends its webhook POSTs (same Idempotency-Key) after the bus's de-duplication window has
// passed, so the bus stores them again: the sensor still creates no second Workflow (the firing key, derived from the
// event id, names the Workflow), and its decision log says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readHistory } from '../../src/sensor-host/history.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import { freePort, startNatsServer } from '../helpers/nats-server.js';
import { duplicates, eventually, paramValues, post, sensorYaml, startWeir, tempDir, webhookSourceYaml, workflowsOf } from './events-kit.js';

// The sensor remembers the last 256 consumed event ids; past those the Workflow name (from the firing key) de-duplicates.
const N = 100;

test('webhook POSTs re-sent after the bus de-duplication window → no new Workflow (deduplicated by the sensor)', async () => {
  await using nats = await startNatsServer();
  await using tmp = await tempDir('resend');
  const port = await freePort();
  const manifests = [
    await tmp.file(
      'bus.yaml',
      [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: EventBus',
        'metadata:',
        '  name: default',
        'spec:',
        '  jetstreamExotic:',
        `    url: ${nats.url}`,
        '    duplicateWindow: 1s',
        '',
      ].join('\n'),
    ),
    await tmp.file('es.yaml', webhookSourceYaml('resend-hooks', 'order', port, '/order')),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: 'resend',
        deps: [{ name: 'o', eventSourceName: 'resend-hooks', eventName: 'order' }],
        params: { item: { dependencyName: 'o', dataKey: 'body.item' } },
      }),
    ),
  ];
  const dataDir = join(tmp.dir, 'data');
  const weir = await startWeir({ dataDir, busUrl: nats.url, manifests });
  try {
    const hook = `http://127.0.0.1:${port}/order`;
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
    assert.deepEqual(
      (await send()).filter((s) => s !== 200),
      [],
    );
    const sentAt = Date.now();
    await eventually(async () => (await workflowsOf(weir.url, 'resend')).length >= N, { timeoutMs: 30_000, what: `${N} workflows` });
    // The window's expiry is the subject: re-send only once it has passed for every event.
    await new Promise((r) => setTimeout(r, Math.max(0, sentAt + 1500 - Date.now())));
    assert.deepEqual(
      (await send()).filter((s) => s !== 200),
      [],
    );
    assert.equal(await post(hook, { item: 'barrier' }, 'key-barrier'), 200);
    const wfs = await eventually(
      async () => {
        const w = await workflowsOf(weir.url, 'resend');
        return w.some((x) => paramValues([x], 'item')[0] === 'barrier') && w;
      },
      { timeoutMs: 30_000, what: 'barrier workflow' },
    );
    assert.equal(wfs.length, N + 1, 'the re-sent POSTs created no Workflow');
    assert.deepEqual(duplicates(paramValues(wfs, 'item')), []);
    // The decision log (its cumulative counts) is written after the trigger ran: wait for the barrier's entry.
    const counts = await eventually(
      async () => {
        const store = createSqliteStore({ dataDir });
        try {
          const c = (await readHistory(store, 'default', 'resend')).status.counts;
          return c.done === N + 1 && c;
        } finally {
          await store.close();
        }
      },
      { timeoutMs: 15_000, everyMs: 100, what: 'the barrier in the decision log' },
    );
    assert.equal(counts.deduplicated, N, 'the bus stored the re-sends again; the sensor de-duplicated each');
    assert.equal(counts.matched, 2 * N + 1);
    assert.equal(counts.triggered, N + 1);
  } finally {
    await weir.stop();
  }
});
