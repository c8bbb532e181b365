// Level-triggered following of one kind: list every page, then watch from the list's version; after a failed or
// ended watch (an API server restart, a watch the server timed out, a version it no longer keeps) list again with
// backoff. Used by the hosts that keep running things in step with stored objects (event sources, sensors).
import type { ObjectOf } from '../api/objects.js';
import type { KindName } from '../core/kinds.js';
import type { Clock } from '../core/clock.js';
import { pause } from '../core/clock.js';
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ResourceStore } from './types.js';

export interface ListWatchOptions {
  signal: AbortSignal;
  clock: Clock;
  logger: Logger;
  namespace?: string;
  /** First retry delay (doubling per failure), and its bound. */
  minDelayMs: number;
  maxDelayMs: number;
}

export interface ListWatchHandlers<K extends KindName> {
  /** An object listed, added or modified. */
  apply(obj: ObjectOf<K>): Promise<void>;
  /** A deleted object. */
  remove(obj: ObjectOf<K>): Promise<void>;
  /** After each complete list: the namespace/name keys it held (whatever runs for other keys is gone). */
  listed(keys: ReadonlySet<string>): Promise<void>;
}

export const objectKey = (o: { metadata: { namespace?: string; name: string } }): string =>
  `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;

/** Runs until `signal` aborts; never rejects for store failures (they are logged and retried). */
export async function listThenWatch<K extends KindName>(
  store: ResourceStore,
  kind: K,
  o: ListWatchOptions,
  h: ListWatchHandlers<K>,
): Promise<void> {
  const ns = o.namespace !== undefined ? { namespace: o.namespace } : {};
  let delay = o.minDelayMs;
  while (!o.signal.aborted) {
    try {
      const seen = new Set<string>();
      let cont: string | undefined;
      let since: string | undefined;
      do {
        const page = await store.list(kind, { limit: 500, ...ns, ...(cont !== undefined ? { continue: cont } : {}) });
        since ??= page.resourceVersion;
        for (const obj of page.items) {
          seen.add(objectKey(obj));
          await h.apply(obj);
        }
        cont = page.continue;
      } while (cont !== undefined && cont !== '');
      await h.listed(seen);
      delay = o.minDelayMs;
      for await (const ev of store.watch(kind, {
        signal: o.signal,
        ...ns,
        ...(since !== undefined ? { sinceResourceVersion: since } : {}),
      })) {
        if (ev.type === 'DELETED') await h.remove(ev.object);
        else await h.apply(ev.object);
      }
      if (o.signal.aborted) return;
      throw new WeirError('IO_ERROR', `the ${kind} watch ended`);
    } catch (e) {
      if (o.signal.aborted) return;
      o.logger.warn({ err: errorMessage(e), retryInMs: delay }, `${kind} watch failed; listing again`);
      await pause(o.clock, delay, o.signal);
      delay = Math.min(Math.max(delay * 2, 1), o.maxDelayMs);
    }
  }
}
