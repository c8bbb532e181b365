// Integration: the sensor host on a real NATS JetStream bus (test/helpers/nats-server.ts) with the memory and SQLite
// stores, and on the embedded bus. Events in → Workflows created with resolved parameters; a redelivered completing event finds the Workflow
// already there (deduplicated, no second Workflow); a host restart between `a` and `b` fires exactly once; and
// `weir sensor test` over the exported events prints exactly the live evaluation decisions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createEmbeddedBus } from '../../src/bus/embedded-bus.js';
import { createJetStreamBus } from '../../src/bus/jetstream-bus.js';
import type { BusMessage, EventBus, KeyValueStore } from '../../src/bus/types.js';
import type { Sensor } from '../../src/api/sensor.js';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { WeirError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { memoryIo } from '../../src/cli/io.js';
import { sensorTest } from '../../src/cli/sensor-tools.js';
import { HistoryWriter, readHistory } from '../../src/sensor-host/history.js';
import type { HistoryRecord } from '../../src/sensor-host/history.js';
import { SensorHost } from '../../src/sensor-host/host.js';
import { realClock } from '../../src/sensor-host/policy.js';
import { storeResourceOps } from '../../src/sensor-host/runtime.js';
import { SensorRunner } from '../../src/sensor-host/sensor-runner.js';
import { STATE_BUCKET } from '../../src/sensor-host/state-store.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import type { NewObjectOf, ResourceStore, StoredObject } from '../../src/store/types.js';
import { startNatsServer } from '../helpers/nats-server.js';
import type { NatsServer } from '../helpers/nats-server.js';
import { eventually } from '../helpers/eventually.js';

const SENSOR_YAML = (name: string): string => `
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: ${name}
  namespace: demo
spec:
  dependencies:
    - name: a
      eventSourceName: shop
      eventName: order
      jetStream: { deliverPolicy: all }
    - name: b
      eventSourceName: shop
      eventName: payment
      filters:
        data:
          - { path: body.amount, type: number, value: ["0"], comparator: ">" }
  triggers:
    - template:
        name: fulfil
        conditions: "a && b"
        argoWorkflow:
          operation: submit
          source:
            resource:
              apiVersion: argoproj.io/v1alpha1
              kind: Workflow
              metadata:
                generateName: fulfil-
              spec:
                entrypoint: main
                arguments:
                  parameters: [{ name: order }, { name: amount }]
                templates:
                  - name: main
                    container: { image: alpine, command: [echo, "{{workflow.parameters.order}}"] }
          parameters:
            - src: { dependencyName: a, dataKey: body.id }
              dest: spec.arguments.parameters.0.value
            - src: { dependencyName: b, dataTemplate: "{{ .Input.body.amount }} {{ .Input.body.currency | upper }}" }
              dest: spec.arguments.parameters.1.value
`;

const ev = (subject: string, data: unknown): CloudEvent =>
  makeCloudEvent({ id: randomUUID(), source: 'shop', subject, type: 'webhook', time: new Date().toISOString(), data });

async function workflowsOf(store: ResourceStore, sensor: string): Promise<StoredObject[]> {
  return (await store.list('Workflow', { namespace: 'demo', labelSelector: `events.weir.dev/sensor=${sensor}` })).items;
}

let nats: NatsServer;
before(async () => {
  nats = await startNatsServer();
});
after(async () => {
  await nats?.close();
});

const newBus = (name: string): Promise<EventBus> => createJetStreamBus({ url: nats.url, name, publishTimeoutMs: 3000 });

interface Harness {
  store: ResourceStore;
  cleanup(): Promise<void>;
}

const stores: [string, () => Promise<Harness>][] = [
  ['memory', () => Promise.resolve({ store: createMemoryStore(), cleanup: () => Promise.resolve() })],
  [
    'sqlite',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'weir-sensor-'));
      const store = createSqliteStore({ dataDir: dir });
      return {
        store,
        cleanup: async () => {
          await store.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  ],
];

function startHost(store: ResourceStore, bus: EventBus, records: HistoryRecord[]): { stop(): Promise<void> } {
  const ac = new AbortController();
  const host = new SensorHost({
    store,
    bus,
    logger: createRecordingLogger(),
    redeliveryDelayMs: () => 100,
    onDecisions: (_s, r) => void records.push(...r),
  });
  const done = host.run(ac.signal);
  return {
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

for (const [kind, make] of stores) {
  describe(`sensor host on JetStream (${kind} store)`, () => {
    test('events in → one Workflow with resolved parameters; weir sensor test reproduces the live decisions', async () => {
      const h = await make();
      const bus = await newBus(`sn-${randomUUID().slice(0, 8)}`);
      const records: HistoryRecord[] = [];
      const host = startHost(h.store, bus, records);
      try {
        const name = `pair-${kind}`;
        await h.store.create('Sensor', parse(SENSOR_YAML(name)) as NewObjectOf<'Sensor'>);
        const events = [
          ev('payment', { body: { amount: 0 } }),
          ev('order', { body: { id: 'o-1' } }),
          ev('payment', { body: { amount: 12.5, currency: 'eur' } }),
          ev('order', { body: { id: 'o-2' } }),
        ];
        for (const e of events) await bus.publish(e);
        const wfs = await eventually(
          async () => {
            const w = await workflowsOf(h.store, name);
            return w.length === 1 && w;
          },
          { timeoutMs: 15_000, what: 'one workflow' },
        );
        await eventually(() => Promise.resolve(records.filter((r) => r.stage === 'evaluate' && r.eventId === events[3].id).length > 0), {
          timeoutMs: 15_000,
          what: 'last event processed',
        });
        const wf = wfs[0];
        const params = (wf.spec as { arguments: { parameters: { name: string; value: string }[] } }).arguments.parameters;
        assert.deepEqual(
          params.map((p) => p.value),
          ['o-1', '12.5 EUR'],
        );
        assert.match(wf.metadata.name, /^fulfil-[0-9a-f]{10}$/);
        assert.equal(wf.metadata.labels?.['events.weir.dev/trigger'], 'fulfil');
        assert.deepEqual(JSON.parse(String(wf.metadata.annotations?.['events.weir.dev/events'])), { a: events[1].id, b: events[2].id });
        const kinds = records.map((r) => `${r.stage}:${r.type}`);
        assert.deepEqual(kinds, [
          'evaluate:filtered-out',
          'evaluate:matched',
          'evaluate:waiting',
          'evaluate:matched',
          'evaluate:triggered',
          'execute:done',
          'evaluate:matched',
          'evaluate:waiting',
        ]);

        // The recorded history exports events that `weir sensor test -o json` turns into the same decisions.
        const hist = await eventually(
          async () => {
            const x = await readHistory(h.store, 'demo', name);
            return x.events.length === 4 && x;
          },
          { timeoutMs: 15_000, what: 'history written' },
        );
        assert.deepEqual(hist.decisions, records);
        assert.equal(hist.status.events, 4);
        const dir = await mkdtemp(join(tmpdir(), 'weir-sensor-test-'));
        try {
          await writeFile(join(dir, 'sensor.yaml'), SENSOR_YAML(name));
          await writeFile(join(dir, 'events.jsonl'), hist.events.map((e) => JSON.stringify(e)).join('\n') + '\n');
          const io = memoryIo({}, dir);
          assert.equal(await sensorTest(['sensor.yaml', '--events', 'events.jsonl', '-o', 'json'], io), 0, io.err);
          const offline = io.out
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as HistoryRecord);
          assert.deepEqual(
            offline,
            hist.decisions.filter((d) => d.stage === 'evaluate'),
          );
          const text = memoryIo({}, dir);
          assert.equal(await sensorTest(['sensor.yaml', '--events', 'events.jsonl'], text), 0);
          assert.match(text.out, new RegExp(`TRIGGERED \\(key [0-9a-f]{10}\\): submit Workflow demo/${wf.metadata.name}`));
          assert.match(text.out, /"value": "12.5 EUR"/);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      } finally {
        await host.stop();
        await bus.close();
        await h.cleanup();
      }
    });

    test('restart between a and b: the pair fires exactly once', async () => {
      const h = await make();
      const busName = `sn-${randomUUID().slice(0, 8)}`;
      const name = `restart-${kind}`;
      await h.store.create('Sensor', parse(SENSOR_YAML(name)) as NewObjectOf<'Sensor'>);
      const records: HistoryRecord[] = [];
      let bus = await newBus(busName);
      let host = startHost(h.store, bus, records);
      try {
        const a = ev('order', { body: { id: 'o-9' } });
        await bus.publish(a);
        await eventually(() => Promise.resolve(records.some((r) => r.type === 'waiting' && r.eventId === a.id)), {
          timeoutMs: 15_000,
          what: 'a waiting',
        });
        await host.stop();
        await bus.close();
        bus = await newBus(busName);
        host = startHost(h.store, bus, records);
        const b = ev('payment', { body: { amount: 5, currency: 'usd' } });
        await bus.publish(b);
        const wfs = await eventually(
          async () => {
            const w = await workflowsOf(h.store, name);
            return w.length > 0 && w;
          },
          { timeoutMs: 15_000, what: 'workflow after restart' },
        );
        await eventually(() => Promise.resolve(records.some((r) => r.type === 'done')), { timeoutMs: 15_000, what: 'done' });
        assert.equal(wfs.length, 1);
        assert.deepEqual(
          (wfs[0].spec as { arguments: { parameters: { value: string }[] } }).arguments.parameters.map((p) => p.value),
          ['o-9', '5 USD'],
        );
        assert.equal(records.filter((r) => r.type === 'triggered').length, 1);
      } finally {
        await host.stop();
        await bus.close();
        await h.cleanup();
      }
    });
  });
}

describe('sensor host on the embedded bus', () => {
  test('restart (bus reopened from its file) between a and b: the pair fires exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-sensor-embedded-'));
    const store = createMemoryStore();
    const records: HistoryRecord[] = [];
    let bus: EventBus = createEmbeddedBus({ dataDir: dir });
    let host = startHost(store, bus, records);
    try {
      await store.create('Sensor', parse(SENSOR_YAML('embedded')) as NewObjectOf<'Sensor'>);
      const a = ev('order', { body: { id: 'o-e' } });
      await bus.publish(a);
      await eventually(() => Promise.resolve(records.some((r) => r.type === 'waiting' && r.eventId === a.id)), {
        timeoutMs: 15_000,
        what: 'a waiting',
      });
      await host.stop();
      await bus.close();
      bus = createEmbeddedBus({ dataDir: dir });
      host = startHost(store, bus, records);
      await bus.publish(ev('payment', { body: { amount: 3, currency: 'gbp' } }));
      await eventually(() => Promise.resolve(records.some((r) => r.type === 'done')), { timeoutMs: 15_000, what: 'done' });
      const wfs = await workflowsOf(store, 'embedded');
      assert.equal(wfs.length, 1);
      assert.deepEqual(
        (wfs[0].spec as { arguments: { parameters: { value: string }[] } }).arguments.parameters.map((p) => p.value),
        ['o-e', '3 GBP'],
      );
    } finally {
      await host.stop();
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('delivery contract (runner with real KV)', () => {
  test('a crash after the Workflow was created but before state was saved: the redelivery is deduplicated, no second Workflow', async () => {
    const bus = await newBus(`sn-${randomUUID().slice(0, 8)}`);
    const store = createMemoryStore();
    try {
      const realKv = await bus.kv(STATE_BUCKET);
      let failPuts = 0;
      const kv: KeyValueStore = {
        get: (k) => realKv.get(k),
        put: (k, v, o) =>
          failPuts-- > 0 ? Promise.reject(new WeirError('BUS_UNAVAILABLE', 'simulated crash before the state write')) : realKv.put(k, v, o),
        delete: (k) => realKv.delete(k),
        keys: (p) => realKv.keys(p),
      };
      const sensor = parse(SENSOR_YAML('crashy')) as Sensor;
      const log = createRecordingLogger();
      const records: HistoryRecord[] = [];
      const runner = new SensorRunner({
        sensor,
        bus,
        kv,
        log,
        clock: realClock,
        maxDeliveries: 5,
        redeliveryDelayMs: () => 0,
        ackWaitMs: 30_000,
        history: new HistoryWriter({ store, log }, 'demo', 'crashy'),
        runtime: {
          resources: storeResourceOps({ store, log }),
          fetch,
          kafka: { publish: () => Promise.resolve() },
          nats: { publish: () => Promise.resolve() },
        },
        onDecisions: (r) => void records.push(...r),
      });
      const acks: string[] = [];
      const msg = (event: CloudEvent, deliveryCount: number): BusMessage => ({
        event,
        seq: 1,
        deliveryCount,
        ack: () => {
          acks.push(`ack:${event.id}:${deliveryCount}`);
          return Promise.resolve();
        },
        nak: () => {
          acks.push(`nak:${event.id}:${deliveryCount}`);
          return Promise.resolve();
        },
        term: () => Promise.resolve(),
        working: () => Promise.resolve(),
      });
      const signal = new AbortController().signal;
      const a = ev('order', { body: { id: 'o-3' } });
      const b = ev('payment', { body: { amount: 1, currency: 'chf' } });
      await runner.handle(msg(a, 1), signal);
      failPuts = 1;
      await runner.handle(msg(b, 1), signal);
      assert.equal((await store.list('Workflow', {})).items.length, 1, 'created before the failed state write');
      await runner.handle(msg(b, 2), signal);
      assert.equal((await store.list('Workflow', {})).items.length, 1, 'no duplicate');
      assert.deepEqual(acks, [`ack:${a.id}:1`, `nak:${b.id}:1`, `ack:${b.id}:2`]);
      const second = records.filter((r) => r.eventId === b.id).map((r) => `${r.stage}:${r.type}`);
      assert.deepEqual(second, [
        'evaluate:matched',
        'evaluate:triggered',
        'execute:done',
        'execute:failed',
        'evaluate:matched',
        'evaluate:triggered',
        'execute:deduplicated',
      ]);
      // And the state is now clear: the next b waits for a new a.
      await runner.handle(msg(ev('payment', { body: { amount: 2, currency: 'x' } }), 1), signal);
      assert.equal(records[records.length - 1].type, 'waiting');
    } finally {
      await bus.close();
    }
  });
});
