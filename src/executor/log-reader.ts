// Reads a step's stdout/stderr files as timestamped lines (see log-index.ts for the stamps), interleaving the
// two streams by time, optionally following until the step ends. A capped log's dropped middle (log-cap.ts) is
// skipped and shown as one marker line; `tailLines` seeks back from the end instead of reading the whole file.
import { open, stat } from 'node:fs/promises';
import { cutMarker, readCut } from './log-cap.js';
import type { CutRange } from './log-cap.js';
import type { LogIndex, StreamName } from './log-index.js';
import type { NodePaths } from './node-dir.js';
import type { LogLine, LogsOptions } from './types.js';

export interface LogSource {
  paths: NodePaths;
  /** The current index (live when the executor watches the step, else loaded from disk). */
  index(): Promise<LogIndex>;
  /** True once the step has ended; everything it wrote is then in the files. */
  finished(): Promise<boolean>;
  /** Resolves at the next change in the step's directory or after a short poll interval. */
  changed(signal: AbortSignal | undefined): Promise<void>;
  clock(): number;
}

const MAX_READ = 4 * 1024 * 1024;
const BACK_CHUNK = 64 * 1024;

interface Cursor {
  stream: StreamName;
  path: string;
  pos: number;
  partial: Buffer;
}

interface ScanOptions {
  /** Wait for more until the step ends; else stop at the current end of the files. */
  follow: boolean;
  /** Emit an unterminated last line once nothing more can come (default: when the step ended or not following). */
  flushAtEnd: boolean;
  since: number | undefined;
  signal: AbortSignal | undefined;
}

/** The step's log lines (one generator level: every line passes through each level's promise machinery). */
export function readLogs(src: LogSource, opts: LogsOptions = {}): AsyncGenerator<LogLine> {
  const cursors: Cursor[] = [
    { stream: 'stdout', path: src.paths.stdout, pos: 0, partial: Buffer.alloc(0) },
    { stream: 'stderr', path: src.paths.stderr, pos: 0, partial: Buffer.alloc(0) },
  ];
  const since = opts.since?.getTime();
  if (opts.tailLines === undefined)
    return scan(src, cursors, { follow: opts.follow === true, flushAtEnd: true, since, signal: opts.signal });
  return readTailLines(src, cursors, opts.tailLines, opts);
}

/** Starts each stream `tail` lines before its end, reads what is there now, keeps the last `tail` lines of both. */
async function* readTailLines(src: LogSource, cursors: Cursor[], tail: number, opts: LogsOptions): AsyncGenerator<LogLine> {
  const since = opts.since?.getTime();
  const follow = opts.follow === true;
  const ended = follow ? await src.finished() : true;
  for (const c of cursors) c.pos = await tailStart(c.path, Math.max(0, tail));
  const last: LogLine[] = [];
  for await (const l of scan(src, cursors, { follow: false, flushAtEnd: ended, since, signal: opts.signal })) {
    last.push(l);
    if (last.length > 2 * tail + 64) last.splice(0, last.length - tail);
  }
  yield* last.slice(Math.max(0, last.length - tail));
  if (follow && !ended) yield* scan(src, cursors, { follow: true, flushAtEnd: true, since, signal: opts.signal });
}

async function* scan(src: LogSource, cursors: Cursor[], o: ScanOptions): AsyncGenerator<LogLine> {
  for (;;) {
    if (o.signal?.aborted) return;
    const ended = o.follow ? await src.finished() : true;
    const flush = ended && o.flushAtEnd;
    const idx = await src.index();
    const batch: { at: number; order: number; line: LogLine }[] = [];
    let more = false;
    for (const c of cursors) {
      const cut = await readCut(c.path);
      const fallback = await fallbackTime(src, c, idx, ended);
      if (cut !== undefined && c.pos >= cut.from && c.pos < cut.to) skipCut(batch, c, cut, idx, fallback);
      const limit = cut !== undefined && c.pos < cut.from ? cut.from : undefined;
      const chunk = await readFrom(c.path, c.pos, limit);
      if (chunk.length === MAX_READ) more = true;
      const data = c.partial.length === 0 ? chunk : Buffer.concat([c.partial, chunk]);
      const base = c.pos - c.partial.length;
      c.pos += chunk.length;
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
        push(batch, c.stream, data.subarray(start, nl), idx.timeFor(c.stream, base + nl + 1) ?? fallback);
        start = nl + 1;
      }
      c.partial = Buffer.from(data.subarray(start));
      if (cut !== undefined && c.pos === cut.from) {
        skipCut(batch, c, cut, idx, fallback);
        more = true; // the kept tail follows at once
      }
      if (flush && !more && c.partial.length > 0) {
        push(batch, c.stream, c.partial, idx.timeFor(c.stream, c.pos) ?? fallback);
        c.partial = Buffer.alloc(0);
      }
    }
    batch.sort((a, b) => a.at - b.at || a.order - b.order);
    for (const b of batch) if (o.since === undefined || b.at >= o.since) yield b.line;
    if (more) continue;
    if (ended) return;
    await src.changed(o.signal);
  }
}

/** At the dropped middle of a capped log: the unterminated line before it, the marker, and on after it. */
function skipCut(batch: { at: number; order: number; line: LogLine }[], c: Cursor, cut: CutRange, idx: LogIndex, fallback: number): void {
  if (c.partial.length > 0) push(batch, c.stream, c.partial, idx.timeFor(c.stream, c.pos) ?? fallback);
  c.partial = Buffer.alloc(0);
  push(batch, c.stream, Buffer.from(cutMarker(cut)), idx.timeFor(c.stream, cut.from + 1) ?? fallback);
  c.pos = cut.to;
}

let seq = 0;
function push(batch: { at: number; order: number; line: LogLine }[], stream: StreamName, bytes: Buffer, at: number): void {
  batch.push({ at, order: seq++, line: { time: new Date(at), stream, line: bytes.toString('utf8') } });
}

async function readFrom(path: string, pos: number, limit: number | undefined): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const { size } = await fh.stat();
    const len = Math.min(Math.max(0, (limit === undefined ? size : Math.min(size, limit)) - pos), MAX_READ);
    const buf = Buffer.alloc(len);
    let off = 0;
    while (off < len) {
      const { bytesRead } = await fh.read(buf, off, len - off, pos + off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}

/**
 * Offset where the last `lines` lines of a stream file begin, found by reading backwards from its end (a capped
 * log's dropped middle is skipped: the tail may reach back into the head, the marker then comes along).
 */
export async function tailStart(path: string, lines: number): Promise<number> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return 0;
  }
  try {
    const { size } = await fh.stat();
    if (lines === 0) return size;
    const cut = await readCut(path);
    let end = size;
    let found = 0;
    // A newline as the very last byte ends the last line; it does not start another one.
    let skipLast = true;
    while (end > 0) {
      if (cut !== undefined && end > cut.from && end <= cut.to) end = cut.from;
      const lo = Math.max(cut !== undefined && end > cut.to ? cut.to : 0, end - BACK_CHUNK);
      const buf = Buffer.alloc(end - lo);
      const { bytesRead } = await fh.read(buf, 0, buf.length, lo);
      for (let i = bytesRead - 1; i >= 0; i--) {
        if (buf[i] !== 0x0a) continue;
        if (skipLast && lo + i === size - 1) continue;
        if (++found >= lines) return lo + i + 1;
      }
      skipLast = false;
      end = lo;
      if (cut !== undefined && end === cut.to) end = cut.from;
    }
    return 0;
  } finally {
    await fh.close();
  }
}

/** Stamp for bytes no record covers: the file's mtime once the step ended (upper bound), else now. */
async function fallbackTime(src: LogSource, c: Cursor, idx: LogIndex, ended: boolean): Promise<number> {
  const list = idx[c.stream];
  const lastAt = list.length > 0 ? list[list.length - 1].at : 0;
  const t = ended ? ((await stat(c.path).catch(() => undefined))?.mtimeMs ?? src.clock()) : src.clock();
  return Math.max(Math.floor(t), lastAt);
}
