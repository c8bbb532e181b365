// NATS event source against an own nats-server (the user's NATS, not the bus): core subjects with a queue group
// (Argo's payload with headers; Nats-Msg-Id as the event id) and JetStream consumers (a restart mid-stream loses and
// doubles nothing, messages acknowledged only after the bus), and the conformance suite.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { headers } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { createNatsSource } from '../../eventsources/nats.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { runEventSourceConformance } from './conformance.js';
import { FakeBus, eventually, runAdapter } from './kit.js';

const server = await startNatsServer();
const nc = await connect({ servers: server.url });
after(async () => {
  await nc.close();
  await server.close();
});
const uniq = (p: string): string => `${p}_${randomUUID().slice(0, 8)}`;
const started = (r: { log: { records: { msg?: string }[] } }, msg: string): Promise<unknown> =>
  eventually(() => r.log.records.some((l) => l.msg === msg), { timeoutMs: 10_000, what: msg });

const confSubject = uniq('conf');
runEventSourceConformance({
  kind: 'nats',
  adapter: createNatsSource,
  spec: () => ({ url: server.url, subject: `${confSubject}.>`, jsonBody: true }),
  invalid: {
    'no url': { subject: 's' },
    'no subject': { url: 'nats://h:4222' },
    'empty queue': { url: 'nats://h:4222', subject: 's', queue: '' },
    'jetStream without stream': { url: 'nats://h:4222', subject: 's', jetStream: {} },
  },
  ready: (r) => started(r, 'nats subscriber started').then(() => undefined),
  trigger: async (_spec, n) => {
    for (let i = 0; i < n; i++) nc.publish(`${confSubject}.a`, JSON.stringify({ n: i }));
    await nc.flush();
  },
});

describe('nats event source', () => {
  test('core subject with a queue group: Argo payload with headers; Nats-Msg-Id makes the event id', async () => {
    const subject = uniq('core');
    const bus = new FakeBus();
    const r = runAdapter({
      adapter: createNatsSource(),
      spec: { url: server.url, subject, queue: 'workers', jsonBody: true, metadata: { m: '1' } },
      bus,
      eventName: 'core',
    });
    await started(r, 'nats subscriber started');
    const h = headers();
    h.set('Nats-Msg-Id', 'order-1');
    nc.publish(subject, JSON.stringify({ a: 1 }), { headers: h });
    nc.publish(subject, JSON.stringify({ a: 1 }), { headers: h });
    nc.publish(subject, JSON.stringify({ a: 2 }));
    await nc.flush();
    await eventually(() => bus.publishes >= 3, { timeoutMs: 10_000, what: '3 publishes' });
    await r.stop();
    assert.equal(bus.events.length, 2, 'the repeated Nats-Msg-Id is one event');
    assert.ok(bus.events[0].id.endsWith('/core/msgid:order-1'));
    assert.deepEqual(bus.events[0].data, { subject, body: { a: 1 }, header: { 'Nats-Msg-Id': ['order-1'] }, metadata: { m: '1' } });
    assert.deepEqual(bus.events[1].data, { subject, body: { a: 2 }, metadata: { m: '1' } });
  });

  test('jetStream: 100 messages -> 100 events; a restart mid-stream loses and doubles none', async () => {
    const stream = uniq('ORDERS');
    const subject = `${stream}.placed`;
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    const js = jetstream(nc);
    for (let i = 0; i < 100; i++) await js.publish(subject, JSON.stringify({ n: i }));
    const spec = { url: server.url, subject, jsonBody: true, jetStream: { stream } };
    const bus = new FakeBus();
    let stalled = false;
    bus.gate = async () => {
      if (stalled || bus.events.length >= 30) {
        stalled = true;
        await new Promise((res) => setTimeout(res, 500));
      }
    };
    let r = runAdapter({ adapter: createNatsSource(), spec, bus, name: 'jsorders', eventName: 'orders' });
    await eventually(() => bus.events.length >= 30, { timeoutMs: 10_000, what: '30 events' });
    await r.stop();
    assert.ok(bus.events.length < 100);
    bus.gate = undefined;
    r = runAdapter({ adapter: createNatsSource(), spec, bus, name: 'jsorders', eventName: 'orders' });
    await eventually(() => bus.events.length >= 100, { timeoutMs: 40_000, what: '100 events' });
    await eventually(async () => (await jsm.consumers.info(stream, 'weir-jsorders-orders')).num_ack_pending === 0, {
      timeoutMs: 40_000,
      what: 'all acknowledged',
    });
    await r.stop();
    assert.equal(bus.events.length, 100);
    assert.deepEqual(
      bus.events.map((e) => (e.data as { body: { n: number } }).body.n).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.match(bus.events[0].id, new RegExp(`/orders/${stream}:\\d+$`));
  });
});
