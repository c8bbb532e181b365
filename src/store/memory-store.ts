// In-memory ResourceStore with Kubernetes semantics (used by `weir run` and tests): generateName with five random
// lowercase alphanumerics, uids, one monotonically increasing resourceVersion for the whole store, CONFLICT on stale
// updates, label and field selectors, limit/continue pagination (name or newest order) and watches that replay
// changes since a version. Object rules, continue tokens and the watch loop are shared with the other stores.
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { WeirError } from '../core/errors.js';
import { randomUUID } from '../core/random.js';
import { KIND_IDENTITY } from '../core/kinds.js';
import type { KindName } from '../api/kinds.js';
import { compileLabelSelector } from './label-selector.js';
import { compareSortKeys, cursorOf, decodeContinue, encodeContinue, isAfter, listOrder } from './list-order.js';
import type { SortKey } from './list-order.js';
import {
  alreadyExists,
  assertKind,
  assertValidLabels,
  buildCreated,
  buildDeleted,
  buildUpdated,
  clone,
  createdMs,
  expiredVersion,
  formatTimestamp,
  generateNameExhausted,
  matchesFields,
  namespaceFor,
  notFound,
  parseResourceVersion,
  requestedName,
  randomSuffix,
  staleVersion,
  storageKey,
} from './object-rules.js';
import { watchStream } from './watch-stream.js';
import type { Change, ChangeListener, ChangeSource } from './watch-stream.js';
import type {
  ListOptions,
  ListResult,
  NewObjectOf,
  ObjectOf,
  ResourceStore,
  StoredObject,
  UpdateOptions,
  WatchEvent,
  WatchOptions,
} from './types.js';

export interface MemoryStoreOptions {
  /** Current time (`now`) for creationTimestamp. Default: the system clock. */
  clock?: Clock;
  /** Maximum change events kept for watches that start from an old version. Default: 10,000. */
  historyLimit?: number;
}

interface Entry {
  obj: StoredObject;
  sort: SortKey;
}

/** A change log slot whose object a newer change of the same object superseded (see emit). */
interface Superseded {
  rv: number;
  kind: KindName;
  superseded: true;
}

/**
 * MODIFIED changes older than this many changes are dropped from the log once a newer change of the same object
 * exists: a watch replaying from further back gets each object's later versions, not every intermediate one (as a
 * level-triggered consumer needs). Without it, the log would hold up to historyLimit full versions of one big
 * Workflow (10,000 x several MB).
 */
const KEEP_ALL_RECENT = 16;

const changeId = (kind: KindName, o: StoredObject): string => `${kind}|${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class MemoryStore implements ResourceStore {
  private readonly objects = new Map<KindName, Map<string, Entry>>();
  private readonly history: (Change | Superseded)[] = [];
  /** rv of the newest change per object (changeId), for dropping superseded changes. */
  private readonly newest = new Map<string, number>();
  private readonly listeners = new Set<ChangeListener>();
  private rv = 0;
  private closed = false;
  private readonly clock: Clock;
  private readonly historyLimit: number;
  private readonly changes: ChangeSource;

  constructor(opts: MemoryStoreOptions = {}) {
    this.clock = opts.clock ?? systemClock;
    this.historyLimit = opts.historyLimit ?? 10_000;
    this.changes = {
      subscribe: (l) => {
        this.listeners.add(l);
        return () => this.listeners.delete(l);
      },
      readAfter: (kind, after, max) => this.readAfter(kind, after, max),
      isClosed: () => this.closed,
    };
  }

  private table(kind: KindName): Map<string, Entry> {
    assertKind(kind);
    let t = this.objects.get(kind);
    if (!t) {
      t = new Map();
      this.objects.set(kind, t);
    }
    return t;
  }

  private assertOpen(): void {
    if (this.closed) throw new WeirError('CANCELLED', 'store is closed');
  }

  private emit(kind: KindName, type: Change['type'], obj: StoredObject): void {
    // Stored objects are never changed in place (an update stores a new copy), so the change log can share them.
    const change: Change = { rv: this.rv, kind, type, object: obj };
    this.history.push(change);
    this.newest.set(changeId(kind, obj), this.rv);
    const old = this.history[this.history.length - 1 - KEEP_ALL_RECENT] as Change | Superseded | undefined;
    if (old && !('superseded' in old) && old.type === 'MODIFIED' && (this.newest.get(changeId(old.kind, old.object)) ?? 0) > old.rv) {
      this.history[this.history.length - 1 - KEEP_ALL_RECENT] = { rv: old.rv, kind: old.kind, superseded: true };
    }
    if (this.history.length > this.historyLimit) {
      this.history.splice(0, this.history.length - this.historyLimit);
      const oldest = this.history[0].rv;
      if (this.newest.size > 2 * this.historyLimit) for (const [k, rv] of this.newest) if (rv < oldest) this.newest.delete(k);
    }
    for (const l of this.listeners) l(change);
  }

  private oldestKept(): number {
    return this.history.length > 0 ? this.history[0].rv : this.rv + 1;
  }

  private readAfter(kind: KindName, after: number, max: number): Change[] {
    if (after < this.oldestKept() - 1 && after < this.rv) throw expiredVersion(after, this.oldestKept());
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid].rv <= after) lo = mid + 1;
      else hi = mid;
    }
    const out: Change[] = [];
    for (let i = lo; i < this.history.length && out.length < max; i++) {
      const c = this.history[i];
      if (c.kind === kind && !('superseded' in c)) out.push(c);
    }
    return out;
  }

  create<K extends KindName>(kind: K, obj: NewObjectOf<K>): Promise<ObjectOf<K>> {
    return Promise.resolve().then(() => {
      this.assertOpen();
      const t = this.table(kind);
      const namespace = namespaceFor(kind, obj.metadata?.namespace);
      let name = requestedName(kind, obj);
      assertValidLabels(kind, obj);
      if (name === undefined) {
        for (let i = 0; name === undefined || t.has(storageKey(namespace, name)); i++) {
          if (i >= 100) throw generateNameExhausted(kind, String(obj.metadata.generateName));
          name = String(obj.metadata.generateName) + randomSuffix();
        }
      } else if (t.has(storageKey(namespace, name))) {
        throw alreadyExists(kind, namespace, name);
      }
      this.rv++;
      const creationTimestamp = formatTimestamp(this.clock.now());
      const stored = buildCreated(obj, { name, namespace, uid: randomUUID(), resourceVersion: this.rv, creationTimestamp });
      const key = storageKey(namespace, name);
      t.set(key, { obj: stored, sort: { key, createdMs: createdMs(stored), createRv: this.rv } });
      this.emit(kind, 'ADDED', stored);
      return clone(stored) as ObjectOf<K>;
    });
  }

  get<K extends KindName>(kind: K, namespace: string | undefined, name: string): Promise<ObjectOf<K> | undefined> {
    return Promise.resolve().then(() => {
      this.assertOpen();
      const e = this.table(kind).get(storageKey(namespaceFor(kind, namespace), name));
      return e === undefined ? undefined : (clone(e.obj) as ObjectOf<K>);
    });
  }

  list<K extends KindName>(kind: K, opts: ListOptions = {}): Promise<ListResult<ObjectOf<K>>> {
    return Promise.resolve().then(() => {
      this.assertOpen();
      const t = this.table(kind);
      const pred = compileLabelSelector(opts.labelSelector);
      const order = listOrder(opts.order);
      const after = opts.continue === undefined ? undefined : decodeContinue(opts.continue, order);
      const ns = KIND_IDENTITY[kind].namespaced ? opts.namespace : undefined;
      const cmp = compareSortKeys(order);
      const all = [...t.values()]
        .filter((e) => ns === undefined || e.obj.metadata.namespace === ns)
        .filter((e) => pred(e.obj.metadata.labels) && matchesFields(e.obj, opts.fieldSelector))
        .filter((e) => after === undefined || isAfter(after, e.sort))
        .sort((a, b) => cmp(a.sort, b.sort));
      const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Infinity;
      const page = all.slice(0, limit);
      const result: ListResult<ObjectOf<K>> = { items: page.map((e) => clone(e.obj) as ObjectOf<K>), resourceVersion: String(this.rv) };
      if (page.length < all.length && page.length > 0) result.continue = encodeContinue(cursorOf(order, page[page.length - 1].sort));
      return result;
    });
  }

  update<K extends KindName>(kind: K, obj: ObjectOf<K>, opts: UpdateOptions = {}): Promise<ObjectOf<K>> {
    return Promise.resolve().then(() => {
      this.assertOpen();
      const t = this.table(kind);
      const namespace = namespaceFor(kind, obj.metadata?.namespace);
      const name = obj.metadata?.name;
      const key = storageKey(namespace, name);
      const cur = t.get(key);
      if (!cur) throw notFound(kind, namespace, name);
      assertValidLabels(kind, obj);
      if (obj.metadata.resourceVersion !== cur.obj.metadata.resourceVersion) {
        throw staleVersion(kind, namespace, name, obj.metadata.resourceVersion, cur.obj.metadata.resourceVersion);
      }
      this.rv++;
      const handOver = opts.handOver === true;
      const next = buildUpdated(cur.obj, obj, namespace, this.rv, !handOver);
      t.set(key, { obj: next, sort: cur.sort });
      this.emit(kind, 'MODIFIED', next);
      return (handOver ? next : clone(next)) as ObjectOf<K>;
    });
  }

  delete(kind: KindName, namespace: string | undefined, name: string, opts: { resourceVersion?: string } = {}): Promise<boolean> {
    return Promise.resolve().then(() => {
      this.assertOpen();
      const t = this.table(kind);
      const ns = namespaceFor(kind, namespace);
      const key = storageKey(ns, name);
      const cur = t.get(key);
      if (!cur) return false;
      if (opts.resourceVersion !== undefined && opts.resourceVersion !== cur.obj.metadata.resourceVersion) {
        throw staleVersion(kind, ns, name, opts.resourceVersion, cur.obj.metadata.resourceVersion);
      }
      t.delete(key);
      this.rv++;
      this.emit(kind, 'DELETED', buildDeleted(cur.obj, this.rv));
      return true;
    });
  }

  watch<K extends KindName>(kind: K, opts: WatchOptions): AsyncIterable<WatchEvent<ObjectOf<K>>> {
    this.assertOpen();
    assertKind(kind);
    const labels = compileLabelSelector(opts.labelSelector);
    const since = opts.sinceResourceVersion === undefined ? this.rv : parseResourceVersion(opts.sinceResourceVersion);
    if (since < this.oldestKept() - 1 && since < this.rv) throw expiredVersion(since, this.oldestKept());
    return watchStream(this.changes, { kind, since, namespace: opts.namespace, labels, signal: opts.signal, shared: opts.shared });
  }

  close(): Promise<void> {
    this.closed = true;
    for (const l of this.listeners) l(null);
    return Promise.resolve();
  }
}

export function createMemoryStore(opts: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(opts);
}
