// Webhook event source over real HTTP: through the host with a real JetStream bus (payload, auth, HMAC, limits,
// idempotency keys, shared port, /health, EventSource updates and deletion), the response held until the bus acks,
// 503 while NATS is stopped, and the conformance suite.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createWebhookSource } from '../../eventsources/webhook.js';
import { createJetStreamBus } from '../../src/bus/jetstream-bus.js';
import type { EventBus } from '../../src/bus/types.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { createEventSourceHost } from '../../src/eventsource-host/host.js';
import type { EventSourceHost } from '../../src/eventsource-host/host.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { freePort, startNatsServer } from '../helpers/nats-server.js';
import type { NatsServer } from '../helpers/nats-server.js';
import { runEventSourceConformance } from './conformance.js';
import { FakeBus, busEvents, eventually, runAdapter } from './kit.js';

const confPort = await freePort();
runEventSourceConformance({
  kind: 'webhook',
  adapter: createWebhookSource,
  spec: () => ({ port: String(confPort), endpoint: '/conf', method: 'POST' }),
  invalid: {
    'no endpoint': { port: '12000', method: 'POST' },
    'endpoint without slash': { port: '12000', endpoint: 'push', method: 'POST' },
    'port out of range': { port: '70000', endpoint: '/x', method: 'POST' },
    'lower-case method': { port: '12000', endpoint: '/x', method: 'post' },
  },
  ready: () =>
    eventually(async () => (await fetch(`http://127.0.0.1:${confPort}/health`).catch(() => undefined))?.ok).then(() => undefined),
  trigger: async (_spec, n) => {
    for (let i = 0; i < n; i++) await fetch(`http://127.0.0.1:${confPort}/conf`, { method: 'POST', body: JSON.stringify({ i }) });
  },
});

describe('webhook through the host with a JetStream bus', () => {
  let nats: NatsServer;
  let bus: EventBus;
  let host: EventSourceHost;
  const ac = new AbortController();
  let running: Promise<void>;
  let port: number;
  let base: string;
  const store = createMemoryStore();
  const es = `hooks-${randomUUID().slice(0, 6)}`;
  const spec = (endpoint = '/push') => ({
    webhook: {
      push: {
        port: String(port),
        endpoint,
        method: 'POST',
        authSecret: { name: 'hook-token', key: 'token' },
        metadata: { team: 'payments' },
      },
      signed: {
        port: String(port),
        endpoint: '/signed',
        method: 'POST',
        hmac: { secret: { name: 'hook-token', key: 'hmac' }, header: 'X-Signature', prefix: 'sha256=' },
      },
      small: { port: String(port), endpoint: '/small', method: 'POST', maxPayloadSize: 100 },
      query: { port: String(port), endpoint: '/query', method: 'GET' },
    },
  });

  before(async () => {
    nats = await startNatsServer();
    bus = await createJetStreamBus({ url: nats.url, name: `wh-${randomUUID().slice(0, 8)}`, publishTimeoutMs: 2000 });
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await store.create('Secret', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'hook-token', namespace: 'default' },
      data: { token: Buffer.from('s3cret').toString('base64') },
      stringData: { hmac: 'hmac-key' },
    });
    host = createEventSourceHost({
      store,
      bus,
      logger: createRecordingLogger(),
      publishTimeoutMs: 1000,
      publishAttempts: 2,
      publishBackoffMs: 50,
    });
    running = host.run(ac.signal);
    await store.create('EventSource', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'EventSource',
      metadata: { name: es, namespace: 'default' },
      spec: spec(),
    });
    await eventually(() => host.webhookRoutes().find((r) => r.port === port)?.paths.length === 4);
  });
  after(async () => {
    ac.abort();
    await running;
    await bus.close();
    await nats.close();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(base + path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  test('200 after the bus stored the event; Argo payload with canonical headers, masked token, parsed body, metadata', async () => {
    const res = await post('/push', '{"amount": 5}', { authorization: 'Bearer s3cret', 'x-custom-thing': 'a' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'success');
    const events = await busEvents(bus, es, 'push', 300, 1);
    assert.equal(events.length, 1);
    const e = events[0];
    assert.equal(e.type, 'webhook');
    assert.equal(e.source, es);
    assert.equal(e.subject, 'push');
    const data = e.data as { header: Record<string, string[]>; body: unknown; metadata: Record<string, string> };
    assert.deepEqual(data.body, { amount: 5 });
    assert.deepEqual(data.metadata, { team: 'payments' });
    assert.deepEqual(data.header['X-Custom-Thing'], ['a']);
    assert.deepEqual(data.header.Authorization, ['*** Masked Auth Secret ***']);
  });

  test('an Idempotency-Key makes client retries one event (200 each time)', async () => {
    const key = randomUUID();
    for (let i = 0; i < 3; i++) {
      const res = await post('/push', '{"retry": true}', { authorization: 'Bearer s3cret', 'idempotency-key': key });
      assert.equal(res.status, 200);
    }
    const x = await post('/push', '{"retry": true}', { authorization: 'Bearer s3cret', 'x-request-id': key });
    assert.equal(x.status, 200);
    // At least this test's event and the previous test's (a slow first delivery is not read as a loss).
    const events = (await busEvents(bus, es, 'push', 300, 2)).filter((e) => (e.data as { body: { retry?: boolean } }).body.retry === true);
    assert.equal(events.length, 1, 'one event for four deliveries of the same key');
    assert.match(events[0].id, /^default\/hooks-[^/]+\/push\/idem-[0-9a-f]{32}$/);
    const st = host.eventSourceStatus('default', es)?.events.find((x) => x.eventName === 'push');
    assert.equal(st?.duplicates, 3);
  });

  test('rejections: 400 bad JSON, 401 auth, 405 method, 413 size, HMAC checks', async () => {
    const auth = { authorization: 'Bearer s3cret' };
    const bad = await post('/push', '{not json', auth);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /not valid JSON/);
    assert.equal((await post('/push', '{}')).status, 401);
    assert.equal((await post('/push', '{}', { authorization: 'Bearer wrong' })).status, 401);
    const get = await fetch(base + '/push', { headers: auth });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const big = await post('/small', JSON.stringify({ pad: 'x'.repeat(200) }));
    assert.equal(big.status, 413);
    assert.equal((await post('/small', '{"ok":1}')).status, 200);
    const body = '{"signed":true}';
    const sig = 'sha256=' + createHmac('sha256', 'hmac-key').update(body).digest('hex');
    assert.equal((await post('/signed', body, { 'x-signature': sig })).status, 200);
    assert.equal((await post('/signed', body + ' ', { 'x-signature': sig })).status, 401, 'body changed');
    assert.equal((await post('/signed', body)).status, 401, 'no signature');
  });

  test('GET body is the query as name -> values; /health per port; unknown path 404', async () => {
    assert.equal((await fetch(base + '/query?x=1&x=2&y=z')).status, 200);
    const events = await busEvents(bus, es, 'query');
    assert.deepEqual((events[0].data as { body: unknown }).body, { x: ['1', '2'], y: ['z'] });
    const health = await fetch(base + '/health');
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'OK');
    assert.equal((await fetch(base + '/nope')).status, 404);
  });

  test('an updated EventSource moves the endpoint; a deleted one closes the port', async () => {
    const cur = await store.get('EventSource', 'default', es);
    assert.ok(cur);
    await store.update('EventSource', { ...cur, spec: spec('/moved') });
    await eventually(() =>
      host
        .webhookRoutes()
        .find((r) => r.port === port)
        ?.paths.includes('/moved'),
    );
    assert.equal((await post('/push', '{}', { authorization: 'Bearer s3cret' })).status, 404);
    assert.equal((await post('/moved', '{}', { authorization: 'Bearer s3cret' })).status, 200);
    await store.delete('EventSource', 'default', es);
    await eventually(() => host.webhookRoutes().length === 0);
    await assert.rejects(fetch(base + '/health'));
    assert.equal(host.status().length, 0);
  });
});

describe('webhook and the bus acknowledgement', () => {
  test('the response waits for the bus acknowledgement', async () => {
    const bus = new FakeBus();
    let release: () => void = () => undefined;
    bus.gate = () => new Promise<void>((r) => (release = r));
    const port = await freePort();
    const r = runAdapter({ adapter: createWebhookSource(), spec: { port: String(port), endpoint: '/x', method: 'POST' }, bus });
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok);
    let answered = false;
    const res = fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: '{}' }).then((x) => {
      answered = true;
      return x;
    });
    await eventually(() => bus.publishes === 1);
    await new Promise((r2) => setTimeout(r2, 150));
    assert.equal(answered, false, 'no answer before the ack');
    release();
    assert.equal((await res).status, 200);
    assert.equal(bus.events.length, 1);
    await r.stop();
  });

  test('503 with a reason while NATS is stopped; 200 again after it is back', async () => {
    const nats = await startNatsServer();
    const bus = await createJetStreamBus({
      url: nats.url,
      name: `wh503-${randomUUID().slice(0, 8)}`,
      publishTimeoutMs: 1000,
      reconnectMinMs: 50,
      reconnectMaxMs: 200,
    });
    const port = await freePort();
    const r = runAdapter({
      adapter: createWebhookSource(),
      spec: { port: String(port), endpoint: '/x', method: 'POST' },
      bus,
      attempts: 2,
      backoffMs: 50,
    });
    try {
      const url = `http://127.0.0.1:${port}/x`;
      await eventually(async () => (await fetch(url, { method: 'POST', body: '{}' }).catch(() => undefined))?.status === 200);
      await nats.stop();
      await eventually(() => bus.state() === 'down');
      const res = await fetch(url, { method: 'POST', body: '{"lost": false}' });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      assert.match(await res.text(), /event bus unavailable/);
      assert.ok(r.counters.failed >= 1);
      await nats.restart();
      await eventually(async () => (await fetch(url, { method: 'POST', body: '{}' })).status === 200, { timeoutMs: 15_000 });
    } finally {
      await r.stop();
      await bus.close();
      await nats.close();
    }
  });
});
