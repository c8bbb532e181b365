// Option resolution: server options (defaults, the token rule for non-loopback hosts, bad fields named), the
// WEIR_* configuration precedence (flags > env > defaults), and the `fields` filter.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveServerOptions, isLoopback } from '../../src/server/options.js';
import { resolveServerConfig } from '../../src/core/config.js';
import { applyFields } from '../../src/server/http.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { isWeirError } from '../../src/core/errors.js';

const store = createMemoryStore();

describe('resolveServerOptions', () => {
  test('defaults', () => {
    const o = resolveServerOptions({ store });
    assert.deepEqual(
      [o.host, o.port, o.authToken, o.maxBodyBytes, o.namespace],
      ['127.0.0.1', 2746, undefined, 4 * 1024 * 1024, 'default'],
    );
  });
  const loop: [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.2', false],
  ];
  for (const [h, want] of loop) test(`isLoopback(${h}) = ${want}`, () => assert.equal(isLoopback(h), want));
  test('a non-loopback host without a token is refused; with one it is accepted', () => {
    assert.throws(
      () => resolveServerOptions({ store, host: '0.0.0.0' }),
      (e: unknown) => isWeirError(e) && /refusing to listen on 0\.0\.0\.0 without an auth token/.test(e.message),
    );
    assert.equal(resolveServerOptions({ store, host: '0.0.0.0', authToken: 't' }).host, '0.0.0.0');
  });
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ port: 70000 }, /port/],
    [{ port: 1.5 }, /port/],
    [{ maxBodyBytes: 0 }, /maxBodyBytes/],
    [{ namespace: 'Bad_NS' }, /namespace/],
    [{ authToken: 'a b' }, /authToken/],
    [{ host: '' }, /host/],
  ];
  for (const [o, re] of bad) test(`refuses ${JSON.stringify(o)}`, () => assert.throws(() => resolveServerOptions({ store, ...o }), re));
});

describe('resolveServerConfig', () => {
  test('defaults relative to cwd', () => {
    assert.deepEqual(
      { ...resolveServerConfig({}, {}, '/w') },
      {
        dataDir: '/w/.weir',
        authToken: undefined,
        port: 2746,
        host: '127.0.0.1',
        executor: 'host',
        store: 'sqlite',
        leaseDurationMs: 15_000,
      },
    );
  });
  test('env over defaults, flags over env', () => {
    const env = { WEIR_DATA_DIR: '/env', WEIR_AUTH_TOKEN: 'et', WEIR_PORT: '9000', WEIR_HOST: '::1' };
    assert.deepEqual(
      { ...resolveServerConfig({}, env, '/w') },
      { dataDir: '/env', authToken: 'et', port: 9000, host: '::1', executor: 'host', store: 'sqlite', leaseDurationMs: 15_000 },
    );
    assert.deepEqual(
      { ...resolveServerConfig({ dataDir: 'd', authToken: 'ft', port: '0', host: '127.0.0.2' }, env, '/w') },
      { dataDir: '/w/d', authToken: 'ft', port: 0, host: '127.0.0.2', executor: 'host', store: 'sqlite', leaseDurationMs: 15_000 },
    );
  });
  test('the executor: --executor over WEIR_EXECUTOR over host; anything else names its source', () => {
    assert.equal(resolveServerConfig({}, { WEIR_EXECUTOR: 'container' }, '/').executor, 'container');
    assert.equal(resolveServerConfig({ executor: 'host' }, { WEIR_EXECUTOR: 'container' }, '/').executor, 'host');
    assert.equal(resolveServerConfig({}, { WEIR_EXECUTOR: 'pod' }, '/').executor, 'pod');
    assert.throws(() => resolveServerConfig({}, { WEIR_EXECUTOR: 'kubelet' }, '/'), /WEIR_EXECUTOR must be host, container or pod/);
    assert.throws(() => resolveServerConfig({ executor: 'docker' }, {}, '/'), /--executor must be host, container or pod/);
  });
  test('a bad port names its source', () => {
    assert.throws(() => resolveServerConfig({}, { WEIR_PORT: 'abc' }, '/'), /WEIR_PORT must be a port number/);
    assert.throws(() => resolveServerConfig({ port: '99999' }, {}, '/'), /--port must be a port number/);
  });
});

describe('fields', () => {
  const doc = {
    metadata: { name: 'n', uid: 'u' },
    items: [
      { a: 1, b: { c: 2, d: 3 } },
      { a: 4, b: { c: 5 } },
    ],
  };
  const cases: [string, unknown][] = [
    ['', doc],
    ['metadata.name', { metadata: { name: 'n' } }],
    ['items.b.c,metadata.uid', { metadata: { uid: 'u' }, items: [{ b: { c: 2 } }, { b: { c: 5 } }] }],
    ['-items.b,metadata', { items: [{ a: 1 }, { a: 4 }] }],
  ];
  for (const [f, want] of cases) test(`fields=${f}`, () => assert.deepEqual(applyFields(doc, f), want));
});
