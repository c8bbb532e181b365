// Options of the SQLite store (validated once, frozen) and the mapping of SQLite failures to coded errors.
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { WeirError, errorMessage } from '../core/errors.js';

export interface SqliteStoreOptions {
  /** Directory of the database file `weir.db` (created if missing). Required. */
  dataDir: string;
  /** Current time (`now`, ms) for creationTimestamp. Default: the system clock. */
  clock?: Clock;
  /** Change-log rows kept for watches from an old resourceVersion. Default: 10,000. */
  historyLimit?: number;
  /** How long a write waits for another connection's lock before failing. Default: 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * `full` (default): every commit is fsynced before it is acknowledged, so acknowledged writes survive a process
   * kill and a power loss. `normal`: commits reach the OS before they are acknowledged (survive `kill -9`, may be
   * lost with the machine); about 5x faster writes.
   */
  synchronous?: 'full' | 'normal';
}

export interface ResolvedSqliteStoreOptions {
  readonly dataDir: string;
  readonly dbPath: string;
  readonly clock: Clock;
  readonly historyLimit: number;
  readonly busyTimeoutMs: number;
  readonly synchronous: 'full' | 'normal';
}

function badOption(field: string, why: string): WeirError {
  return new WeirError('INVALID_ARGUMENT', `sqlite store option ${field}: ${why}`, { details: { field } });
}

export function resolveSqliteStoreOptions(opts: SqliteStoreOptions): ResolvedSqliteStoreOptions {
  if (typeof opts.dataDir !== 'string' || opts.dataDir === '') throw badOption('dataDir', 'a directory is required');
  const historyLimit = opts.historyLimit ?? 10_000;
  if (!Number.isSafeInteger(historyLimit) || historyLimit < 1) throw badOption('historyLimit', 'must be a positive integer');
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw badOption('busyTimeoutMs', 'must be a non-negative integer');
  const synchronous = opts.synchronous ?? 'full';
  if (synchronous !== 'full' && synchronous !== 'normal') throw badOption('synchronous', 'must be full or normal');
  const dataDir = resolve(opts.dataDir);
  return Object.freeze({
    dataDir,
    dbPath: join(dataDir, 'weir.db'),
    clock: opts.clock ?? systemClock,
    historyLimit,
    busyTimeoutMs,
    synchronous,
  });
}

/** SQLite failures are IO_ERROR (TIMEOUT when another connection held the lock past busyTimeoutMs); bugs INTERNAL. */
export function storeError(e: unknown): WeirError {
  if (e instanceof WeirError) return e;
  if (e instanceof Database.SqliteError) {
    const code = e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED' ? 'TIMEOUT' : 'IO_ERROR';
    return new WeirError(code, `sqlite store: ${e.message} (${e.code})`, { cause: e, details: { sqliteCode: e.code } });
  }
  return new WeirError('INTERNAL', `sqlite store: ${errorMessage(e)}`, { cause: e });
}

/** Runs a synchronous body as a promise, so its throws become rejections (like every ResourceStore method). */
export function run<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (e) {
    return Promise.reject(storeError(e));
  }
}
