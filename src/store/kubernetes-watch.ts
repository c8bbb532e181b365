// Watches for KubernetesStore: one API watch from a resource version with bookmarks, reconnected from the last
// version seen whenever the connection ends (idle timeouts, server-side closes), so the reader sees every change once
// and in order. When the server's history no longer reaches the watch's version (410 Gone), at the start or later
// while reconnecting, the watch fails as Expired (CONFLICT, reason Expired): the reader lists again and watches from
// the list's version, as a Kubernetes informer does. The watch cannot list again for the reader: an object the reader
// had from its own list and that was deleted meanwhile would never be reported (it never passed through the watch).
import { Watch } from '@kubernetes/client-node';
import { pause, systemClock } from '../core/clock.js';
import { WeirError, errorMessage } from '../core/errors.js';
import type { KindName } from '../api/kinds.js';
import { normalize, serverFieldSelector } from './kubernetes-list.js';
import { resourcePath, statusError } from './kubernetes-rest.js';
import type { KubeRest } from './kubernetes-rest.js';
import type { StoredObject, WatchEvent } from './types.js';

export interface KubeWatchOptions {
  kind: KindName;
  namespace: string | undefined;
  labelSelector: string | undefined;
  /** Deliver changes after this resource version. */
  since: string;
  /** Namespaces left out when watching across all namespaces. */
  skipNamespaces?: readonly string[];
  signal: AbortSignal;
}

type Item = { ev: WatchEvent } | { bookmark: string } | { error: WeirError } | { closed: true };

/** Consecutive failed connects before the watch gives up (the reader lists again and restarts it). */
const MAX_RETRIES = 5;

const isExpired = (e: WeirError): boolean => e.code === 'CONFLICT' && e.details?.reason === 'Expired';

export async function* kubeWatch(rest: KubeRest, o: KubeWatchOptions): AsyncGenerator<WatchEvent> {
  const path = resourcePath(o.kind, o.namespace);
  const queue: Item[] = [];
  let wake: (() => void) | undefined;
  const push = (i: Item): void => {
    queue.push(i);
    wake?.();
  };
  const onAbort = (): void => wake?.();
  o.signal.addEventListener('abort', onAbort);
  let cursor = Number(o.since);
  let retries = 0;
  let conn: AbortController | undefined;
  let generation = 0;
  try {
    while (!o.signal.aborted) {
      // Items of an older connection (its end, after we aborted it) must not reach this one.
      const mine = ++generation;
      queue.length = 0;
      conn = await connect(rest, path, { ...o, since: String(cursor) }, (i) => {
        if (mine === generation) push(i);
      });
      let reconnect = false;
      while (!reconnect) {
        if (o.signal.aborted) return;
        const item = queue.shift();
        if (item === undefined) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        if ('ev' in item) {
          retries = 0;
          const rv = Number(item.ev.object.metadata.resourceVersion);
          if (rv <= cursor) continue;
          cursor = rv;
          yield { type: item.ev.type, object: normalize(item.ev.object, o.kind) };
        } else if ('bookmark' in item) {
          retries = 0;
          cursor = Math.max(cursor, Number(item.bookmark));
        } else if ('closed' in item) {
          reconnect = true;
        } else if (isExpired(item.error)) {
          // At the start or mid-stream alike: the reader lists again (see the file's head).
          throw item.error;
        } else {
          if (++retries > MAX_RETRIES) throw item.error;
          await pause(systemClock, Math.min(250 * 2 ** retries, 4000), o.signal);
          reconnect = true;
        }
      }
      conn.abort();
    }
  } finally {
    conn?.abort();
    o.signal.removeEventListener('abort', onAbort);
  }
}

interface KubeStatusObject {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
}

/** Opens one API watch; events, bookmarks, errors and the end of the connection arrive through `push`. */
async function connect(rest: KubeRest, path: string, o: KubeWatchOptions, push: (i: Item) => void): Promise<AbortController> {
  const w = new Watch(rest.kc);
  const skip = o.namespace === undefined ? (o.skipNamespaces ?? []) : [];
  const query = {
    resourceVersion: o.since,
    allowWatchBookmarks: true,
    labelSelector: o.labelSelector || undefined,
    fieldSelector: serverFieldSelector(undefined, skip),
  };
  let ended = false;
  const end = (i: Item): void => {
    if (ended) return;
    ended = true;
    push(i);
  };
  return w.watch(
    path,
    query,
    (type: string, obj: unknown) => {
      if (ended) return;
      if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
        push({ ev: { type, object: obj as StoredObject } });
      } else if (type === 'BOOKMARK') {
        const rv = (obj as StoredObject | undefined)?.metadata?.resourceVersion;
        if (rv) push({ bookmark: rv });
      } else if (type === 'ERROR') {
        const st = obj as KubeStatusObject;
        end({ error: statusError(st.code ?? 500, st, `watch ${path}`) });
      }
    },
    (err: unknown) => {
      if (err === null || err === undefined) return end({ closed: true });
      if (err instanceof Error && err.name === 'TimeoutError') return end({ closed: true });
      if (err instanceof Error && err.name === 'AbortError') return end({ closed: true });
      const http = (err as { statusCode?: unknown }).statusCode;
      if (typeof http === 'number') return end({ error: statusError(http, { message: errorMessage(err) }, `watch ${path}`) });
      end({ error: new WeirError('IO_ERROR', `watch ${path}: ${errorMessage(err)}`, { cause: err }) });
    },
  );
}
