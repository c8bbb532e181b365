// The watch loop shared by the stores: subscribe to live commits first, replay the change log after the start
// version in chunks, then deliver live changes, skipping any resourceVersion already delivered (no gaps, no
// duplicates). Filters by kind, namespace and label selector; ends on abort or when the store closes.
import { KIND_IDENTITY } from '../core/kinds.js';
import type { KindName } from '../api/kinds.js';
import type { LabelPredicate } from './label-selector.js';
import { clone } from './object-rules.js';
import type { ObjectOf, StoredObject, WatchEvent } from './types.js';

/** One committed change; `rv` is the store-wide resourceVersion the write produced. */
export interface Change {
  rv: number;
  kind: KindName;
  type: WatchEvent['type'];
  object: StoredObject;
}

/** A listener receives each committed change, or null once when the store closes. */
export type ChangeListener = (c: Change | null) => void;

export interface ChangeSource {
  /** Registers a listener for changes committed from now on; returns the unsubscribe function. */
  subscribe(listener: ChangeListener): () => void;
  /** Changes of `kind` with rv > after, oldest first, at most `max`; throws an Expired error if some are gone. */
  readAfter(kind: KindName, after: number, max: number): Change[];
  isClosed(): boolean;
}

export interface WatchStreamOptions<K extends KindName = KindName> {
  kind: K;
  /** Deliver changes with rv greater than this. */
  since: number;
  namespace: string | undefined;
  labels: LabelPredicate;
  signal: AbortSignal;
  /** Yield the change's own object (read-only for the consumer) instead of a copy. */
  shared?: boolean;
}

const REPLAY_CHUNK = 256;

export async function* watchStream<K extends KindName>(
  src: ChangeSource,
  o: WatchStreamOptions<K>,
): AsyncGenerator<WatchEvent<ObjectOf<K>>> {
  const live: Change[] = [];
  let wake: (() => void) | undefined;
  let storeClosed = false;
  const unsubscribe = src.subscribe((c) => {
    if (c === null) storeClosed = true;
    else live.push(c);
    wake?.();
  });
  const onAbort = (): void => wake?.();
  o.signal.addEventListener('abort', onAbort);
  const done = (): boolean => o.signal.aborted || storeClosed || src.isClosed();
  const ns = KIND_IDENTITY[o.kind].namespaced ? o.namespace : undefined;
  const wanted = (c: Change): boolean =>
    c.kind === o.kind && (ns === undefined || c.object.metadata.namespace === ns) && o.labels(c.object.metadata.labels);
  // Changes are filtered by kind (wanted), so each object is one of kind K.
  const copy = (x: StoredObject): ObjectOf<K> => (o.shared === true ? x : clone(x)) as ObjectOf<K>;
  let cursor = o.since;
  try {
    for (;;) {
      if (done()) return;
      const chunk = src.readAfter(o.kind, cursor, REPLAY_CHUNK);
      if (chunk.length === 0) break;
      for (const c of chunk) {
        if (done()) return;
        cursor = c.rv;
        if (wanted(c)) yield { type: c.type, object: copy(c.object) };
      }
    }
    for (;;) {
      while (live.length > 0) {
        const c = live.shift() as Change;
        if (done()) return;
        if (c.rv <= cursor) continue;
        cursor = c.rv;
        if (wanted(c)) yield { type: c.type, object: copy(c.object) };
      }
      if (done()) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    unsubscribe();
    o.signal.removeEventListener('abort', onAbort);
  }
}
