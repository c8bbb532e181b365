// Group commit for the SQLite store. Writes queued in the same event-loop turn are applied together, in order, in ONE
// IMMEDIATE transaction (one WAL commit, one fsync), each inside its own SAVEPOINT: a write that throws (CONFLICT,
// ALREADY_EXISTS, NOT_FOUND...) rolls back alone and rejects only its own promise. Promises settle only after the
// COMMIT succeeded; the committed changes are then published in resourceVersion order. When BEGIN or COMMIT fails
// (lock timeout, I/O error) or SQLite abandons the transaction, every write of the batch rejects and none is kept.
import type Database from 'better-sqlite3';
import { WeirError } from '../core/errors.js';
import type { Change } from './watch-stream.js';

/** What one write produced inside the transaction: its result, and the change to publish after the commit. */
export interface Applied<T> {
  result: T;
  change?: Change;
}

interface QueuedWrite {
  apply: () => Applied<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: true; applied: Applied<unknown> } | { ok: false; error: WeirError };

export interface GroupCommitOptions {
  db: Database.Database;
  /** Most writes in one transaction; more wait for the next turn (bounds how long one commit blocks the loop). */
  maxBatch: number;
  /** Maps a thrown value to the WeirError a write rejects with. */
  toError: (e: unknown) => WeirError;
  /** Called once per committed change, in resourceVersion order, after the commit. */
  publish: (c: Change) => void;
  /** Runs inside the transaction after the batch's writes, before COMMIT (e.g. trimming the change log once). */
  beforeCommit: () => void;
}

export class GroupCommit {
  private queue: QueuedWrite[] = [];
  private scheduled = false;
  private readonly inSavepoint: (w: QueuedWrite) => Applied<unknown>;
  private readonly batch: (ws: readonly QueuedWrite[]) => Outcome[];

  constructor(private readonly o: GroupCommitOptions) {
    // Called inside `batch`, better-sqlite3 runs a transaction function as SAVEPOINT / RELEASE (ROLLBACK TO on throw).
    this.inSavepoint = o.db.transaction((w: QueuedWrite) => w.apply());
    const all = o.db.transaction((ws: readonly QueuedWrite[]) => {
      const outcomes = ws.map((w) => this.applyOne(w));
      o.beforeCommit();
      return outcomes;
    });
    this.batch = (ws) => all.immediate(ws);
  }

  /** Queues a write (run later, inside a transaction); resolves with its result once its batch has committed. */
  enqueue<T>(apply: () => Applied<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ apply, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.commitNext());
      }
    });
  }

  /** Commits everything queued, now (before the store closes). */
  drain(): void {
    while (this.queue.length > 0) this.commitBatch(this.queue.splice(0, this.o.maxBatch));
  }

  private commitNext(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    this.commitBatch(this.queue.splice(0, this.o.maxBatch));
    if (this.queue.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.commitNext());
    }
  }

  private applyOne(w: QueuedWrite): Outcome {
    try {
      return { ok: true, applied: this.inSavepoint(w) };
    } catch (e) {
      // SQLite rolled the whole transaction back (e.g. SQLITE_FULL, RAISE(ROLLBACK)): the earlier writes of the
      // batch are gone too, so the batch fails as a whole rather than continuing outside any transaction.
      if (!this.o.db.inTransaction) throw e;
      return { ok: false, error: this.o.toError(e) };
    }
  }

  private commitBatch(ws: QueuedWrite[]): void {
    let outcomes: Outcome[];
    try {
      outcomes = this.batch(ws);
    } catch (e) {
      for (const w of ws) w.reject(batchError(this.o.toError(e), ws.length));
      return;
    }
    const changes: Change[] = [];
    outcomes.forEach((out, i) => {
      if (out.ok) {
        ws[i].resolve(out.applied.result);
        if (out.applied.change) changes.push(out.applied.change);
      } else {
        ws[i].reject(out.error);
      }
    });
    // Promises settle in later microtasks; listeners are told first, synchronously, in resourceVersion order.
    for (const c of changes) this.o.publish(c);
  }
}

function batchError(cause: WeirError, size: number): WeirError {
  return new WeirError(cause.code, `${cause.message}; the store's commit of ${size} write(s) failed, none of them was applied`, {
    cause,
    details: { ...cause.details, batchSize: size },
  });
}
