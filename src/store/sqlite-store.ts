// The embedded durable ResourceStore on SQLite (better-sqlite3): one file `<dataDir>/weir.db` in WAL mode. Each write
// bumps the store-wide resourceVersion, writes the object row, its labels and a change-log row (compacting this
// object's MODIFIED rows more than 16 changes old); each commit prunes the log to `historyLimit`. Writes are group-committed (sqlite-batch.ts): those issued in the same event-loop turn share one
// IMMEDIATE transaction and one fsync, each in its own savepoint; a write's promise settles after that commit.
// Visibility: a write is applied in a later turn than its call (setImmediate); until its batch commits, get/list/watch
// do not see it; it is visible from the commit on, which is before its promise resolves (watchers are told right after
// the commit, so a watcher may see a change just before the writer's `await` returns). Reads see committed data only.
// update() never parses the stored body: the row keeps uid, creationTimestamp, generation, a spec hash and labels.
// Options and error mapping: sqlite-options.ts.
// Lists use indexed columns (kind, namespace/name key, phase, creation time) and keyset continue tokens.
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { WeirError, errorMessage } from '../core/errors.js';
import type { KindName } from '../api/kinds.js';
import { compileLabelSelector, parseLabelSelector } from './label-selector.js';
import { cursorOf, decodeContinue, encodeContinue, listOrder } from './list-order.js';
import {
  alreadyExists,
  assertKind,
  assertValidLabels,
  createdMs,
  expiredVersion,
  formatTimestamp,
  generateNameExhausted,
  matchesFields,
  namespaceFor,
  notFound,
  parseResourceVersion,
  randomSuffix,
  requestedName,
  staleVersion,
  storageKey,
} from './object-rules.js';
import { GroupCommit } from './sqlite-batch.js';
import { resolveSqliteStoreOptions, run, storeError } from './sqlite-options.js';
import type { ResolvedSqliteStoreOptions, SqliteStoreOptions } from './sqlite-options.js';
import type { Applied } from './sqlite-batch.js';
import { migrate } from './sqlite-schema.js';
import { buildListQuery } from './sqlite-query.js';
import type { ListQuery, ListRow } from './sqlite-query.js';
import { bodyOf, CommittedChange, encodeObject } from './sqlite-rows.js';
import type { EncodedObject, MetadataDraft } from './sqlite-rows.js';
import { SqliteStatements } from './sqlite-statements.js';
import type { ObjectHead, ObjectRow } from './sqlite-statements.js';
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

const MAX_GENERATE_TRIES = 100;
/** Most writes one group commit applies; the rest go in the next turn, so one commit does not block the loop long. */
const MAX_BATCH_WRITES = 1000;
/**
 * MODIFIED changes older than this many changes are compacted once a newer change of the same object exists (as the
 * memory store does): a watch replaying from further back gets each object's later versions, not every intermediate
 * one. Without it the log holds up to historyLimit full versions of one big Workflow (10,000 x several MB on disk).
 */
const KEEP_ALL_RECENT = 16;

export class SqliteStore implements ResourceStore {
  readonly options: ResolvedSqliteStoreOptions;
  private readonly db: Database.Database;
  private readonly st: SqliteStatements;
  private readonly listeners = new Set<ChangeListener>();
  private readonly queryCache = new Map<string, Database.Statement>();
  private readonly changes: ChangeSource;
  private readonly writes: GroupCommit;
  private closed = false;

  constructor(opts: SqliteStoreOptions) {
    this.options = resolveSqliteStoreOptions(opts);
    try {
      mkdirSync(this.options.dataDir, { recursive: true });
      this.db = new Database(this.options.dbPath);
    } catch (e) {
      throw new WeirError('IO_ERROR', `cannot open ${this.options.dbPath}: ${errorMessage(e)}`, { cause: e });
    }
    try {
      this.db.pragma(`busy_timeout = ${this.options.busyTimeoutMs}`);
      const mode = this.db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new WeirError('IO_ERROR', `${this.options.dbPath}: cannot use WAL journal mode (got ${String(mode)})`);
      this.db.pragma(`synchronous = ${this.options.synchronous.toUpperCase()}`);
      migrate(this.db, () => formatTimestamp(this.options.clock.now()));
      this.st = new SqliteStatements(this.db);
    } catch (e) {
      this.db.close();
      throw e instanceof WeirError ? e : new WeirError('IO_ERROR', `cannot open ${this.options.dbPath}: ${errorMessage(e)}`, { cause: e });
    }
    this.changes = {
      subscribe: (l) => {
        this.listeners.add(l);
        return () => this.listeners.delete(l);
      },
      readAfter: (kind, after, max) => this.readAfter(kind, after, max),
      isClosed: () => this.closed,
    };
    this.writes = new GroupCommit({
      db: this.db,
      maxBatch: MAX_BATCH_WRITES,
      toError: storeError,
      publish: (c) => this.publish(c),
      beforeCommit: () => this.pruneChanges(),
    });
  }

  private assertOpen(kind: KindName): void {
    if (this.closed) throw new WeirError('CANCELLED', 'store is closed');
    assertKind(kind);
  }

  /** Checks and encodes a write now (throws reject at once), then queues what it does inside the group commit. */
  private write<T>(kind: KindName, prepare: () => () => Applied<T>): Promise<T> {
    let apply: () => Applied<T>;
    try {
      this.assertOpen(kind);
      apply = prepare();
    } catch (e) {
      return Promise.reject(storeError(e));
    }
    return this.writes.enqueue(apply);
  }

  /**
   * Inside a write transaction: the change-log row, and compaction of this object's older MODIFIED rows that it
   * supersedes (the log is trimmed to historyLimit once per batch, by pruneChanges).
   */
  private logChange(kind: KindName, type: Change['type'], skey: string, rv: number, body: string, object?: StoredObject): Change {
    this.st.insertChange.run(rv, kind, type, body, skey);
    this.st.compactChanges.run(kind, skey, rv - KEEP_ALL_RECENT);
    return new CommittedChange(rv, kind, type, body, object);
  }

  /** Before each group commit: keeps the last historyLimit changes. */
  private pruneChanges(): void {
    this.st.pruneChanges.run((this.st.currentRv.get() as number) - this.options.historyLimit);
  }

  private publish(c: Change): void {
    for (const l of this.listeners) l(c);
  }

  private writeLabels(id: number | bigint, labels: Record<string, unknown> | undefined): void {
    for (const [k, v] of Object.entries(labels ?? {})) this.st.insertLabel.run(id, k, String(v));
  }

  create<K extends KindName>(kind: K, obj: NewObjectOf<K>): Promise<ObjectOf<K>> {
    return this.write(kind, (): (() => Applied<ObjectOf<K>>) => {
      const namespace = namespaceFor(kind, obj.metadata?.namespace);
      const wanted = requestedName(kind, obj);
      assertValidLabels(kind, obj);
      const enc = encodeObject(obj);
      return () => this.applyCreate(kind, namespace, wanted, enc) as Applied<ObjectOf<K>>;
    });
  }

  private applyCreate(
    kind: KindName,
    namespace: string | undefined,
    wanted: string | undefined,
    enc: EncodedObject,
  ): Applied<StoredObject> {
    let name = wanted;
    if (name === undefined) {
      for (let i = 0; name === undefined || this.st.exists.get(kind, storageKey(namespace, name)) !== undefined; i++) {
        if (i >= MAX_GENERATE_TRIES) throw generateNameExhausted(kind, String(enc.metadata.generateName));
        name = String(enc.metadata.generateName) + randomSuffix();
      }
    } else if (this.st.exists.get(kind, storageKey(namespace, name)) !== undefined) {
      throw alreadyExists(kind, namespace, name);
    }
    const rv = this.st.bumpRv.get() as number;
    const creationTimestamp = formatTimestamp(this.options.clock.now());
    const uid = randomUUID();
    const meta: MetadataDraft = { ...enc.metadata, name, uid, resourceVersion: String(rv), generation: 1, creationTimestamp };
    if (namespace !== undefined) meta.namespace = namespace;
    else delete meta.namespace;
    const body = bodyOf(enc, meta);
    const stored = JSON.parse(body) as StoredObject;
    const { lastInsertRowid } = this.st.insertObject.run({
      kind,
      namespace: namespace ?? '',
      name,
      skey: storageKey(namespace, name),
      phase: enc.phase,
      created_ms: createdMs(stored),
      create_rv: rv,
      rv,
      body,
      uid,
      created: creationTimestamp,
      spec_hash: enc.specHash,
      labels: enc.labelsJson,
    });
    this.writeLabels(lastInsertRowid, meta.labels);
    return { result: stored, change: this.logChange(kind, 'ADDED', storageKey(namespace, name), rv, body) };
  }

  get<K extends KindName>(kind: K, namespace: string | undefined, name: string): Promise<ObjectOf<K> | undefined> {
    return run(() => {
      this.assertOpen(kind);
      const row = this.st.getObject.get(kind, storageKey(namespaceFor(kind, namespace), name)) as ObjectRow | undefined;
      return row === undefined ? undefined : (JSON.parse(row.body) as ObjectOf<K>);
    });
  }

  private prepared(sql: string): Database.Statement {
    let s = this.queryCache.get(sql);
    if (!s) {
      if (this.queryCache.size >= 200) this.queryCache.clear();
      s = this.db.prepare(sql);
      this.queryCache.set(sql, s);
    }
    return s;
  }

  private listQuery(kind: KindName, opts: ListOptions, fetch: number | undefined): ListQuery {
    const order = listOrder(opts.order);
    return buildListQuery({
      kind,
      namespace: opts.namespace,
      requirements: parseLabelSelector(opts.labelSelector ?? ''),
      fieldSelector: opts.fieldSelector,
      order,
      after: opts.continue === undefined ? undefined : decodeContinue(opts.continue, order),
      fetch,
    });
  }

  list<K extends KindName>(kind: K, opts: ListOptions = {}): Promise<ListResult<ObjectOf<K>>> {
    return run(() => {
      this.assertOpen(kind);
      const limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : undefined;
      const q = this.listQuery(kind, opts, limit === undefined ? undefined : limit + 1);
      const order = listOrder(opts.order);
      return this.db
        .transaction((): ListResult<ObjectOf<K>> => {
          const resourceVersion = String(this.st.currentRv.get());
          const items: ObjectOf<K>[] = [];
          let last: ListRow | undefined;
          let more = false;
          for (const row of this.prepared(q.sql).iterate(...q.params) as IterableIterator<ListRow>) {
            if (limit !== undefined && items.length >= limit && q.jsFields === undefined) {
              more = true;
              break;
            }
            const obj = JSON.parse(row.body) as ObjectOf<K>;
            if (q.jsFields !== undefined && !matchesFields(obj, q.jsFields)) continue;
            if (limit !== undefined && items.length >= limit) {
              more = true;
              break;
            }
            items.push(obj);
            last = row;
          }
          const result: ListResult<ObjectOf<K>> = { items, resourceVersion };
          if (more && last !== undefined) {
            result.continue = encodeContinue(cursorOf(order, { key: last.skey, createdMs: last.created_ms, createRv: last.create_rv }));
          }
          return result;
        })
        .deferred();
    });
  }

  /** SQLite's plan for the query a list with these options runs (EXPLAIN QUERY PLAN detail lines). */
  explainList(kind: KindName, opts: ListOptions = {}): string[] {
    this.assertOpen(kind);
    const q = this.listQuery(kind, opts, opts.limit);
    return (this.db.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.params) as { detail: string }[]).map((r) => r.detail);
  }

  /**
   * With `handOver` (the caller will not change `obj` and takes the result read-only), the result is `obj` with the
   * stored metadata, shared with watchers, instead of a copy parsed from the stored JSON (one parse of the body less).
   */
  update<K extends KindName>(kind: K, obj: ObjectOf<K>, opts: UpdateOptions = {}): Promise<ObjectOf<K>> {
    return this.write(kind, (): (() => Applied<ObjectOf<K>>) => {
      const namespace = namespaceFor(kind, obj.metadata?.namespace);
      const name = obj.metadata?.name;
      const given = obj.metadata?.resourceVersion;
      assertValidLabels(kind, obj);
      const enc = encodeObject(obj);
      return () => this.applyUpdate(kind, namespace, name, given, enc, opts.handOver === true ? obj : undefined) as Applied<ObjectOf<K>>;
    });
  }

  private applyUpdate(
    kind: KindName,
    namespace: string | undefined,
    name: string,
    given: string,
    enc: EncodedObject,
    handedOver: StoredObject | undefined,
  ): Applied<StoredObject> {
    const cur = this.st.getHead.get(kind, storageKey(namespace, name)) as ObjectHead | undefined;
    if (cur === undefined) throw notFound(kind, namespace, name);
    if (given !== String(cur.rv)) staleOrThrow(kind, namespace, name, given, cur.rv);
    const rv = this.st.bumpRv.get() as number;
    // As buildUpdated (object-rules.ts) does from the parsed current object: uid and creationTimestamp kept,
    // generation bumped when the spec changed.
    const generation = cur.generation + (enc.specHash === cur.spec_hash ? 0 : 1);
    const meta: MetadataDraft = {
      ...enc.metadata,
      uid: cur.uid ?? undefined,
      creationTimestamp: cur.created ?? undefined,
      resourceVersion: String(rv),
      generation,
    };
    if (namespace !== undefined) meta.namespace = namespace;
    else delete meta.namespace;
    const body = bodyOf(enc, meta);
    this.st.updateObject.run({ phase: enc.phase, rv, body, generation, spec_hash: enc.specHash, labels: enc.labelsJson, id: cur.id });
    if (enc.labelsJson !== cur.labels) {
      this.st.deleteLabels.run(cur.id);
      this.writeLabels(cur.id, meta.labels);
    }
    const skey = storageKey(namespace, name);
    if (handedOver === undefined)
      return { result: JSON.parse(body) as StoredObject, change: this.logChange(kind, 'MODIFIED', skey, rv, body) };
    const stored: StoredObject = { ...handedOver, metadata: meta as StoredObject['metadata'] };
    return { result: stored, change: this.logChange(kind, 'MODIFIED', skey, rv, body, stored) };
  }

  delete(kind: KindName, namespace: string | undefined, name: string, opts: { resourceVersion?: string } = {}): Promise<boolean> {
    return this.write(kind, () => {
      const ns = namespaceFor(kind, namespace);
      const precondition = opts.resourceVersion;
      return () => this.applyDelete(kind, ns, name, precondition);
    });
  }

  private applyDelete(kind: KindName, ns: string | undefined, name: string, precondition: string | undefined): Applied<boolean> {
    const cur = this.st.getHead.get(kind, storageKey(ns, name)) as ObjectHead | undefined;
    if (cur === undefined) return { result: false };
    if (precondition !== undefined && precondition !== String(cur.rv)) staleOrThrow(kind, ns, name, precondition, cur.rv);
    const rv = this.st.bumpRv.get() as number;
    const body = this.st.deletedBody.get(String(rv), cur.id) as string;
    this.st.deleteObject.run(cur.id);
    this.st.deleteLabels.run(cur.id);
    return { result: true, change: this.logChange(kind, 'DELETED', storageKey(ns, name), rv, body) };
  }

  private expiredCheck(since: number): void {
    const current = this.st.currentRv.get() as number;
    const oldest = (this.st.oldestChange.get() as number | null) ?? current + 1;
    if (since < oldest - 1 && since < current) throw expiredVersion(since, oldest);
  }

  private readAfter(kind: KindName, after: number, max: number): Change[] {
    try {
      return this.db
        .transaction((): Change[] => {
          this.expiredCheck(after);
          const rows = this.st.readChanges.all(after, kind, max) as { rv: number; type: Change['type']; body: string }[];
          return rows.map((r) => new CommittedChange(r.rv, kind, r.type, r.body));
        })
        .deferred();
    } catch (e) {
      throw storeError(e);
    }
  }

  watch<K extends KindName>(kind: K, opts: WatchOptions): AsyncIterable<WatchEvent<ObjectOf<K>>> {
    this.assertOpen(kind);
    const labels = compileLabelSelector(opts.labelSelector);
    let since: number;
    try {
      since =
        opts.sinceResourceVersion === undefined ? (this.st.currentRv.get() as number) : parseResourceVersion(opts.sinceResourceVersion);
      this.expiredCheck(since);
    } catch (e) {
      throw storeError(e);
    }
    return watchStream(this.changes, { kind, since, namespace: opts.namespace, labels, signal: opts.signal, shared: opts.shared });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // Writes already issued are committed (and published) before the store closes.
    this.writes.drain();
    this.closed = true;
    for (const l of this.listeners) l(null);
    this.listeners.clear();
    return run(() => {
      this.db.pragma('optimize');
      this.db.close();
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function staleOrThrow(kind: KindName, namespace: string | undefined, name: string, given: string, current: number): never {
  throw staleVersion(kind, namespace, name, given, String(current));
}

/** Opens (creating and migrating if needed) the store in `<dataDir>/weir.db`. */
export function createSqliteStore(opts: SqliteStoreOptions): SqliteStore {
  return new SqliteStore(opts);
}

export { resolveSqliteStoreOptions };
export type { ResolvedSqliteStoreOptions, SqliteStoreOptions };
