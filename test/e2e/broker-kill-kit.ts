// The broker acceptance scenario shared by the amqp, mqtt, redisStream and nats tests: a spawned `weir server` with
// an EventSource for the broker and a Sensor submitting one Workflow per message (the message's `id` field as a
// parameter); 100 messages, the server SIGKILLed halfway and restarted, more messages sent while it is down; then
// exactly 100 Workflows, one per message, and still 100 after a quiet period.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startNatsServer } from '../helpers/nats-server.js';
import { duplicates, eventually, paramValues, sensorYaml, spawnWeir, tempDir, workflowsOf } from './events-kit.js';
import type { SpawnedWeir } from './events-kit.js';

export interface KillScenario {
  /** Sensor and EventSource name. */
  name: string;
  /** The EventSource manifest (event name `msg`). */
  eventSourceYaml: string;
  /** Where the message's id is in the event data (e.g. body.id, values.id). */
  dataKey: string;
  /** Waits until the source consumes (e.g. a consumer on the queue), given the server. */
  ready: (weir: SpawnedWeir) => Promise<void>;
  /** Sends messages with ids id(from) .. id(to-1); each carries `{ id }`. */
  send: (from: number, to: number) => Promise<void>;
  /** Uses this NATS bus URL instead of starting one (the nats source test shares its server). */
  busUrl?: string;
}

export const N = 100;
export const msgId = (i: number): string => `m-${String(i).padStart(3, '0')}`;

export async function runKillScenario(s: KillScenario): Promise<void> {
  await using nats = s.busUrl === undefined ? await startNatsServer() : undefined;
  const busUrl = s.busUrl ?? nats!.url;
  await using tmp = await tempDir(s.name);
  const manifests = [
    await tmp.file('es.yaml', s.eventSourceYaml),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: s.name,
        deps: [{ name: 'm', eventSourceName: s.name, eventName: 'msg' }],
        params: { id: { dependencyName: 'm', dataKey: s.dataKey } },
      }),
    ),
  ];
  const dataDir = join(tmp.dir, 'data');
  let weir: SpawnedWeir | undefined;
  try {
    weir = await spawnWeir({ dataDir, busUrl, manifests });
    await s.ready(weir);
    await s.send(0, N / 2);
    await eventually(async () => (await workflowsOf(weir!.url, s.name)).length >= 5, {
      timeoutMs: 30_000,
      everyMs: 5,
      what: 'the first workflows',
    });
    await weir.kill();
    await s.send(N / 2, N);
    weir = await spawnWeir({ dataDir, busUrl, manifests });
    const wfs = await eventually(
      async () => {
        const w = await workflowsOf(weir!.url, s.name);
        return w.length >= N && w;
      },
      { timeoutMs: 120_000, everyMs: 200, what: `${N} workflows` },
    );
    // A quiet period: redeliveries of messages in flight at the kill must not add Workflows.
    await new Promise((r) => setTimeout(r, 3000));
    const final = await workflowsOf(weir.url, s.name);
    const ids = paramValues(final, 'id');
    assert.deepEqual(duplicates(ids), [], 'no message twice');
    assert.equal(final.length, N, `exactly ${N} workflows (had ${wfs.length} when ${N} were first seen)`);
    assert.deepEqual(
      ids,
      Array.from({ length: N }, (_, i) => msgId(i)),
    );
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- server log ---\n${weir?.log().slice(-4000) ?? ''}`, { cause: e });
  } finally {
    await weir?.stop();
  }
}
