// Acceptance: a spawned `weir server` is SIGKILLed while its sensor works through a backlog of webhook events. After
// the restart every accepted event has exactly one Workflow, and the events that were in flight in the killed
// process come back within the sensor's short ack deadline (the runner heartbeats while it works), not after a
// minute-long ackWait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, startNatsServer } from '../helpers/nats-server.js';
import { duplicates, eventually, paramValues, post, sensorYaml, spawnWeir, tempDir, webhookSourceYaml, workflowsOf } from './events-kit.js';
import type { SpawnedWeir } from './events-kit.js';

const N = 60;

test('SIGKILL while the sensor works through a backlog: exactly one Workflow per event, in-flight events back within seconds', async () => {
  await using nats = await startNatsServer();
  await using tmp = await tempDir('kill');
  const port = await freePort();
  const manifests = [
    await tmp.file('es.yaml', webhookSourceYaml('kill-hooks', 'order', port, '/order')),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: 'kill',
        deps: [{ name: 'o', eventSourceName: 'kill-hooks', eventName: 'order' }],
        params: { item: { dependencyName: 'o', dataKey: 'body.item' } },
      }),
    ),
  ];
  const dataDir = join(tmp.dir, 'data');
  const values = Array.from({ length: N }, (_, i) => `item-${String(i).padStart(2, '0')}`);
  let weir: SpawnedWeir | undefined;
  try {
    weir = await spawnWeir({ dataDir, busUrl: nats.url, manifests });
    const hook = `http://127.0.0.1:${port}/order`;
    await eventually(
      async () =>
        (await fetch(hook).then(
          (r) => r.status,
          () => 0,
        )) === 405,
      { timeoutMs: 15_000, what: 'webhook endpoint' },
    );
    assert.deepEqual(
      (await Promise.all(values.map((v) => post(hook, { item: v }, `key-${v}`)))).filter((s) => s !== 200),
      [],
    );
    await eventually(async () => (await workflowsOf(weir!.url, 'kill')).length >= 3, {
      timeoutMs: 20_000,
      everyMs: 5,
      what: 'the sensor at work',
    });
    await weir.kill();
    weir = await spawnWeir({ dataDir, busUrl: nats.url, manifests });
    // From the restarted server listening, not from the kill: a start alone took over 30 s on the loaded machine.
    const restarted = Date.now();
    const wfs = await eventually(
      async () => {
        const w = await workflowsOf(weir!.url, 'kill');
        return w.length >= N && w;
      },
      { timeoutMs: 40_000, everyMs: 100, what: `${N} workflows` },
    );
    const took = Date.now() - restarted;
    assert.ok(took < 30_000, `events in flight at the kill were redelivered in ${took} ms (the old 60 s ackWait would stall them)`);
    const got = paramValues(wfs, 'item');
    assert.deepEqual(duplicates(got), []);
    assert.deepEqual(got, values);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- server log ---\n${weir?.log().slice(-3000) ?? ''}`, { cause: e });
  } finally {
    await weir?.stop();
  }
});
