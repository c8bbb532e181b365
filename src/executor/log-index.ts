// Per-line log timestamps for steps whose stdout/stderr go straight to files (no pipe through Weir).
// While Weir watches a running step it appends "<stream> <byte-size> <epoch-ms>" records to <node>/log-index
// whenever a file grows (inotify via fs.watch), the time being the file's mtime at that size, i.e. when the
// last of those bytes was written. A line ending at byte E gets the time of the first record with size >= E.
// Bytes written while no Weir process watched (e.g. during a restart) share the mtime seen on adoption.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { appendFile, readFile, stat } from 'node:fs/promises';
import type { Logger } from '../core/logger.js';
import { LogCap } from './log-cap.js';
import type { NodePaths } from './node-dir.js';

export type StreamName = 'stdout' | 'stderr';
const CODE: Record<StreamName, string> = { stdout: 'o', stderr: 'e' };

export interface IndexRecord {
  size: number;
  at: number;
}

export class LogIndex {
  readonly stdout: IndexRecord[] = [];
  readonly stderr: IndexRecord[] = [];

  static async load(path: string): Promise<LogIndex> {
    const idx = new LogIndex();
    const text = await readFile(path, 'latin1').catch(() => '');
    for (const line of text.split('\n')) {
      const m = /^([oe]) (\d+) (\d+)$/.exec(line);
      if (m !== null) idx.record(m[1] === 'o' ? 'stdout' : 'stderr', Number(m[2]), Number(m[3]));
    }
    return idx;
  }

  /** Adds a record when the stream grew past the last one; returns whether it did. */
  record(stream: StreamName, size: number, at: number): boolean {
    const list = this[stream];
    const last = list[list.length - 1];
    if (last !== undefined && size <= last.size) return false;
    list.push({ size, at: last !== undefined && at < last.at ? last.at : at });
    return true;
  }

  /** Time the byte range ending at `end` was first seen complete; undefined when not indexed yet. */
  timeFor(stream: StreamName, end: number): number | undefined {
    const list = this[stream];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].size >= end) hi = mid;
      else lo = mid + 1;
    }
    return list[lo]?.at;
  }
}

/**
 * Watches one running step's directory: indexes log growth, caps the logs (log-cap.ts) and notices the exit file. `onChange` is
 * called (debounced by the caller's own logic) whenever something in the directory changed.
 */
export class StepWatch {
  private watcher: FSWatcher | undefined;
  private pending = '';
  private flushTimer: NodeJS.Timeout | undefined;
  private observing: Promise<void> | undefined;
  private again = false;
  private closed = false;

  private readonly caps: { stdout: LogCap; stderr: LogCap };

  constructor(
    private readonly paths: NodePaths,
    readonly index: LogIndex,
    private readonly log: Logger,
    private readonly onChange: (file: string | null) => void,
    maxLogBytes: number,
  ) {
    this.caps = { stdout: new LogCap(paths.stdout, maxLogBytes, log), stderr: new LogCap(paths.stderr, maxLogBytes, log) };
  }

  /** Starts watching; `observeNow` indexes what the files already hold. */
  start(observeNow: boolean): void {
    try {
      this.watcher = watch(this.paths.dir, { persistent: false }, (_event, file) => {
        const name = typeof file === 'string' ? file : null;
        if (name === 'stdout' || name === 'stderr' || name === null) void this.observe();
        this.onChange(name);
      });
      this.watcher.on('error', (err) => this.log.warn({ err, dir: this.paths.dir }, 'step directory watch failed'));
    } catch (err) {
      this.log.warn({ err, dir: this.paths.dir }, 'cannot watch step directory; falling back to polling');
    }
    if (observeNow) void this.observe();
  }

  /** Stats stdout/stderr and records growth. Concurrent calls coalesce into one extra pass. */
  observe(): Promise<void> {
    if (this.observing !== undefined) {
      this.again = true;
      return this.observing;
    }
    this.observing = (async () => {
      do {
        this.again = false;
        const [o, e] = await Promise.all([sizeOf(this.paths.stdout), sizeOf(this.paths.stderr)]);
        if (this.index.record('stdout', o.size, o.at)) this.pending += `${CODE.stdout} ${o.size} ${o.at}\n`;
        if (this.index.record('stderr', e.size, e.at)) this.pending += `${CODE.stderr} ${e.size} ${e.at}\n`;
        await Promise.all([this.caps.stdout.enforce(o.size), this.caps.stderr.enforce(e.size)]);
      } while (this.again && !this.closed);
      this.observing = undefined;
      if (this.pending !== '' && this.flushTimer === undefined && !this.closed) {
        this.flushTimer = setTimeout(() => void this.flush(), 200);
        this.flushTimer.unref();
      }
    })();
    return this.observing;
  }

  async flush(): Promise<void> {
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    await appendFile(this.paths.logIndex, text).catch((err: unknown) =>
      this.log.warn({ err, dir: this.paths.dir }, 'cannot append to log index'),
    );
  }

  /** Final observation, index flushed, watcher closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.observe();
    this.closed = true;
    this.watcher?.close();
    await this.flush();
  }
}

/** Size and mtime: every byte up to `size` was written by `at` (the last write), whenever we look. */
async function sizeOf(path: string): Promise<{ size: number; at: number }> {
  return stat(path).then(
    (s) => ({ size: s.size, at: Math.floor(s.mtimeMs) }),
    () => ({ size: 0, at: 0 }),
  );
}
