// Bus selection: --bus / WEIR_BUS > EventBus resource (jetstreamExotic) > embedded in the data dir; the typed
// factory table; the config module reading the flag and the variable.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUS_FACTORIES, busConfigFrom, createBus } from '../../src/bus/factory.js';
import type { BusConfig } from '../../src/bus/factory.js';
import type { EventBus as EventBusResource } from '../../src/api/eventbus.js';
import { resolveServerConfig } from '../../src/core/config.js';
import { WeirError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { event } from './conformance.js';

const resource = (spec: EventBusResource['spec']): EventBusResource => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'EventBus',
  metadata: { name: 'default', namespace: 'default' },
  spec,
});

describe('bus selection', () => {
  test('default: embedded in the data dir', () => {
    const c = busConfigFrom({ dataDir: '/d' });
    assert.ok(c.kind === 'embedded');
    assert.equal(c.options.dataDir, '/d');
  });

  test('--bus nats:// selects JetStream; "embedded" the embedded bus; anything else is refused', () => {
    const c = busConfigFrom({ dataDir: '/d', busUrl: 'nats://10.0.0.1:4222' });
    assert.ok(c.kind === 'jetstream');
    assert.equal(c.options.url, 'nats://10.0.0.1:4222');
    assert.equal(
      busConfigFrom({ dataDir: '/d', busUrl: 'embedded', eventBus: resource({ jetstreamExotic: { url: 'nats://x:1' } }) }).kind,
      'embedded',
    );
    assert.throws(
      () => busConfigFrom({ dataDir: '/d', busUrl: 'kafka://x' }),
      (e: unknown) => e instanceof WeirError && e.code === 'INVALID_ARGUMENT',
    );
  });

  test('an EventBus with jetstreamExotic gives URL and stream settings; the flag URL overrides its URL only', () => {
    const res = resource({ jetstreamExotic: { url: 'nats://res:4222', maxMsgs: 100, discard: 'new' } });
    const a = busConfigFrom({ dataDir: '/d', eventBus: res });
    assert.ok(a.kind === 'jetstream');
    assert.equal(a.options.url, 'nats://res:4222');
    assert.equal(a.options.maxMsgs, 100);
    const b = busConfigFrom({ dataDir: '/d', eventBus: res, busUrl: 'nats://flag:4222' });
    assert.ok(b.kind === 'jetstream');
    assert.equal(b.options.url, 'nats://flag:4222');
    assert.equal(b.options.discard, 'new');
  });

  test('an Argo-managed bus kind runs on the embedded bus, with a warning', () => {
    const log = createRecordingLogger();
    const c = busConfigFrom({ dataDir: '/d', eventBus: resource({ jetstream: { version: '2.10.10' } }), logger: log });
    assert.equal(c.kind, 'embedded');
    assert.equal(log.at('warn', 'embedded bus').length, 1);
  });

  test('createBus builds from the typed table; an unknown kind is UNKNOWN_KIND', async () => {
    assert.deepEqual(Object.keys(BUS_FACTORIES).sort(), ['embedded', 'jetstream']);
    const dir = await mkdtemp(join(tmpdir(), 'weir-busf-'));
    try {
      const bus = await createBus(busConfigFrom({ dataDir: dir }));
      assert.equal((await bus.publish(event('s', 'e'))).duplicate, false);
      await bus.close();
      assert.ok(existsSync(join(dir, 'bus.db')));
      await assert.rejects(
        createBus({ kind: 'rabbit', options: {} } as unknown as BusConfig),
        (e: unknown) => e instanceof WeirError && e.code === 'UNKNOWN_KIND',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('server config: --bus beats WEIR_BUS; absent when neither is set', () => {
    assert.equal(resolveServerConfig({ bus: 'nats://f:1' }, { WEIR_BUS: 'nats://e:1' }, '/w').busUrl, 'nats://f:1');
    assert.equal(resolveServerConfig({}, { WEIR_BUS: 'nats://e:1' }, '/w').busUrl, 'nats://e:1');
    assert.equal('busUrl' in resolveServerConfig({}, {}, '/w'), false);
  });
});
