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
import type { LogLimits, PruneReport } from './embedded-log.js';
import { GroupCommit } from './group-commit.js';
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
      this.db.pragma(`synchronous = ${this.options.synchronous.toUpperCase()}`);
      migrateBusDb(this.db, path);
    } catch (e) {
      this.db.close();
      throw e instanceof WeirError ? e : new WeirError('IO_ERROR', `cannot open ${path}: ${errorMessage(e)}`, { cause: e });
    }
    this.log = new EventLog(this.db, this.options);
    this.writes = new GroupCommit(this.db, () => this.wake(), busDbError, this.options.synchronous);
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
      const { ack, pruned } = await this.writes.submit(() => {
        const now = this.options.clock.now();
        const a = this.log.append({ id: event.id, source: event.source, name: event.subject, body }, now);
        // Retention and the de-dup window are applied on every write (indexed deletes; usually nothing to do). What
        // was removed is reported after the commit (a write has no effects outside the database, see group-commit.ts).
        return { ack: a, pruned: a.duplicate ? undefined : this.log.prune(now) };
      });
      this.reportPrune(pruned);
      if (ack.duplicate) this.counters.duplicates++;
      else this.counters.published++;
      return ack;
    } catch (e) {
      this.counters.publishFailures++;
      if (e instanceof WeirError && e.details?.reason === 'full') this.counters.rejectedFull++;
      throw e;
    }
  }

  /** The events' writes are submitted together, so they share one group-commit transaction (one fsync). */
  async publishBatch(events: readonly CloudEvent[], opts: PublishOptions = {}): Promise<BatchPublishResult[]> {
    throwIfAborted(opts.signal, 'publish');
    const settled = await Promise.allSettled(events.map((e) => this.publish(e)));
    return settled.map((r) =>
      r.status === 'fulfilled'
        ? { ok: true, ack: r.value }
        : { ok: false, error: r.reason instanceof Error ? r.reason : new Error(String(r.reason)) },
    );
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
