// Secret look-ups for event sources: a SecretKeySelector is read from the Secret of that name in the EventSource's
// namespace in the store (`data` base64, `stringData` plain, as Kubernetes). Values are never logged.
import { WeirError } from '../core/errors.js';
import type { ResourceStore } from '../store/types.js';
import type { SecretRef, Secrets } from '../api/eventsource-adapter.js';

export function storeSecrets(store: ResourceStore, namespace: string): Secrets {
  return {
    get: async (ref: SecretRef) => {
      const name = ref.name ?? '';
      const missing = (what: string): undefined => {
        if (ref.optional === true) return undefined;
        throw new WeirError('NOT_FOUND', `${what} (secret selector ${JSON.stringify({ name, key: ref.key })} in namespace ${namespace})`);
      };
      if (name === '') return missing('secret selector without a name');
      const obj = await store.get('Secret', namespace, name);
      if (obj === undefined) return missing(`Secret ${JSON.stringify(name)} not found`);
      const stringData = (obj.stringData ?? {}) as Record<string, unknown>;
      if (typeof stringData[ref.key] === 'string') return stringData[ref.key] as string;
      const data = (obj.data ?? {}) as Record<string, unknown>;
      if (typeof data[ref.key] === 'string') return Buffer.from(data[ref.key] as string, 'base64').toString('utf8');
      return missing(`Secret ${JSON.stringify(name)} has no key ${JSON.stringify(ref.key)}`);
    },
  };
}
