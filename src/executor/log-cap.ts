// Caps what a step's stdout/stderr keep on disk. The step writes straight to its files (no pipe through Weir), so
// once a stream outgrows the cap Weir drops its middle in place: the byte range between the kept head (first half of
// the cap, cut after a line end) and the kept tail (last half, starting at a line start) is recorded in
// `<stream>.cut` ({"from","to"}), then its blocks are freed with `fallocate --punch-hole` (util-linux). Offsets stay
// valid (the file keeps its length, the hole reads as zeros and takes no disk), so the step keeps writing and readers
// (log-reader.ts) skip [from, to) and print one marker line there instead.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { open, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import type { Logger } from '../core/logger.js';

export interface CutRange {
  /** First dropped byte. */
  from: number;
  /** First byte kept after the cut. */
  to: number;
}

export const cutPath = (streamPath: string): string => `${streamPath}.cut`;

export async function readCut(streamPath: string): Promise<CutRange | undefined> {
  try {
    const j = JSON.parse(await readFile(cutPath(streamPath), 'latin1')) as Partial<CutRange>;
    if (Number.isSafeInteger(j.from) && Number.isSafeInteger(j.to) && (j.to as number) > (j.from as number)) return j as CutRange;
  } catch {
    // no cut (yet)
  }
  return undefined;
}

/** The marker line readers print where the cut was. */
export const cutMarker = (c: CutRange): string =>
  `[weir: ${c.to - c.from} bytes of this log were dropped here: steps keep the head and the tail of their output (log cap)]`;

const CHUNK = 64 * 1024;

/** Offset just past the last newline within [lo, hi), or undefined when there is none. */
async function lastLineEnd(path: string, lo: number, hi: number): Promise<number | undefined> {
  const fh = await open(path, 'r');
  try {
    for (let end = hi; end > lo; end -= CHUNK) {
      const start = Math.max(lo, end - CHUNK);
      const buf = Buffer.alloc(end - start);
      const { bytesRead } = await fh.read(buf, 0, buf.length, start);
      const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl !== -1) return start + nl + 1;
    }
  } finally {
    await fh.close();
  }
  return undefined;
}

/** Offset just past the first newline within [lo, hi), or undefined. */
async function firstLineEnd(path: string, lo: number, hi: number): Promise<number | undefined> {
  const fh = await open(path, 'r');
  try {
    for (let start = lo; start < hi; start += CHUNK) {
      const buf = Buffer.alloc(Math.min(CHUNK, hi - start));
      const { bytesRead } = await fh.read(buf, 0, buf.length, start);
      const nl = buf.subarray(0, bytesRead).indexOf(0x0a);
      if (nl !== -1) return start + nl + 1;
    }
  } finally {
    await fh.close();
  }
  return undefined;
}

const punchArgs = (path: string, offset: number, length: number): string[] => [
  '--punch-hole',
  '--offset',
  String(offset),
  '--length',
  String(length),
  path,
];

const punch = async (path: string, offset: number, length: number): Promise<void> => {
  await promisify(execFile)('fallocate', punchArgs(path, offset, length));
};

/** Enforces the cap of one stream file; one call at a time per file (the caller serialises). */
export class LogCap {
  private cut: CutRange | undefined;
  private loaded = false;
  private failed = false;

  constructor(
    private readonly path: string,
    private readonly maxBytes: number,
    private readonly log: Logger,
  ) {}

  /** Called whenever the file was seen at `size` bytes; drops the middle when it holds more than the cap allows. */
  async enforce(size: number): Promise<void> {
    if (this.failed) return;
    if (!this.loaded) {
      this.cut = await readCut(this.path);
      this.loaded = true;
    }
    const kept = size - (this.cut === undefined ? 0 : this.cut.to - this.cut.from);
    // Cut in steps of an eighth of the cap: a punch per few MiB, not per write.
    if (kept <= this.maxBytes + Math.floor(this.maxBytes / 8)) return;
    const half = Math.floor(this.maxBytes / 2);
    const from = this.cut?.from ?? (await lastLineEnd(this.path, Math.max(0, half - CHUNK * 4), half)) ?? half;
    const want = size - half;
    const to = (await firstLineEnd(this.path, want, Math.min(size, want + CHUNK * 4))) ?? want;
    if (to <= (this.cut?.to ?? from)) return;
    const before = this.cut;
    try {
      // Record first: a reader never reads zeros as output, it skips the range (still intact until punched).
      await this.record({ from, to });
      const pre = await stat(this.path);
      await punch(this.path, before?.to ?? from, to - (before?.to ?? from));
      this.cut = { from, to };
      // Punching sets the file's mtime, which stamps log lines (log-index.ts): put it back unless the step wrote since.
      const post = await stat(this.path);
      if (post.size === pre.size) await utimes(this.path, post.atime, pre.mtime);
    } catch (err) {
      this.failed = true;
      await (before === undefined ? rm(cutPath(this.path), { force: true }) : this.record(before)).catch(() => undefined);
      this.log.warn({ err, file: this.path }, 'cannot cap the step log (fallocate --punch-hole failed); it keeps growing');
    }
  }

  private async record(c: CutRange): Promise<void> {
    await writeFile(cutPath(this.path) + '.tmp', JSON.stringify(c));
    await rename(cutPath(this.path) + '.tmp', cutPath(this.path));
  }
}
