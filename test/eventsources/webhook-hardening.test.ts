// Webhook robustness against hostile or careless clients, over real HTTP and a real (embedded, in-memory SQLite) bus:
// a body nested 100,000 deep is a 400 and not a bus failure; a chunked body over maxPayloadSize is answered 413 (the
// client reads the answer instead of a reset connection); an idempotency key reused with a different body is a 409.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createWebhookSource } from '../../eventsources/webhook.js';
import { createEmbeddedBus } from '../../src/bus/embedded-bus.js';
import type { EmbeddedBus } from '../../src/bus/embedded-bus.js';
import { MAX_JSON_DEPTH } from '../../src/core/json-depth.js';
import { freePort } from '../helpers/nats-server.js';
import { eventually, runAdapter } from './kit.js';
import type { RunningAdapter } from './kit.js';

describe('webhook hardening', () => {
  let bus: EmbeddedBus;
  let port: number;
  let url: string;
  let hook: RunningAdapter;

  before(async () => {
    bus = createEmbeddedBus({ path: ':memory:', name: `wh-${randomUUID().slice(0, 8)}` });
    port = await freePort();
    url = `http://127.0.0.1:${port}/in`;
    hook = runAdapter({
      adapter: createWebhookSource(),
      spec: { port: String(port), endpoint: '/in', method: 'POST', maxPayloadSize: 1000 },
      bus,
    });
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok);
  });
  after(async () => {
    await hook.stop();
    await bus.close();
  });

  const post = (body: RequestInit['body'], headers: Record<string, string> = {}, init: RequestInit = {}) =>
    fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, ...init });

  test('a body nested 100,000 deep is a 400 naming the limit, not a 503 counted as a bus failure', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const deepPort = await freePort();
    const deepHook = runAdapter({
      adapter: createWebhookSource(),
      spec: { port: String(deepPort), endpoint: '/deep', method: 'POST', maxPayloadSize: 1_000_000 },
      bus,
    });
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${deepPort}/health`).catch(() => undefined))?.ok);
      const res = await fetch(`http://127.0.0.1:${deepPort}/deep`, {
        method: 'POST',
        body: `{"a": ${deep}}`,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 400);
      assert.match(await res.text(), new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
      assert.equal(deepHook.counters.failed, 0, 'not counted as a bus failure');
      assert.equal(deepHook.counters.published, 0);
      const ok = await fetch(`http://127.0.0.1:${deepPort}/deep`, {
        method: 'POST',
        body: '{"fine": [[1]]}',
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(ok.status, 200);
      assert.equal(deepHook.counters.published, 1);
    } finally {
      await deepHook.stop();
    }
  });

  test('a chunked body over maxPayloadSize is answered 413, as one with Content-Length is', async () => {
    const withLength = await post(JSON.stringify({ pad: 'x'.repeat(2000) }));
    assert.equal(withLength.status, 413);
    for (const chunks of [10, 2000]) {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < chunks; i++) c.enqueue(new TextEncoder().encode(i === 0 ? '{"pad": "' : 'x'.repeat(500)));
          c.enqueue(new TextEncoder().encode('"}'));
          c.close();
        },
      });
      const res = await post(body, {}, { duplex: 'half' });
      assert.equal(res.status, 413, `${chunks} chunks`);
      assert.match(await res.text(), /exceeds the limit of 1000 bytes/);
    }
    assert.equal((await post('{"small": true}')).status, 200, 'the endpoint still works');
  });

  test('an idempotency key sent again with a different body is a 409; the same body again stays 200', async () => {
    const key = randomUUID();
    const before = hook.counters.published;
    assert.equal((await post('{"order": 1}', { 'idempotency-key': key })).status, 200);
    assert.equal((await post('{"order": 1}', { 'idempotency-key': key })).status, 200, 'a retry');
    const clash = await post('{"order": 2}', { 'idempotency-key': key });
    assert.equal(clash.status, 409);
    assert.match(await clash.text(), /Idempotency-Key.*different body/);
    const viaRequestId = await post('{"order": 3}', { 'x-request-id': key });
    assert.equal(viaRequestId.status, 409, 'X-Request-Id is the same key');
    assert.equal(hook.counters.published, before + 1, 'one event stored');
    assert.equal((await post('{"order": 2}', { 'idempotency-key': randomUUID() })).status, 200, 'a new key is a new event');
  });

  test('two different bodies sent at once with one key: one is stored (200), the other is a 409', async () => {
    const key = randomUUID();
    const before = hook.counters.published;
    const statuses = (
      await Promise.all(['{"a": 1}', '{"b": 2}'].map((b) => post(b, { 'idempotency-key': key }).then((r) => r.status)))
    ).sort();
    assert.deepEqual(statuses, [200, 409]);
    assert.equal(hook.counters.published, before + 1);
  });
});
