// Group commit for the embedded bus: write operations submitted in the same tick run in ONE SQLite transaction,
// and every submitter's promise settles only after that transaction committed — with synchronous=FULL, after the
// fsync. Many concurrent publishes then cost one fsync instead of one each. One failing operation does not undo the
// others: the batch first runs without savepoints (a savepoint makes SQLite copy every page an operation touches to
// a statement journal: measured 3x the CPU of a publish); when an operation throws, that transaction is rolled back
// whole and the batch runs again with each operation in its own savepoint. Operations must therefore have no
// effects outside the database (return what should happen after the commit instead). Operations submitted as `durable: false` (consumer
// bookkeeping: dispatch, ack, nak) whose loss only means a redelivery commit without the fsync when the batch holds
// nothing else (synchronous=NORMAL in WAL mode: they survive a process kill; a power loss may redeliver). With a
// WalSync (wal-sync.ts) the connection always commits with synchronous=NORMAL and a batch holding a durable operation
// settles after the WAL's fsync on the thread pool instead, so the main thread goes on while the disk flushes; durable
// writes submitted meanwhile commit together when it ends.
import type Database from 'better-sqlite3';
import type { WalSync } from './wal-sync.js';

interface Op {
  fn: () => unknown;
  durable: boolean;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit {
  private queue: Op[] = [];
  private scheduled = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: (() => void) | undefined;
  private stoppedWith: (() => Error) | undefined;
  private readonly counts = { transactions: 0, retried: 0 };

  /** `onCommitted` runs after each successful commit (e.g. to wake consumers) with what beforeCommit returned. */
  constructor(
    private readonly db: Database.Database,
    private readonly onCommitted: (before: unknown) => void,
    private readonly toError: (e: unknown) => Error,
    /** The connection's synchronous setting ('full' makes non-durable batches worth relaxing). */
    private readonly synchronous: 'full' | 'normal' = 'full',
    /** Makes durable batches durable after their commit (the connection then runs with synchronous=NORMAL). */
    private readonly walSync?: WalSync,
    /**
     * Runs inside each transaction after its operations (again when the batch reruns in savepoints); what it returns
     * for the transaction that committed goes to `onCommitted`.
     */
    private readonly beforeCommit?: () => unknown,
  ) {}

  /** What beforeCommit returned in the transaction that just ran (read right after it, in the same flush). */
  private lastBefore: unknown;

  /** Batches committed and waiting for their fsync. */
  private syncing = 0;

  submit<T>(fn: () => T, opts: { durable?: boolean } = {}): Promise<T> {
    if (this.stoppedWith) return Promise.reject(this.stoppedWith());
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, durable: opts.durable ?? true, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        if (this.markIdle === undefined) this.idle = new Promise<void>((r) => (this.markIdle = r));
        setImmediate(() => this.flush());
      }
    });
  }

  /** Committed transactions, and those whose batch ran a second time in savepoints because an operation threw. */
  stats(): { transactions: number; retried: number } {
    return { ...this.counts };
  }

  /** Resolves when everything submitted so far has settled. */
  settled(): Promise<void> {
    return this.idle;
  }

  /** Refuses later submissions (and queued ones not yet run) with `err()`; call before closing the database. */
  stop(err: () => Error): void {
    this.stoppedWith = err;
  }

  private flush(): void {
    this.scheduled = false;
    // While a flush of the WAL runs, durable writes wait: they could not be acknowledged before the next flush anyway,
    // and committed together then they cost one transaction instead of one per tick. Other writes go at once.
    if (this.syncing > 0 && !this.stoppedWith && this.queue.every((op) => op.durable)) return;
    const ops = this.queue;
    this.queue = [];
    if (this.stoppedWith) {
      for (const op of ops) op.reject(this.stoppedWith());
      this.finish();
      return;
    }
    let results: { ok: boolean; value: unknown }[];
    const relax = this.walSync === undefined && this.synchronous === 'full' && ops.every((op) => !op.durable);
    try {
      if (relax) this.db.pragma('synchronous = NORMAL');
      const all = this.runTogether(ops);
      if (all !== undefined) results = all.map((value) => ({ ok: true, value }));
      else {
        this.counts.retried++;
        results = this.runIsolated(ops);
      }
      this.counts.transactions++;
    } catch (e) {
      for (const op of ops) op.reject(this.toError(e));
      this.finish();
      return;
    } finally {
      if (relax) this.db.pragma('synchronous = FULL');
    }
    const before = this.lastBefore;
    this.lastBefore = undefined;
    const settle = (syncError?: Error): void => {
      ops.forEach((op, i) => {
        if (syncError !== undefined && op.durable) op.reject(this.toError(syncError));
        else if (results[i].ok) op.resolve(results[i].value);
        else op.reject(this.toError(results[i].value));
      });
      this.onCommitted(before);
    };
    if (this.walSync === undefined || !ops.some((op) => op.durable)) {
      settle();
      this.finish();
      return;
    }
    this.syncing++;
    this.walSync.after((err) => {
      this.syncing--;
      settle(err);
      if (this.syncing === 0 && this.queue.length > 0 && !this.scheduled) this.flush();
      this.finish();
    });
  }

  /** The batch in one transaction without savepoints; undefined (rolled back) when an operation threw. */
  private runTogether(ops: readonly Op[]): unknown[] | undefined {
    const values: unknown[] = [];
    let opFailed = false;
    try {
      this.db
        .transaction(() => {
          for (const op of ops) {
            try {
              values.push(op.fn());
            } catch (e) {
              opFailed = true;
              throw e;
            }
          }
          this.lastBefore = this.beforeCommit?.();
        })
        .immediate();
    } catch (e) {
      if (opFailed) return undefined;
      throw e;
    }
    return values;
  }

  /** The batch in one transaction, each operation in its own savepoint (a failing one is undone alone). */
  private runIsolated(ops: readonly Op[]): { ok: boolean; value: unknown }[] {
    const results: { ok: boolean; value: unknown }[] = [];
    this.db
      .transaction(() => {
        for (const op of ops) {
          try {
            results.push({ ok: true, value: this.db.transaction(op.fn)() });
          } catch (e) {
            results.push({ ok: false, value: e });
          }
        }
        this.lastBefore = this.beforeCommit?.();
      })
      .immediate();
    return results;
  }

  private finish(): void {
    if (!this.scheduled && this.syncing === 0 && this.markIdle) {
      const m = this.markIdle;
      this.markIdle = undefined;
      m();
    }
  }
}
