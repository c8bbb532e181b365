// Acceptance: the bus (nats-server) stops for ~2 s in the middle of a stream of webhook POSTs (100 over ~6 s, stopped
// at 1.5 s, back at 3.5 s). Every POST is answered 200 or 503; each one answered 200 has exactly one Workflow once the
// bus is back, and no 503 has one. The server finds the bus again while the stream still runs (reconnect backoff is
// about half the outage so far).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, startNatsServer } from '../helpers/nats-server.js';
import { duplicates, eventually, paramValues, post, sensorYaml, startWeir, tempDir, webhookSourceYaml, workflowsOf } from './events-kit.js';

const N = 100;
const SPACING_MS = 60;

test('NATS stopped mid-stream: every 2xx POST has its Workflow, every other POST got 503, nothing else', async () => {
  await using nats = await startNatsServer();
  await using tmp = await tempDir('outage');
  const port = await freePort();
  const manifests = [
    await tmp.file('es.yaml', webhookSourceYaml('outage-hooks', 'order', port, '/order')),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: 'outage',
        deps: [{ name: 'o', eventSourceName: 'outage-hooks', eventName: 'order' }],
        params: { item: { dependencyName: 'o', dataKey: 'body.item' } },
      }),
    ),
  ];
  const weir = await startWeir({ dataDir: join(tmp.dir, 'data'), busUrl: nats.url, manifests });
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
    const started = Date.now();
    // The outage itself is the subject here: it is scheduled in wall-clock time against the stream of POSTs.
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, 1500));
      await nats.stop();
      await new Promise((r) => setTimeout(r, Math.max(0, 3500 - (Date.now() - started))));
      await nats.restart();
    })();
    const pending: Promise<number>[] = [];
    for (const v of values) {
      pending.push(post(hook, { item: v }, `key-${v}`));
      await new Promise((r) => setTimeout(r, SPACING_MS));
    }
    const statuses = await Promise.all(pending);
    await outage;
    const byStatus = new Map<number, string[]>();
    statuses.forEach((s, i) => byStatus.set(s, [...(byStatus.get(s) ?? []), values[i]]));
    assert.deepEqual(
      [...byStatus.keys()].filter((s) => s !== 200 && s !== 503),
      [],
      `only 200 and 503: ${JSON.stringify(Object.fromEntries([...byStatus].map(([s, v]) => [s, v.length])))}`,
    );
    const accepted = byStatus.get(200) ?? [];
    assert.ok((byStatus.get(503) ?? []).length > 0, 'some POSTs met the outage');
    assert.ok(accepted.length > 20, `POSTs before the outage accepted (${accepted.length})`);
    assert.deepEqual(statuses.slice(-10), Array(10).fill(200), 'the last POSTs, 2 s after the bus returned, are accepted');
    // A last event once the bus is back (a client retries a 503): the sensor handles events in order, so once its
    // Workflow exists every accepted event before it has been handled.
    await eventually(async () => (await post(hook, { item: 'barrier' }, 'key-barrier')) === 200, {
      timeoutMs: 30_000,
      everyMs: 100,
      what: 'a POST accepted after the outage',
    });
    const wfs = await eventually(
      async () => {
        const w = await workflowsOf(weir.url, 'outage');
        return w.some((x) => paramValues([x], 'item')[0] === 'barrier') && w;
      },
      { timeoutMs: 60_000, what: 'barrier workflow' },
    );
    const got = paramValues(wfs, 'item').filter((v) => v !== 'barrier');
    assert.deepEqual(duplicates(got), [], 'no value twice');
    assert.deepEqual(got, [...accepted].sort(), 'exactly the accepted POSTs have Workflows');
  } finally {
    await weir.stop();
  }
});
