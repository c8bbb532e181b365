// Checkpoints of the embedded bus's WAL off the main thread. SQLite's automatic checkpoint runs inside the COMMIT that
// crosses 1,000 WAL pages: it copies them into the database file and fsyncs both files on Node's only thread
// (measured: 60% of a burst's time at 100 events per commit). Here the connection's automatic checkpoint is off; once
// the WAL first reaches that size a worker thread with its own connection starts and runs PASSIVE checkpoints (which
// never block the writer), one at a time, at most every CHECK_MS while commits go on. Those leave the WAL fully copied
// only between commits, which a steady stream of writes never allows, and SQLite starts the WAL over only then: so
// once the WAL holds RESTART_BYTES the main thread runs one PASSIVE checkpoint itself right after a commit (copying
// what the worker has not yet: little) and the next write starts the WAL over; the file is cut back to RESTART_BYTES.
// If the worker cannot start or fails, the connection goes back to SQLite's automatic checkpoint and the bus works as
// before.
import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from '../core/logger.js';

/** WAL size at which checkpoints start: SQLite's own default (1,000 pages of 4 KiB). */
const START_BYTES = 1000 * 4096;
/** Least time between two checkpoint requests. */
const CHECK_MS = 50;
/** WAL size at which the main thread completes a checkpoint so that the WAL starts over. */
const RESTART_BYTES = 16 * 1024 * 1024;

type Reply = { ok: true; log: number; checkpointed: number } | { ok: false; error: string };

export class WalCheckpointer {
  private worker: Worker | undefined;
  private running = false;
  private fellBack = false;
  /** When afterCommit last looked (asked for a checkpoint or read the WAL's size). */
  private lastCheck = 0;
  private exited: Promise<void> = Promise.resolve();
  /** The worker's latest checkpoint found a WAL of RESTART_BYTES or more. */
  private restartDue = false;
  private readonly pageSize: number;
  private readonly counts = { checkpoints: 0, restarts: 0 };

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly log: Logger,
  ) {
    db.pragma('wal_autocheckpoint = 0');
    db.pragma(`journal_size_limit = ${RESTART_BYTES}`);
    this.pageSize = Number(db.pragma('page_size', { simple: true }));
  }

  /** After a commit: asks for a checkpoint when one is due. */
  afterCommit(): void {
    if (this.fellBack || this.running) return;
    if (this.restartDue) {
      this.restartDue = false;
      try {
        this.db.pragma('wal_checkpoint(PASSIVE)');
        this.counts.restarts++;
      } catch (e) {
        this.fallBack(e);
      }
      return;
    }
    const now = performance.now();
    if (now - this.lastCheck < CHECK_MS) return;
    // Until the worker exists this is a stat of the WAL, at most every CHECK_MS (not on every commit).
    this.lastCheck = now;
    if (this.worker === undefined && walBytes(this.path) < START_BYTES) return;
    this.running = true;
    try {
      (this.worker ??= this.start()).postMessage('checkpoint');
    } catch (e) {
      this.fallBack(e);
    }
  }

  /** Checkpoints the worker completed (for tests). */
  stats(): { checkpoints: number; restarts: number; worker: boolean } {
    return { ...this.counts, worker: this.worker !== undefined && !this.fellBack };
  }

  /** Ends the worker (its connection closed) before the bus closes its own. */
  async close(): Promise<void> {
    this.fellBack = true;
    // Kept alive until the worker closed its connection and ended (it is unref'd while the bus runs).
    this.worker?.ref();
    this.worker?.postMessage('close');
    await this.exited;
  }

  private start(): Worker {
    const w = new Worker(new URL('./wal-checkpoint-worker.js', import.meta.url), { workerData: { path: this.path } });
    w.unref();
    this.exited = new Promise((resolve) => w.once('exit', () => resolve()));
    w.on('message', (r: Reply) => {
      this.running = false;
      if (!r.ok) return this.fallBack(new Error(r.error));
      this.counts.checkpoints++;
      if (r.log * this.pageSize >= RESTART_BYTES) this.restartDue = true;
    });
    w.on('error', (e) => this.fallBack(e));
    return w;
  }

  private fallBack(e: unknown): void {
    if (this.fellBack) return;
    this.fellBack = true;
    this.running = false;
    this.log.warn(
      { db: this.path, err: e instanceof Error ? e.message : String(e) },
      'embedded bus: WAL checkpoints back on the main thread',
    );
    void this.worker?.terminate();
    this.db.pragma('wal_autocheckpoint = 1000');
  }
}

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
