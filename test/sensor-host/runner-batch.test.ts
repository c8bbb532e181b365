// Integration: a SensorRunner handling many events at once for a trigger without `&` (they are processed as one
// batch: firings at once, one state save, then the acks), on a real NATS JetStream key-value store. One failing
// firing redelivers only its own event; a failed state save redelivers them all without a second Workflow; the same
// event delivered twice at once fires once even for a trigger whose target cannot de-duplicate (log).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import { createJetStreamBus } from '../../src/bus/jetstream-bus.js';
import type { BusMessage, EventBus, KeyValueStore } from '../../src/bus/types.js';
import type { Sensor } from '../../src/api/sensor.js';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { WeirError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import type { RecordingLogger } from '../../src/core/logger.js';
import { HistoryWriter } from '../../src/sensor-host/history.js';
import type { HistoryRecord } from '../../src/sensor-host/history.js';
import { realClock } from '../../src/sensor-host/policy.js';
import { storeResourceOps } from '../../src/sensor-host/runtime.js';
import { SensorRunner } from '../../src/sensor-host/sensor-runner.js';
import { STATE_BUCKET, stateKey } from '../../src/sensor-host/state-store.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { ResourceStore } from '../../src/store/types.js';
import { startNatsServer } from '../helpers/nats-server.js';
import type { NatsServer } from '../helpers/nats-server.js';

const SENSOR = (name: string, trigger: string): Sensor =>
  parse(`
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: { name: ${name}, namespace: demo }
spec:
  dependencies:
    - { name: order, eventSourceName: shop, eventName: order }
  triggers:
    - template:
        name: handle
${trigger}
`) as Sensor;

const SUBMIT = `        argoWorkflow:
          operation: submit
          source:
            resource:
              apiVersion: argoproj.io/v1alpha1
              kind: Workflow
              metadata: { generateName: handle- }
              spec:
                entrypoint: main
                arguments: { parameters: [{ name: order }] }
                templates: [{ name: main, suspend: {} }]
          parameters:
            - { src: { dependencyName: order, dataKey: body.id }, dest: spec.arguments.parameters.0.value }`;

const LOG = '        log: {}';

const ev = (orderId: string, id: string = randomUUID()): CloudEvent =>
  makeCloudEvent({
    id,
    source: 'shop',
    subject: 'order',
    type: 'webhook',
    time: new Date().toISOString(),
    data: { body: { id: orderId } },
  });

let nats: NatsServer;
before(async () => {
  nats = await startNatsServer();
});
after(async () => {
  await nats?.close();
});

interface Rig {
  runner: SensorRunner;
  store: ResourceStore;
  log: RecordingLogger;
  records: HistoryRecord[];
  settled: string[];
  /** Fails the next `n` state writes. */
  failPuts(n: number): void;
  /** Delivers the events at once (delivery count `n`); resolves when every one is acked or nakked. */
  deliver(events: readonly CloudEvent[], n?: number): Promise<void>;
  orders(): Promise<string[]>;
  /** Overwrites the stored state of trigger `handle` with `value`. */
  writeState(value: string): Promise<void>;
}

async function rig(bus: EventBus, trigger: string, store: ResourceStore = createMemoryStore()): Promise<Rig> {
  const name = `b-${randomUUID().slice(0, 8)}`;
  const realKv = await bus.kv(STATE_BUCKET);
  let failing = 0;
  const kv: KeyValueStore = {
    get: (k) => realKv.get(k),
    put: (k, v, o) =>
      failing-- > 0 ? Promise.reject(new WeirError('BUS_UNAVAILABLE', 'simulated crash before the state write')) : realKv.put(k, v, o),
    delete: (k) => realKv.delete(k),
    keys: (p) => realKv.keys(p),
  };
  const log = createRecordingLogger();
  const records: HistoryRecord[] = [];
  const settled: string[] = [];
  const runner = new SensorRunner({
    sensor: SENSOR(name, trigger),
    bus,
    kv,
    log,
    clock: realClock,
    maxDeliveries: 5,
    redeliveryDelayMs: () => 0,
    ackWaitMs: 30_000,
    history: new HistoryWriter({ store, log }, 'demo', name),
    runtime: {
      resources: storeResourceOps({ store, log }),
      fetch,
      kafka: { publish: () => Promise.resolve() },
      nats: { publish: () => Promise.resolve() },
    },
    onDecisions: (r) => void records.push(...r),
  });
  const msg = (event: CloudEvent, deliveryCount: number, seq: number): BusMessage => ({
    event,
    seq,
    deliveryCount,
    ack: () => {
      settled.push(`ack:${String((event.data as { body: { id: string } }).body.id)}`);
      return Promise.resolve();
    },
    nak: () => {
      settled.push(`nak:${String((event.data as { body: { id: string } }).body.id)}`);
      return Promise.resolve();
    },
    term: () => Promise.resolve(),
    working: () => Promise.resolve(),
  });
  const signal = new AbortController().signal;
  return {
    runner,
    store,
    log,
    records,
    settled,
    failPuts: (n) => void (failing = n),
    deliver: async (events, n = 1) => {
      await Promise.all(events.map((e, i) => runner.handle(msg(e, n, i + 1), signal)));
    },
    writeState: async (value) => void (await realKv.put(stateKey('demo', name, 'handle'), value)),
    orders: async () =>
      (await store.list('Workflow', { namespace: 'demo' })).items
        .map((w) => String((w.spec as { arguments: { parameters: { value: string }[] } }).arguments.parameters[0].value))
        .sort(),
  };
}

describe('events handled at once for a trigger without &', () => {
  let bus: EventBus;
  before(async () => {
    bus = await createJetStreamBus({ url: nats.url, name: `rb-${randomUUID().slice(0, 8)}`, publishTimeoutMs: 3000 });
  });
  after(async () => {
    await bus?.close();
  });

  test('one failing firing redelivers only its own event; every event ends with exactly one Workflow', async () => {
    const base = createMemoryStore();
    let failNext = true;
    // A store whose create fails once for order o-3 (say a transient disk error).
    const create: ResourceStore['create'] = (kind, obj) => {
      const value = ((obj as { spec?: unknown }).spec as { arguments?: { parameters?: { value?: string }[] } } | undefined)?.arguments
        ?.parameters?.[0]?.value;
      if (kind === 'Workflow' && value === 'o-3' && failNext) {
        failNext = false;
        return Promise.reject(new WeirError('IO_ERROR', 'simulated disk error'));
      }
      return base.create(kind, obj);
    };
    const store = new Proxy(base, {
      get: (target, prop): unknown => {
        if (prop === 'create') return create;
        const v: unknown = Reflect.get(target, prop);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const r = await rig(bus, SUBMIT, store);
    const events = ['o-1', 'o-2', 'o-3', 'o-4', 'o-5'].map((o) => ev(o));
    await r.deliver(events);
    assert.deepEqual([...r.settled].sort(), ['ack:o-1', 'ack:o-2', 'ack:o-4', 'ack:o-5', 'nak:o-3']);
    assert.deepEqual(await r.orders(), ['o-1', 'o-2', 'o-4', 'o-5']);
    // The redelivery of o-3 fires; redeliveries of the others (say their acks were lost) are de-duplicated.
    r.settled.length = 0;
    await r.deliver([events[2], events[0], events[4]], 2);
    assert.deepEqual([...r.settled].sort(), ['ack:o-1', 'ack:o-3', 'ack:o-5']);
    assert.deepEqual(await r.orders(), ['o-1', 'o-2', 'o-3', 'o-4', 'o-5']);
    const again = r.records
      .filter((d) => d.type === 'deduplicated')
      .map((d) => d.eventId)
      .sort();
    assert.deepEqual(again, [events[0].id, events[4].id].sort());
  });

  test('a failed state write after the Workflows were created redelivers the events; no second Workflow', async () => {
    const r = await rig(bus, SUBMIT);
    const events = ['p-1', 'p-2', 'p-3'].map((o) => ev(o));
    r.failPuts(1);
    await r.deliver(events);
    assert.deepEqual([...r.settled].sort(), ['nak:p-1', 'nak:p-2', 'nak:p-3']);
    assert.deepEqual(await r.orders(), ['p-1', 'p-2', 'p-3'], 'created before the failed state write');
    r.settled.length = 0;
    await r.deliver(events, 2);
    assert.deepEqual([...r.settled].sort(), ['ack:p-1', 'ack:p-2', 'ack:p-3']);
    assert.deepEqual(await r.orders(), ['p-1', 'p-2', 'p-3']);
    assert.equal(r.records.filter((d) => d.stage === 'execute' && d.type === 'deduplicated').length, 3);
  });

  test('the same event delivered twice at once fires a log trigger once', async () => {
    const r = await rig(bus, LOG);
    const twice = ev('q-1');
    await r.deliver([ev('q-0'), twice, ev('q-2'), twice]);
    assert.deepEqual([...r.settled].sort(), ['ack:q-0', 'ack:q-1', 'ack:q-1', 'ack:q-2']);
    const logged = r.log.at('info', 'log trigger').map((l) => (l.obj.events as { order: { id: string } }).order.id);
    assert.equal(logged.filter((id) => id === twice.id).length, 1);
    assert.equal(logged.length, 3);
  });

  test('a corrupt stored trigger state is logged with the sensor and trigger, then the trigger starts afresh', async () => {
    const r = await rig(bus, SUBMIT);
    await r.writeState('{"deps": not json');
    await r.deliver([ev('c-1')]);
    assert.deepEqual(r.settled, ['ack:c-1']);
    assert.deepEqual(await r.orders(), ['c-1']);
    const [rec] = r.log.at('error', 'stored trigger state is corrupt');
    assert.ok(rec, 'an error record for the corrupt state');
    assert.equal(rec.obj.trigger, 'handle');
    assert.match(String(rec.obj.sensor), /^b-/);
    assert.equal(rec.obj.namespace, 'demo');
    assert.match(String(rec.obj.err), /JSON/);
  });
});
