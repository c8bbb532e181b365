// Attack: a web page the user visits (or a DNS-rebound attacker domain) drives the tokenless loopback API. Refused:
// a cross-site text/plain POST (415), a foreign Host (403, so DNS rebinding gets nothing, not even reads) and a
// foreign or opaque Origin (403); nothing is stored or enqueued. Still accepted: the `weir` CLI's client, curl with
// `content-type: application/json`, and same-origin browser requests. With a token, Host and Origin are not checked
// (the token is the guard) but bodies must still be JSON; and listening on 0.0.0.0 without a token is refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKit, hello } from '../server/kit.js';
import type { Kit } from '../server/kit.js';
import { WeirClient } from '../../src/cli/client.js';
import { resolveServerOptions } from '../../src/server/options.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { WeirError } from '../../src/core/errors.js';
import { memoryIo } from '../../src/cli/io.js';
import { startServer } from '../../src/cli/server.js';

interface Raw {
  status: number;
  body: { code?: string; message?: string; metadata?: { name?: string } };
}

/** One HTTP request with exactly these headers (fetch would not let a test set Host). */
function raw(url: string, method: string, headers: Record<string, string>, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let parsed: Raw['body'] = {};
          try {
            parsed = JSON.parse(text) as Raw['body'];
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const workflowBody = JSON.stringify({ workflow: hello() });
const hostOf = (k: Kit): string => new URL(k.url).host;

async function nothingHappened(k: Kit): Promise<void> {
  assert.deepEqual((await k.store.list('Workflow')).items, [], 'no workflow stored');
  assert.deepEqual(k.enqueued, [], 'nothing enqueued');
}

describe('the tokenless API refuses cross-site and rebinding requests', () => {
  test('a cross-site text/plain POST (a form or no-cors fetch from any page) is refused with 415', async () => {
    await using k = await startKit();
    const r = await raw(
      `${k.url}/api/v1/workflows/default`,
      'POST',
      { host: hostOf(k), 'content-type': 'text/plain;charset=UTF-8' },
      workflowBody,
    );
    assert.equal(r.status, 415);
    assert.equal(r.body.code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.match(r.body.message ?? '', /application\/json/);
    const withOrigin = await raw(
      `${k.url}/api/v1/workflows/default`,
      'POST',
      { host: hostOf(k), origin: 'https://evil.example', 'content-type': 'text/plain' },
      workflowBody,
    );
    assert.equal(withOrigin.status, 403);
    const form = await raw(
      `${k.url}/api/v1/workflows/default`,
      'POST',
      { host: hostOf(k), 'content-type': 'application/x-www-form-urlencoded' },
      'workflow=x',
    );
    assert.equal(form.status, 415);
    const noType = await raw(`${k.url}/api/v1/workflows/default/w/suspend`, 'PUT', { host: hostOf(k) }, '{}');
    assert.equal(noType.status, 415);
    await nothingHappened(k);
  });

  test('a foreign Host (DNS rebinding) is refused with 403 for writes and reads', async () => {
    await using k = await startKit();
    const port = new URL(k.url).port;
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.evil.example:${port}`, `192.168.1.5:${port}`, `[::2]:${port}`]) {
      const w = await raw(`${k.url}/api/v1/workflows/default`, 'POST', { host, 'content-type': 'application/json' }, workflowBody);
      assert.equal(w.status, 403, host);
      assert.equal(w.body.code, 'FORBIDDEN');
      assert.match(w.body.message ?? '', /not a loopback address/);
      assert.equal((await raw(`${k.url}/api/v1/workflows/default`, 'GET', { host })).status, 403, `GET with Host ${host}`);
    }
    await nothingHappened(k);
  });

  test('a foreign or opaque Origin is refused with 403, even with a loopback Host and JSON', async () => {
    await using k = await startKit();
    const port = new URL(k.url).port;
    for (const origin of [
      'https://evil.example',
      'null',
      `http://localhost:${Number(port) + 1}`,
      `http://${hostOf(k)}.evil.example`,
      'file://',
    ]) {
      const r = await raw(
        `${k.url}/api/v1/workflows/default`,
        'POST',
        { host: hostOf(k), origin, 'content-type': 'application/json' },
        workflowBody,
      );
      assert.equal(r.status, 403, origin);
      assert.equal(r.body.code, 'FORBIDDEN');
      assert.match(r.body.message ?? '', /cross-origin/);
    }
    await nothingHappened(k);
  });

  test('the weir CLI client, curl with JSON, localhost and same-origin browser requests are accepted', async () => {
    await using k = await startKit();
    const port = new URL(k.url).port;
    const client = new WeirClient({ server: k.url, namespace: 'default', token: undefined });
    const viaCli = await client.json<{ metadata: { name: string } }>('POST', '/api/v1/workflows/default', {
      body: { workflow: hello('from-cli') },
    });
    assert.equal(viaCli.metadata.name, 'from-cli');
    const curl = await raw(
      `${k.url}/api/v1/workflows/default`,
      'POST',
      { host: hostOf(k), 'content-type': 'application/json', 'user-agent': 'curl/8.0' },
      JSON.stringify({ workflow: hello('from-curl') }),
    );
    assert.equal(curl.status, 200, JSON.stringify(curl.body));
    const localhost = await raw(
      `${k.url}/api/v1/workflows/default`,
      'POST',
      { host: `localhost:${port}`, 'content-type': 'application/json; charset=utf-8' },
      JSON.stringify({ workflow: hello('via-localhost') }),
    );
    assert.equal(localhost.status, 200, JSON.stringify(localhost.body));
    for (const host of [hostOf(k), `localhost:${port}`]) {
      const page = await raw(
        `${k.url}/api/v1/workflows/default`,
        'POST',
        { host, origin: `http://${host}`, 'content-type': 'application/json' },
        JSON.stringify({ workflow: hello() }),
      );
      assert.equal(page.status, 200, `same-origin page at http://${host}: ${JSON.stringify(page.body)}`);
      const read = await raw(`${k.url}/api/v1/workflows/default`, 'GET', { host, origin: `http://${host}` });
      assert.equal(read.status, 200);
    }
    assert.equal((await client.get<{ items: unknown[] }>('/api/v1/workflows/default')).items.length, 5);
    assert.equal((await raw(`${k.url}/healthz`, 'GET', { host: 'evil.example' })).status, 200, '/healthz stays open');
  });
});

describe('with a token, and when listening beyond loopback', () => {
  test('tokened: Host and Origin are not checked (the token is the guard), bodies must still be JSON', async () => {
    await using k = await startKit({ authToken: 't0ken' });
    const auth = { authorization: 'Bearer t0ken' };
    const proxied = await raw(
      `${k.url}/api/v1/workflows/default`,
      'POST',
      { ...auth, host: 'weir.internal.example', 'content-type': 'application/json' },
      workflowBody,
    );
    assert.equal(proxied.status, 200, JSON.stringify(proxied.body));
    const noToken = await raw(
      `${k.url}/api/v1/workflows/default`,
      'POST',
      { host: hostOf(k), origin: 'https://evil.example', 'content-type': 'text/plain' },
      workflowBody,
    );
    assert.equal(noToken.status, 401);
    const plain = await raw(
      `${k.url}/api/v1/workflows/default`,
      'POST',
      { ...auth, host: hostOf(k), 'content-type': 'text/plain' },
      workflowBody,
    );
    assert.equal(plain.status, 415);
  });

  test('listening on 0.0.0.0 or :: without a token is refused at start', () => {
    const store = createMemoryStore();
    for (const host of ['0.0.0.0', '::', '192.168.1.5']) {
      assert.throws(
        () => resolveServerOptions({ store, host }),
        (e: unknown) => e instanceof WeirError && /refusing to listen on .* without an auth token/.test(e.message),
        host,
      );
    }
    assert.equal(resolveServerOptions({ store, host: '0.0.0.0', authToken: 'x' }).host, '0.0.0.0');
  });
});

describe('the attack from the issue against a real weir server', () => {
  test('text/plain POST with a foreign Origin and Host: 403 for both, and no workflow exists (read through the CLI client)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-xorigin-'));
    const io = memoryIo();
    const srv = await startServer(
      { dataDir: join(dir, 'data'), authToken: undefined, port: 0, host: '127.0.0.1', manifests: [], namespace: 'default' },
      io,
    );
    try {
      const attack = JSON.stringify({
        workflow: {
          metadata: { generateName: 'pwn-' },
          spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['id'] } }] },
        },
      });
      const r = await raw(
        `${srv.url}/api/v1/workflows/default`,
        'POST',
        { host: 'attacker.example:2746', origin: 'http://attacker.example:2746', 'content-type': 'text/plain' },
        attack,
      );
      assert.equal(r.status, 403);
      assert.equal(r.body.code, 'FORBIDDEN');
      const sameHost = await raw(
        `${srv.url}/api/v1/workflows/default`,
        'POST',
        { host: new URL(srv.url).host, origin: 'http://attacker.example', 'content-type': 'text/plain' },
        attack,
      );
      assert.equal(sameHost.status, 403);
      const client = new WeirClient({ server: srv.url, namespace: 'default', token: undefined });
      assert.deepEqual((await client.get<{ items: unknown[] | null }>('/api/v1/workflows/default')).items ?? [], [], 'nothing was created');
    } finally {
      await srv.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
