// Durability of the embedded bus's commits off the main thread. With synchronous=FULL SQLite fsyncs the WAL inside
// COMMIT, which blocks Node's only thread for the length of a disk flush (milliseconds) once per transaction. Instead
// the connection commits with synchronous=NORMAL (frames written to the WAL, not flushed; SQLite still syncs around
// checkpoints and when it starts the WAL over) and this fsyncs the WAL file on libuv's thread pool; a write is
// acknowledged only once an fsync that began after its commit has completed, which is what FULL guarantees. While one
// fsync runs, later commits go on and wait for the next one, so one flush covers many transactions.
import { close, fsync, open } from 'node:fs';
import { WeirError } from '../core/errors.js';

type Done = (err: Error | undefined) => void;
/** fs.fsync's shape (tests pass one that holds or fails the flush). */
export type FsyncFn = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void;

export class WalSync {
  private fd: number | undefined;
  private running = false;
  private waiting: Done[] = [];
  private readonly counts = { fsyncs: 0 };

  /** `path`: the database's WAL file (`<db>-wal`), present once the first write transaction committed. */
  constructor(
    private readonly path: string,
    private readonly flush: FsyncFn = fsync,
  ) {}

  /** Calls `done` once an fsync of the WAL that began after this call has completed (with its error, if any). */
  after(done: Done): void {
    this.waiting.push(done);
    if (!this.running) this.start();
  }

  /** Completed fsyncs (for tests and benchmarks). */
  stats(): { fsyncs: number } {
    return { ...this.counts };
  }

  private start(): void {
    const round = this.waiting;
    this.waiting = [];
    this.running = true;
    const finish = (err: NodeJS.ErrnoException | null): void => {
      this.running = false;
      this.counts.fsyncs++;
      const e =
        err === null
          ? undefined
          : new WeirError('BUS_UNAVAILABLE', `embedded bus: flushing ${this.path} failed: ${err.message}`, {
              cause: err,
              details: { reason: 'error' },
            });
      for (const d of round) d(e);
      if (this.waiting.length > 0) this.start();
    };
    if (this.fd !== undefined) return this.flush(this.fd, finish);
    open(this.path, 'r', (err, fd) => {
      if (err !== null) return finish(err);
      this.fd = fd;
      this.flush(fd, finish);
    });
  }

  /** Closes the file once no fsync is running (callers settle their writes first). */
  close(): void {
    if (this.fd !== undefined) close(this.fd, () => undefined);
    this.fd = undefined;
  }
}
