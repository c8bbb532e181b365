// Reads a step's stdout/stderr files as timestamped lines (see log-index.ts for the stamps), interleaving the
// two streams by time, optionally following until the step ends.
import { open, stat } from 'node:fs/promises';
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

interface Cursor {
  stream: StreamName;
  path: string;
  pos: number;
  partial: Buffer;
}

export async function* readLogs(src: LogSource, opts: LogsOptions = {}): AsyncGenerator<LogLine> {
  const cursors: Cursor[] = [
    { stream: 'stdout', path: src.paths.stdout, pos: 0, partial: Buffer.alloc(0) },
    { stream: 'stderr', path: src.paths.stderr, pos: 0, partial: Buffer.alloc(0) },
  ];
  const since = opts.since?.getTime();
  for (;;) {
    if (opts.signal?.aborted) return;
    const ended = opts.follow === true ? await src.finished() : true;
    const idx = await src.index();
    const batch: { at: number; order: number; line: LogLine }[] = [];
    let more = false;
    for (const c of cursors) {
      const chunk = await readFrom(c.path, c.pos);
      if (chunk.length === MAX_READ) more = true;
      const data = c.partial.length === 0 ? chunk : Buffer.concat([c.partial, chunk]);
      const base = c.pos - c.partial.length;
      c.pos += chunk.length;
      const fallback = await fallbackTime(src, c, idx, ended);
      let start = 0;
      for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
        push(batch, c.stream, data.subarray(start, nl), idx.timeFor(c.stream, base + nl + 1) ?? fallback);
        start = nl + 1;
      }
      c.partial = Buffer.from(data.subarray(start));
      if (ended && !more && c.partial.length > 0) {
        push(batch, c.stream, c.partial, idx.timeFor(c.stream, c.pos) ?? fallback);
        c.partial = Buffer.alloc(0);
      }
    }
    batch.sort((a, b) => a.at - b.at || a.order - b.order);
    for (const b of batch) if (since === undefined || b.at >= since) yield b.line;
    if (more) continue;
    if (ended) return;
    await src.changed(opts.signal);
  }
}

let seq = 0;
function push(batch: { at: number; order: number; line: LogLine }[], stream: StreamName, bytes: Buffer, at: number): void {
  batch.push({ at, order: seq++, line: { time: new Date(at), stream, line: bytes.toString('utf8') } });
}

async function readFrom(path: string, pos: number): Promise<Buffer> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const { size } = await fh.stat();
    const len = Math.min(Math.max(0, size - pos), MAX_READ);
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

/** Stamp for bytes no record covers: the file's mtime once the step ended (upper bound), else now. */
async function fallbackTime(src: LogSource, c: Cursor, idx: LogIndex, ended: boolean): Promise<number> {
  const list = idx[c.stream];
  const lastAt = list.length > 0 ? list[list.length - 1].at : 0;
  const t = ended ? ((await stat(c.path).catch(() => undefined))?.mtimeMs ?? src.clock()) : src.clock();
  return Math.max(Math.floor(t), lastAt);
}
