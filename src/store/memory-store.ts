// In-memory ResourceStore with Kubernetes semantics (used by `weir run` and tests): generateName with five random
// lowercase alphanumerics, uids, one monotonically increasing resourceVersion for the whole store, CONFLICT on stale
// updates, label and field selectors, limit/continue pagination and watches that replay changes since a version.
import { randomUUID, randomInt } from 'node:crypto';
import { WeirError } from '../core/errors.js';
import { KINDS } from '../api/kinds.js';
import type { KindName } from '../api/kinds.js';
import { compileLabelSelector } from './label-selector.js';
import type { LabelPredicate } from './label-selector.js';
import type { ListOptions, ListResult, NewObject, ResourceStore, StoredObject, WatchEvent, WatchOptions } from './types.js';

export interface MemoryStoreOptions {
  /** Current time for creationTimestamp. Default: Date.now. */
  clock?: () => number;
  /** Maximum change events kept for watches that start from an old version. Default: 10,000. */
  historyLimit?: number;
}

interface Change {
  rv: number;
  kind: KindName;
  event: WatchEvent;
}

const ALPHANUM = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' generateName suffix: 5 characters from its consonant/digit alphabet. */
export function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += ALPHANUM[randomInt(ALPHANUM.length)];
  return s;
}

const clone = <T>(v: T): T => structuredClone(v);

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Reads a dotted field path (`status.phase`, `metadata.name`) from an object. */
function fieldValue(obj: StoredObject, path: string): string | undefined {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, p)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur === undefined || cur === null) return undefined;
  if (typeof cur === 'object') return JSON.stringify(cur);
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

function matchesFields(obj: StoredObject, fields: Record<string, string> | undefined): boolean {
  if (!fields) return true;
  return Object.entries(fields).every(([path, want]) => (fieldValue(obj, path) ?? '') === want);
}

export class MemoryStore implements ResourceStore {
  private readonly objects = new Map<KindName, Map<string, StoredObject>>();
  private readonly history: Change[] = [];
  private readonly listeners = new Set<(c: Change) => void>();
  private rv = 0;
  private closed = false;
  private readonly clock: () => number;
  private readonly historyLimit: number;

  constructor(opts: MemoryStoreOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.historyLimit = opts.historyLimit ?? 10_000;
  }

  private table(kind: KindName): Map<string, StoredObject> {
    if (!Object.hasOwn(KINDS, kind)) throw new WeirError('UNKNOWN_KIND', `unknown kind ${JSON.stringify(kind)}`);
    let t = this.objects.get(kind);
    if (!t) {
      t = new Map();
      this.objects.set(kind, t);
    }
    return t;
  }

  private ns(kind: KindName, namespace: string | undefined): string | undefined {
    return KINDS[kind].namespaced ? (namespace ?? 'default') : undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new WeirError('CANCELLED', 'store is closed');
  }

  private emit(kind: KindName, type: WatchEvent['type'], obj: StoredObject): void {
    const change: Change = { rv: this.rv, kind, event: { type, object: clone(obj) } };
    this.history.push(change);
    if (this.history.length > this.historyLimit) this.history.splice(0, this.history.length - this.historyLimit);
    for (const l of this.listeners) l(change);
  }

  create(kind: KindName, obj: NewObject): Promise<StoredObject> {
    return Promise.resolve().then(() => {
      this.assertOpen();
      const t = this.table(kind);
      const meta = obj.metadata ?? {};
      const namespace = this.ns(kind, meta.namespace);
      let name = meta.name;
      if (!name) {
        if (!meta.generateName) throw new WeirError('INVALID_SPEC', `${kind}: metadata.name or metadata.generateName is required`);
        do name = meta.generateName + randomSuffix();
        while (t.has(keyOf(namespace, name)));
      } else if (t.has(keyOf(namespace, name))) {
        throw new WeirError('ALREADY_EXISTS', `${kind} ${keyOf(namespace, name)} already exists`, { details: { kind, namespace, name } });
      }
      this.rv++;
      const stored = clone(obj) as StoredObject;
      stored.metadata = {
        ...clone(meta),
        name,
        uid: randomUUID(),
        resourceVersion: String(this.rv),
        generation: 1,
        creationTimestamp: new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      };
      if (namespace !== undefined) stored.metadata.namespace = namespace;
      else delete stored.metadata.namespace;
      t.set(keyOf(namespace, name), stored);
      this.emit(kind, 'ADDED', stored);
      return clone(stored);
    });
  }

  get(kind: KindName, namespace: string | undefined, name: string): Promise<StoredObject | undefined> {
    return Promise.resolve().then(() => {
      this.assertOpen();
      const o = this.table(kind).get(keyOf(this.ns(kind, namespace), name));
      return o === undefined ? undefined : clone(o);
    });
  }

  list(kind: KindName, opts: ListOptions = {}): Promise<ListResult> {
    return Promise.resolve().then(() => {
      this.assertOpen();
      const pred = compileLabelSelector(opts.labelSelector);
      const ns = KINDS[kind].namespaced ? opts.namespace : undefined;
      const all = [...this.table(kind).entries()]
        .filter(([, o]) => ns === undefined || o.metadata.namespace === ns)
        .filter(([, o]) => pred(o.metadata.labels) && matchesFields(o, opts.fieldSelector))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      let start = 0;
      if (opts.continue !== undefined) {
        const after = decodeContinue(opts.continue);
        start = all.findIndex(([k]) => k > after);
        if (start < 0) start = all.length;
      }
      const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : Infinity;
      const page = all.slice(start, start + limit);
      const result: ListResult = { items: page.map(([, o]) => clone(o)), resourceVersion: String(this.rv) };
      if (start + page.length < all.length && page.length > 0) result.continue = encodeContinue(page[page.length - 1][0]);
      return result;
    });
  }

  update(kind: KindName, obj: StoredObject): Promise<StoredObject> {
    return Promise.resolve().then(() => {
      this.assertOpen();
      const t = this.table(kind);
      const namespace = this.ns(kind, obj.metadata?.namespace);
      const key = keyOf(namespace, obj.metadata?.name);
      const cur = t.get(key);
      if (!cur) throw new WeirError('NOT_FOUND', `${kind} ${key} not found`, { details: { kind, namespace, name: obj.metadata?.name } });
      if (obj.metadata.resourceVersion !== cur.metadata.resourceVersion) {
        throw new WeirError('CONFLICT', `${kind} ${key} was modified (resourceVersion ${obj.metadata.resourceVersion} is stale; now ${cur.metadata.resourceVersion})`);
      }
      this.rv++;
      const next = clone(obj);
      const specChanged = JSON.stringify(next.spec) !== JSON.stringify(cur.spec);
      next.metadata = {
        ...next.metadata,
        uid: cur.metadata.uid,
        creationTimestamp: cur.metadata.creationTimestamp,
        resourceVersion: String(this.rv),
        generation: (cur.metadata.generation ?? 1) + (specChanged ? 1 : 0),
      };
      if (namespace !== undefined) next.metadata.namespace = namespace;
      t.set(key, next);
      this.emit(kind, 'MODIFIED', next);
      return clone(next);
    });
  }

  delete(kind: KindName, namespace: string | undefined, name: string, opts: { resourceVersion?: string } = {}): Promise<boolean> {
    return Promise.resolve().then(() => {
      this.assertOpen();
      const t = this.table(kind);
      const key = keyOf(this.ns(kind, namespace), name);
      const cur = t.get(key);
      if (!cur) return false;
      if (opts.resourceVersion !== undefined && opts.resourceVersion !== cur.metadata.resourceVersion) {
        throw new WeirError('CONFLICT', `${kind} ${key} was modified (resourceVersion ${opts.resourceVersion} is stale)`);
      }
      t.delete(key);
      this.rv++;
      const gone = clone(cur);
      gone.metadata.resourceVersion = String(this.rv);
      this.emit(kind, 'DELETED', gone);
      return true;
    });
  }

  watch(kind: KindName, opts: WatchOptions): AsyncIterable<WatchEvent> {
    this.assertOpen();
    this.table(kind);
    return this.watchGen(kind, opts, compileLabelSelector(opts.labelSelector));
  }

  private async *watchGen(kind: KindName, opts: WatchOptions, pred: LabelPredicate): AsyncGenerator<WatchEvent> {
    const queue: Change[] = [];
    let wake: (() => void) | undefined;
    const listener = (c: Change): void => {
      queue.push(c);
      wake?.();
    };
    const since = opts.sinceResourceVersion === undefined ? this.rv : Number(opts.sinceResourceVersion);
    if (!Number.isFinite(since)) throw new WeirError('INVALID_ARGUMENT', `bad resource version ${JSON.stringify(opts.sinceResourceVersion)}`);
    const oldest = this.history.length > 0 ? this.history[0].rv : this.rv + 1;
    if (since < oldest - 1 && since < this.rv) {
      throw new WeirError('CONFLICT', `resource version ${since} is too old (oldest kept: ${oldest}); list again`);
    }
    queue.push(...this.history.filter((c) => c.rv > since));
    this.listeners.add(listener);
    const onAbort = (): void => wake?.();
    opts.signal.addEventListener('abort', onAbort);
    const closedCheck = (): boolean => opts.signal.aborted || this.closed;
    try {
      for (;;) {
        while (queue.length > 0) {
          const c = queue.shift() as Change;
          if (closedCheck()) return;
          if (c.kind !== kind) continue;
          const meta = c.event.object.metadata;
          if (opts.namespace !== undefined && KINDS[kind].namespaced && meta.namespace !== opts.namespace) continue;
          if (!pred(meta.labels)) continue;
          yield clone(c.event);
        }
        if (closedCheck()) return;
        await new Promise<void>((r) => {
          wake = r;
        });
        wake = undefined;
      }
    } finally {
      this.listeners.delete(listener);
      opts.signal.removeEventListener('abort', onAbort);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    for (const l of this.listeners) l({ rv: this.rv, kind: 'Workflow', event: { type: 'MODIFIED', object: null as unknown as StoredObject } });
    return Promise.resolve();
  }
}

function encodeContinue(key: string): string {
  return Buffer.from(JSON.stringify({ after: key })).toString('base64url');
}

function decodeContinue(token: string): string {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof v.after === 'string') return v.after;
  } catch {
    // fall through
  }
  throw new WeirError('INVALID_ARGUMENT', `invalid continue token ${JSON.stringify(token)}`);
}

export function createMemoryStore(opts: MemoryStoreOptions = {}): MemoryStore {
  return new MemoryStore(opts);
}
