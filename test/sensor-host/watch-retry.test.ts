// The sensor host outlives a failing store: a list or watch that fails (an API server restarting, a watch the server
// ended) is retried with a fresh list, so sensors created afterwards still run; before, the first failure stopped
// every sensor until the server restarted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { createEmbeddedBus } from '../../src/bus/embedded-bus.js';
import { WeirError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { SensorHost } from '../../src/sensor-host/host.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { NewObjectOf, ResourceStore } from '../../src/store/types.js';
import { eventually } from '../helpers/eventually.js';

const sensor = (name: string): NewObjectOf<'Sensor'> =>
  parse(`
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: { name: ${name}, namespace: default }
spec:
  dependencies: [{ name: a, eventSourceName: hooks, eventName: a }]
  triggers:
    - template:
        name: log-it
        log: {}
`) as NewObjectOf<'Sensor'>;

/** The store, with the first `failures` Sensor lists and watches failing as a restarting API server's do. */
function flaky(store: ResourceStore, failures: { list: number; watch: number }): ResourceStore {
  const down = (): WeirError => new WeirError('IO_ERROR', 'storage is (re)initializing');
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'list') {
        return ((kind: string, o: object) =>
          kind === 'Sensor' && failures.list-- > 0 ? Promise.reject(down()) : target.list(kind as 'Sensor', o)) as ResourceStore['list'];
      }
      if (prop === 'watch') {
        return ((kind: string, o: { signal: AbortSignal }) => {
          if (kind !== 'Sensor' || failures.watch-- <= 0) return target.watch(kind as 'Sensor', o);
          return (async function* () {
            await Promise.resolve();
            yield* [];
            throw down();
          })();
        }) as ResourceStore['watch'];
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

test('a failing Sensor list and watch are retried: sensors created before and after run, the host keeps running', async () => {
  const store = createMemoryStore();
  await store.create('Sensor', sensor('before'));
  const bus = createEmbeddedBus({ path: ':memory:' });
  const logger = createRecordingLogger();
  const host = new SensorHost({ store: flaky(store, { list: 1, watch: 1 }), bus, logger });
  const ac = new AbortController();
  const done = host.run(ac.signal);
  try {
    await eventually(() => Promise.resolve(Object.keys(host.status()).includes('default/before')), {
      timeoutMs: 30_000,
      what: 'the sensor stored before the failures runs',
    });
    await store.create('Sensor', sensor('after'));
    await eventually(() => Promise.resolve(Object.keys(host.status()).includes('default/after')), {
      timeoutMs: 30_000,
      what: 'a sensor created after the failures runs',
    });
    assert.equal(host.state(), 'running');
    const warnings = logger.records.filter((r) => r.msg === 'Sensor watch failed; listing again');
    assert.equal(warnings.length, 2, 'one warning per failure (the list, then the watch)');
  } finally {
    ac.abort();
    await done;
    await bus.close();
  }
});
