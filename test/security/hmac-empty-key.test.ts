// Attack: a webhook whose HMAC secret is `optional: true` and missing (or empty) must not accept a signature made
// with an empty key; it fails closed with 401, as authSecret does, and `weir lint` warns about the optional secret.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createWebhookSource } from '../../eventsources/webhook.js';
import { createEmbeddedBus } from '../../src/bus/embedded-bus.js';
import type { EmbeddedBus } from '../../src/bus/embedded-bus.js';
import { lintEventSource } from '../../src/api/lint-events.js';
import { formatPath } from '../../src/api/findings.js';
import { freePort } from '../helpers/nats-server.js';
import { eventually, runAdapter } from '../eventsources/kit.js';

/** An embedded bus in memory, closed at the end of the test's scope. */
function memoryBus(): EmbeddedBus & AsyncDisposable {
  const bus = createEmbeddedBus({ path: ':memory:', name: `hm-${randomUUID().slice(0, 8)}` });
  return Object.assign(bus, { [Symbol.asyncDispose]: () => bus.close() });
}

const emptyKeySignature = (body: string): string => 'sha256=' + createHmac('sha256', '').update(body).digest('hex');

describe('webhook HMAC with a missing or empty secret', () => {
  for (const [what, secrets] of [
    ['an optional secret that does not exist', {}],
    ['an optional secret whose value is empty', { 'hook-hmac': { key: '' } }],
  ] as const) {
    test(`${what}: an empty-key signature is refused with 401 and nothing is published`, async () => {
      await using bus = memoryBus();
      const port = await freePort();
      const hook = runAdapter({
        adapter: createWebhookSource(),
        bus,
        secrets,
        spec: {
          port: String(port),
          endpoint: '/signed',
          method: 'POST',
          hmac: { secret: { name: 'hook-hmac', key: 'key', optional: true }, header: 'X-Signature' },
        },
      });
      try {
        await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok);
        const body = '{"deploy": "prod"}';
        const res = await fetch(`http://127.0.0.1:${port}/signed`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', 'x-signature': emptyKeySignature(body) },
        });
        assert.equal(res.status, 401);
        assert.match(await res.text(), /hmac secret/i);
        assert.equal(hook.counters.published, 0);
      } finally {
        await hook.stop();
      }
    });
  }

  test('a configured secret still verifies, and lint warns about optional: true on an HMAC secret', async () => {
    await using bus = memoryBus();
    const port = await freePort();
    const hook = runAdapter({
      adapter: createWebhookSource(),
      bus,
      secrets: { 'hook-hmac': { key: 'k3y' } },
      spec: {
        port: String(port),
        endpoint: '/signed',
        method: 'POST',
        hmac: { secret: { name: 'hook-hmac', key: 'key', optional: true }, header: 'X-Signature' },
      },
    });
    try {
      await eventually(async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok);
      const body = '{"deploy": "prod"}';
      const sig = 'sha256=' + createHmac('sha256', 'k3y').update(body).digest('hex');
      const ok = await fetch(`http://127.0.0.1:${port}/signed`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-signature': sig },
      });
      assert.equal(ok.status, 200);
      const empty = await fetch(`http://127.0.0.1:${port}/signed`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'x-signature': emptyKeySignature(body) },
      });
      assert.equal(empty.status, 401);
    } finally {
      await hook.stop();
    }
    const findings = lintEventSource({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'EventSource',
      metadata: { name: 'x' },
      spec: {
        webhook: { a: { endpoint: '/in', port: '12000', method: 'POST', hmac: { secret: { name: 's', key: 'k', optional: true } } } },
      },
    });
    const w = findings.find((f) => formatPath(f.path) === 'spec.webhook.a.hmac.secret.optional');
    assert.equal(w?.severity, 'warning', JSON.stringify(findings));
    assert.match(w.message, /refused with 401/);
  });
});
