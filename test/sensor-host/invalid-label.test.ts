// A sensor trigger that copies event data into a label: a value Kubernetes would refuse (here from an order id with a
// space) fails the firing as Argo's create fails — INVALID_SPEC naming the label, recorded as failed without retries,
// the event acked, no Workflow stored — while a valid value creates the Workflow with that label.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import { createEmbeddedBus } from '../../src/bus/embedded-bus.js';
import type { EmbeddedBus } from '../../src/bus/embedded-bus.js';
import type { BusMessage } from '../../src/bus/types.js';
import type { Sensor } from '../../src/api/sensor.js';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { HistoryWriter } from '../../src/sensor-host/history.js';
import type { HistoryRecord } from '../../src/sensor-host/history.js';
import { realClock } from '../../src/sensor-host/policy.js';
import { storeResourceOps } from '../../src/sensor-host/runtime.js';
import { SensorRunner } from '../../src/sensor-host/sensor-runner.js';
import { STATE_BUCKET } from '../../src/sensor-host/state-store.js';
import { createMemoryStore } from '../../src/store/memory-store.js';

const SENSOR = `
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: { name: orders, namespace: demo }
spec:
  dependencies:
    - { name: order, eventSourceName: shop, eventName: order }
  triggers:
    - template:
        name: handle
        argoWorkflow:
          operation: submit
          source:
            resource:
              apiVersion: argoproj.io/v1alpha1
              kind: Workflow
              metadata: { generateName: handle-, labels: { order: placeholder } }
              spec: { entrypoint: main, templates: [{ name: main, suspend: {} }] }
          parameters:
            - { src: { dependencyName: order, dataKey: body.id }, dest: metadata.labels.order }
`;

const ev = (orderId: string): CloudEvent =>
  makeCloudEvent({
    id: randomUUID(),
    source: 'shop',
    subject: 'order',
    type: 'webhook',
    time: new Date().toISOString(),
    data: { body: { id: orderId } },
  });

describe('a label value taken from event data', () => {
  let bus: EmbeddedBus;
  before(() => {
    bus = createEmbeddedBus({ path: ':memory:', name: `lbl-${randomUUID().slice(0, 8)}` });
  });
  after(async () => {
    await bus.close();
  });

  test('an invalid value fails the firing (INVALID_SPEC naming the label, no retry, acked); a valid one is stored', async () => {
    const store = createMemoryStore();
    const log = createRecordingLogger();
    const records: HistoryRecord[] = [];
    const runner = new SensorRunner({
      sensor: parse(SENSOR) as Sensor,
      bus,
      kv: await bus.kv(STATE_BUCKET),
      log,
      clock: realClock,
      maxDeliveries: 5,
      redeliveryDelayMs: () => 0,
      ackWaitMs: 30_000,
      history: new HistoryWriter({ store, log }, 'demo', 'orders'),
      runtime: {
        resources: storeResourceOps({ store, log }),
        fetch,
        kafka: { publish: () => Promise.resolve() },
        nats: { publish: () => Promise.resolve() },
      },
      onDecisions: (r) => void records.push(...r),
    });
    const settled: string[] = [];
    const deliver = (event: CloudEvent): Promise<void> => {
      const msg: BusMessage = {
        event,
        seq: 1,
        deliveryCount: 1,
        ack: () => {
          settled.push('ack');
          return Promise.resolve();
        },
        nak: () => {
          settled.push('nak');
          return Promise.resolve();
        },
        term: () => Promise.resolve(),
        working: () => Promise.resolve(),
      };
      return runner.handle(msg, new AbortController().signal);
    };

    const bad = ev('A 17; rm -rf /');
    await deliver(bad);
    assert.deepEqual(settled, ['ack'], 'not redelivered: no retry can fix the data');
    const failed = records.filter((d) => d.type === 'failed' && d.eventId === bad.id);
    assert.equal(failed.length, 1, JSON.stringify(records));
    const f = failed[0] as HistoryRecord & { error: string; retry: boolean };
    assert.match(f.error, /invalid value "A 17; rm -rf \/" for label "order"/);
    assert.equal(f.retry, false);
    assert.deepEqual((await store.list('Workflow', { namespace: 'demo' })).items, []);

    await deliver(ev('A-17'));
    const wfs = (await store.list('Workflow', { namespace: 'demo' })).items;
    assert.equal(wfs.length, 1);
    assert.equal(wfs[0].metadata.labels?.order, 'A-17');
  });
});
