// The zero-infrastructure EventBus: durable in its own SQLite file in the data dir (`<dataDir>/bus.db` for the
// `default` bus, `bus-<name>.db` otherwise; WAL, synchronous FULL by default). Publishes, acks and KV writes are
// group-committed (group-commit.ts) and resolve after the commit. Same semantics as the JetStream bus: de-dup by
// event id within duplicateWindow, retention by maxAge/maxMsgs/maxBytes with discard old (warned and counted per
// consumer) or new (publish fails: bus full). Consumers are woken in-process on every commit, with a slow poll as
// a safety net (another process writing the same file). Tables and operations: embedded-log.ts.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import type { CloudEvent } from '../core/cloudevent.js';
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { nullLogger } from '../core/logger.js';
import { badOption, byteSize, checkEvent, durationMs, limit, resolveConsumerOptions, throwIfAborted } from './bus-options.js';
import { consumeEmbedded } from './embedded-consumer.js';
import { EventLog, migrateBusDb } from './embedded-log.js';
import type { AppendInput, LogLimits, PruneReport } from './embedded-log.js';
import { GroupCommit } from './group-commit.js';
import { WalCheckpointer } from './wal-checkpointer.js';
import { WalSync } from './wal-sync.js';
import type { FsyncFn } from './wal-sync.js';
import { newBusMetrics, snapshot } from './metrics.js';
import { encodeToken } from './subject-codec.js';
import type {
  BatchPublishResult,
  BusMessage,
  BusMetrics,
  BusState,
  ConsumerOptions,
  EventBus,
  KeyValueStore,
  KvEntry,
  PublishAck,
  PublishOptions,
} from './types.js';

export interface EmbeddedBusOptions {
  /** Directory of the bus file (created if missing). Required unless `path` is given. */
  dataDir?: string;
  /** Explicit database file; `:memory:` for a bus that lives only in this process (tests). */
  path?: string;
  /** Bus name. Default `default`. */
  name?: string;
  /** Keep events at most this long: Go duration or ms. Default unlimited. */
  maxAge?: string | number;
  /** -1 (default) = unlimited. */
  maxMsgs?: number;
  /** Integer or quantity like 512Mi; -1 (default) = unlimited. */
  maxBytes?: string | number;
  /** Default `old`. */
  discard?: 'old' | 'new';
  /** Default 2m. */
  duplicateWindow?: string | number;
  /** `full` (default): acknowledged events survive a power loss; `normal`: they survive a process kill. */
  synchronous?: 'full' | 'normal';
  /** Safety-net poll for consumers. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Current time (`now`, ms since the epoch). Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
  /** @internal tests: replaces fs.fsync of the WAL under synchronous: full (wal-sync.ts). */
  walFsync?: FsyncFn;
}

export interface ResolvedEmbeddedBusOptions extends LogLimits {
  readonly path: string;
  readonly name: string;
  readonly synchronous: 'full' | 'normal';
  readonly pollIntervalMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

const C = 'embedded bus';

export function resolveEmbeddedBusOptions(o: EmbeddedBusOptions): ResolvedEmbeddedBusOptions {
  const name = o.name ?? 'default';
  if (typeof name !== 'string' || name === '') throw badOption(C, 'name', 'must be a non-empty string');
  let path: string;
  if (o.path !== undefined) path = o.path === ':memory:' ? o.path : resolve(o.path);
  else if (typeof o.dataDir === 'string' && o.dataDir !== '')
    path = join(resolve(o.dataDir), name === 'default' ? 'bus.db' : `bus-${encodeToken(name)}.db`);
  else throw badOption(C, 'dataDir', 'a directory (or path) is required');
  const discard = o.discard ?? 'old';
  if (discard !== 'old' && discard !== 'new') throw badOption(C, 'discard', "must be 'old' or 'new'");
  const synchronous = o.synchronous ?? 'full';
  if (synchronous !== 'full' && synchronous !== 'normal') throw badOption(C, 'synchronous', "must be 'full' or 'normal'");
  const pollIntervalMs = o.pollIntervalMs ?? 1000;
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs <= 0)
    throw badOption(C, 'pollIntervalMs', 'must be a positive number of milliseconds');
  const duplicateWindowMs = durationMs(C, 'duplicateWindow', o.duplicateWindow) ?? 120_000;
  if (duplicateWindowMs <= 0) throw badOption(C, 'duplicateWindow', 'must be positive');
  return Object.freeze({
    path,
    name,
    discard,
    synchronous,
    pollIntervalMs,
    duplicateWindowMs,
    maxAgeMs: durationMs(C, 'maxAge', o.maxAge) ?? 0,
    maxMsgs: limit(C, 'maxMsgs', o.maxMsgs),
    maxBytes: limit(C, 'maxBytes', byteSize(C, 'maxBytes', o.maxBytes)),
    clock: o.clock ?? systemClock,
    logger: o.logger ?? nullLogger,
  });
}

function busDbError(e: unknown): Error {
  if (e instanceof WeirError) return e;
  if (e instanceof Database.SqliteError)
    return new WeirError('BUS_UNAVAILABLE', `embedded bus: ${e.message} (${e.code})`, {
      cause: e,
      details: { reason: 'error', sqliteCode: e.code },
    });
  return e instanceof Error ? e : new WeirError('INTERNAL', `embedded bus: ${String(e)}`);
}

export class EmbeddedBus implements EventBus {
  readonly name: string;
  readonly options: ResolvedEmbeddedBusOptions;
  /** @internal for embedded-consumer.ts */
  readonly log: EventLog;
  /** @internal */
  readonly writes: GroupCommit;
  /** @internal */
  readonly counters = newBusMetrics();
  private readonly db: Database.Database;
  private readonly walSync: WalSync | undefined;
  /** An event was stored in the running transaction (retention is applied before it commits). */
  private appended = false;
  /** @internal tests */
  readonly checkpointer: WalCheckpointer | undefined;
  private readonly wakers = new Set<() => void>();
  private readonly retentionTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(opts: EmbeddedBusOptions) {
    this.options = resolveEmbeddedBusOptions(opts);
    this.name = this.options.name;
    const { path } = this.options;
    try {
      if (path !== ':memory:') mkdirSync(join(path, '..'), { recursive: true });
      this.db = new Database(path);
    } catch (e) {
      throw new WeirError('IO_ERROR', `cannot open ${path}: ${errorMessage(e)}`, { cause: e });
    }
    try {
      this.db.pragma('busy_timeout = 5000');
      if (path !== ':memory:') {
        const mode = this.db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal') throw new WeirError('IO_ERROR', `${path}: cannot use WAL journal mode (got ${String(mode)})`);
      }
      // synchronous: full on a file: commits are made durable off the main thread (wal-sync.ts), so the connection
      // itself runs with NORMAL.
      this.walSync = path !== ':memory:' && this.options.synchronous === 'full' ? new WalSync(`${path}-wal`, opts.walFsync) : undefined;
      this.db.pragma(`synchronous = ${this.walSync !== undefined ? 'NORMAL' : this.options.synchronous.toUpperCase()}`);
      migrateBusDb(this.db, path);
    } catch (e) {
      this.db.close();
      throw e instanceof WeirError ? e : new WeirError('IO_ERROR', `cannot open ${path}: ${errorMessage(e)}`, { cause: e });
    }
    this.log = new EventLog(this.db, this.options);
    if (this.walSync !== undefined) this.log.visibleUpTo = this.log.lastSeq();
    this.checkpointer = path !== ':memory:' ? new WalCheckpointer(this.db, path, this.options.logger) : undefined;
    // Retention and the de-dup window are applied once per transaction that stored an event (indexed deletes; usually
    // nothing to do), after its writes. What was removed is reported after the commit (a write has no effects outside
    // the database, see group-commit.ts).
    const beforeCommit = (): PruneReport | undefined => {
      const r = this.appended ? this.log.prune(this.options.clock.now()) : undefined;
      this.appended = false;
      return r;
    };
    const committed = (pruned: unknown): void => {
      this.reportPrune(pruned as PruneReport | undefined);
      this.wake();
      this.checkpointer?.afterCommit();
    };
    this.writes = new GroupCommit(this.db, committed, busDbError, this.options.synchronous, this.walSync, beforeCommit);
    if (this.options.maxAgeMs > 0) {
      const every = Math.min(60_000, Math.max(1000, this.options.maxAgeMs / 10));
      this.retentionTimer = setInterval(
        () =>
          void this.writes
            .submit(() => this.log.prune(this.options.clock.now()), { durable: false })
            .then(
              (r) => this.reportPrune(r),
              () => undefined,
            ),
        every,
      );
      this.retentionTimer.unref();
    }
  }

  /** @internal Wait for the next commit (or `ms`, or the signal); resolves either way. */
  waitForChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wakers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      this.wakers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wake(): void {
    for (const w of [...this.wakers]) w();
  }

  /** @internal */
  isClosed(): boolean {
    return this.closed;
  }

  /** After the commit of a prune (EventLog.prune): counts and warns about what it removed before consumers acked it. */
  private reportPrune(r: PruneReport | undefined): void {
    if (r === undefined || r.removed === 0) return;
    if (r.byLimits) this.counters.limitWarnings++;
    if (r.unconsumed.size === 0) return;
    let total = 0;
    for (const n of r.unconsumed.values()) total += n;
    this.counters.droppedUnconsumed += total;
    this.options.logger.warn(
      { bus: this.name, removed: r.removed, consumers: Object.fromEntries(r.unconsumed) },
      `event bus: ${total} event(s) removed by the retention limits before every consumer acked them`,
    );
  }

  /** A write acknowledged (durable): consumers may now be handed events up to its seq. */
  private reveal(seq: number): void {
    if (this.walSync !== undefined && seq > this.log.visibleUpTo) this.log.visibleUpTo = seq;
  }

  state(): BusState {
    return this.closed ? 'closed' : 'up';
  }

  metrics(): BusMetrics {
    return snapshot(this.counters);
  }

  async publish(event: CloudEvent, opts: PublishOptions = {}): Promise<PublishAck> {
    checkEvent(event);
    throwIfAborted(opts.signal, 'publish');
    if (this.closed) {
      this.counters.publishFailures++;
      throw new WeirError('BUS_UNAVAILABLE', 'publish: bus closed', { details: { reason: 'closed', eventId: event.id } });
    }
    const body = JSON.stringify(event);
    try {
      const ack = await this.writes.submit(() => {
        const a = this.log.append({ id: event.id, source: event.source, name: event.subject, body }, this.options.clock.now());
        if (!a.duplicate) this.appended = true;
        return a;
      });
      this.reveal(ack.seq);
      if (ack.duplicate) this.counters.duplicates++;
      else this.counters.published++;
      return ack;
    } catch (e) {
      this.counters.publishFailures++;
      if (e instanceof WeirError && e.details?.reason === 'full') this.counters.rejectedFull++;
      throw e;
    }
  }

  /**
   * The events go in as one write (one group-commit transaction, one fsync; retention applied once for the batch);
   * results in input order. An event that is malformed or does not fit (discard: new) fails alone; a database error
   * fails the batch.
   */
  async publishBatch(events: readonly CloudEvent[], opts: PublishOptions = {}): Promise<BatchPublishResult[]> {
    throwIfAborted(opts.signal, 'publish');
    const results = new Array<BatchPublishResult>(events.length);
    const rows: AppendInput[] = [];
    const at: number[] = [];
    const fail = (i: number, e: unknown): void => {
      this.counters.publishFailures++;
      if (e instanceof WeirError && e.details?.reason === 'full') this.counters.rejectedFull++;
      results[i] = { ok: false, error: e instanceof Error ? e : new Error(String(e)) };
    };
    events.forEach((event, i) => {
      try {
        checkEvent(event);
        if (this.closed)
          throw new WeirError('BUS_UNAVAILABLE', 'publish: bus closed', { details: { reason: 'closed', eventId: event.id } });
        rows.push({ id: event.id, source: event.source, name: event.subject, body: JSON.stringify(event) });
        at.push(i);
      } catch (e) {
        fail(i, e);
      }
    });
    if (rows.length === 0) return results;
    try {
      const acks = await this.writes.submit(() => {
        const r = this.log.appendMany(rows, this.options.clock.now());
        if (r.some((a) => !(a instanceof WeirError) && !a.duplicate)) this.appended = true;
        return r;
      });
      acks.forEach((ack, k) => {
        if (ack instanceof WeirError) return fail(at[k], ack);
        this.reveal(ack.seq);
        if (ack.duplicate) this.counters.duplicates++;
        else this.counters.published++;
        results[at[k]] = { ok: true, ack };
      });
    } catch (e) {
      for (const i of at) fail(i, e);
    }
    return results;
  }

  consume(opts: ConsumerOptions): AsyncIterable<BusMessage> {
    const o = resolveConsumerOptions(opts);
    return consumeEmbedded(this, o);
  }

  kv(bucket: string): Promise<KeyValueStore> {
    if (typeof bucket !== 'string' || bucket === '')
      return Promise.reject(new WeirError('INVALID_ARGUMENT', 'kv: bucket name must be a non-empty string'));
    if (this.closed) return Promise.reject(new WeirError('BUS_UNAVAILABLE', 'kv: bus closed', { details: { reason: 'closed' } }));
    const open = (what: string): void => {
      if (this.closed) throw new WeirError('BUS_UNAVAILABLE', `kv ${what}: bus closed`, { details: { reason: 'closed', bucket } });
    };
    const kv: KeyValueStore = {
      get: (key) => {
        try {
          open('get');
          const r: KvEntry | undefined = this.log.kvGet(bucket, key);
          return Promise.resolve(r === undefined ? undefined : { value: r.value, revision: r.revision });
        } catch (e) {
          return Promise.reject(busDbError(e));
        }
      },
      put: (key, value, o = {}) => {
        const exp = o.expectedRevision;
        if (exp !== undefined && (!Number.isSafeInteger(exp) || exp < 0)) {
          return Promise.reject(
            new WeirError('INVALID_ARGUMENT', `kv put ${bucket}/${key}: expectedRevision must be a non-negative integer`),
          );
        }
        return this.writes.submit(() => (open('put'), this.log.kvPut(bucket, key, value, exp)));
      },
      delete: (key) => this.writes.submit(() => (open('delete'), this.log.kvDelete(bucket, key))),
      keys: (prefix = '') => {
        try {
          open('keys');
          return Promise.resolve(this.log.kvKeys(bucket, prefix));
        } catch (e) {
          return Promise.reject(busDbError(e));
        }
      },
    };
    return Promise.resolve(kv);
  }

  /** Lets queued writes commit, ends consumers, closes the file; idempotent. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      await this.writes.settled();
      this.closed = true;
      this.writes.stop(() => new WeirError('BUS_UNAVAILABLE', 'embedded bus: closed', { details: { reason: 'closed' } }));
      if (this.retentionTimer) clearInterval(this.retentionTimer);
      this.wake();
      await this.writes.settled();
      await this.checkpointer?.close();
      this.walSync?.close();
      this.db.close();
    })());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export function createEmbeddedBus(opts: EmbeddedBusOptions): EmbeddedBus {
  return new EmbeddedBus(opts);
}
