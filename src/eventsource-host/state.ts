// Adapter checkpoint state: one bus key-value bucket shared by all event sources, each adapter seeing only its own
// scope `<namespace>.<eventSource>.<event>.`. Every segment and key is escaped (anything but [A-Za-z0-9-] becomes
// `=XX` per UTF-8 byte) so scopes cannot collide and keys stay valid NATS KV keys. Also an in-memory KeyValueStore.
import type { KeyValueStore, KvEntry } from '../bus/types.js';
import { WeirError } from '../core/errors.js';
import type { AdapterState } from '../api/eventsource-adapter.js';

/** Name of the bus KV bucket holding event source checkpoints. */
export const STATE_BUCKET = 'weir-eventsource-state';

export function escapeKey(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9-]/.test(c) ? c : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out === '' ? '=' : out;
}

export function unescapeKey(s: string): string {
  if (s === '=') return '';
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '=') {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(s.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function stateScope(namespace: string, eventSource: string, eventName: string): string {
  return `${escapeKey(namespace)}.${escapeKey(eventSource)}.${escapeKey(eventName)}.`;
}

/** The adapter's view of the shared bucket. */
export function scopedState(kv: KeyValueStore, scope: string): AdapterState {
  return {
    get: async (key) => (await kv.get(scope + escapeKey(key)))?.value,
    put: async (key, value) => {
      await kv.put(scope + escapeKey(key), value);
    },
    delete: (key) => kv.delete(scope + escapeKey(key)),
    keys: async (prefix = '') => {
      const all = await kv.keys(scope);
      return all
        .filter((k) => k.startsWith(scope))
        .map((k) => unescapeKey(k.slice(scope.length)))
        .filter((k) => k.startsWith(prefix));
    },
  };
}

/** A KeyValueStore in memory (tests, and hosts run without a durable bus). */
export function memoryKv(): KeyValueStore {
  const m = new Map<string, KvEntry>();
  let rev = 0;
  return {
    get: (key) => Promise.resolve(m.get(key)),
    put: (key, value, opts) => {
      const cur = m.get(key);
      if (opts?.expectedRevision !== undefined && (cur?.revision ?? 0) !== opts.expectedRevision) {
        return Promise.reject(new WeirError('CONFLICT', `key ${key} changed`));
      }
      m.set(key, { value, revision: ++rev });
      return Promise.resolve(rev);
    },
    delete: (key) => {
      m.delete(key);
      return Promise.resolve();
    },
    keys: (prefix = '') => Promise.resolve([...m.keys()].filter((k) => k.startsWith(prefix))),
  };
}
