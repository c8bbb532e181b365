// Layout of a step's private directory under <dataDir>/steps/<workflow-uid>/<node-id>/ and the small files
// in it: handle.json (handle + view), stdout/stderr (written by the OS), exit (written by the wrapper),
// killed (written by kill()), log-index (log timestamps). The directory is the source of truth after a restart.
import { readFileSync, statSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ViewMap } from './host-view.js';
import type { StepHandle } from './types.js';
import { lazyModule } from '../core/lazy-module.js';
import type * as NodeCrypto from 'node:crypto';

// Only ids that are not already safe names need a hash (uids and node ids are): node:crypto loads on that first use.
const nodeCrypto = lazyModule<typeof NodeCrypto>(import.meta.url, 'node:crypto');

export interface NodePaths {
  dir: string;
  handle: string;
  stdout: string;
  stderr: string;
  exit: string;
  killed: string;
  logIndex: string;
  staging: string;
  script: string;
  /** Isolated: host dir backing `/` of the view, when the step writes directly under `/`. */
  root: string;
  /** Isolated: host dirs backing the writable dirs of the view (output parents...), at their container paths. */
  work: string;
  /** Backs /tmp when isolated; unisolated: private scratch dir (TMPDIR, default cwd). */
  tmp: string;
}

/** A path component safe for any filesystem; a hash suffix keeps distinct ids distinct. */
export function safeName(id: string): string {
  const cleaned = id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  if (cleaned === id && id !== '.' && id !== '..' && id !== '') return id;
  return `${cleaned}-${nodeCrypto().createHash('sha256').update(id).digest('hex').slice(0, 10)}`;
}

export function nodeDirFor(stepsDir: string, workflowUid: string, nodeId: string): string {
  return join(stepsDir, safeName(workflowUid), safeName(nodeId));
}

export function nodePaths(dir: string): NodePaths {
  return {
    dir,
    handle: join(dir, 'handle.json'),
    stdout: join(dir, 'stdout'),
    stderr: join(dir, 'stderr'),
    exit: join(dir, 'exit'),
    killed: join(dir, 'killed'),
    logIndex: join(dir, 'log-index'),
    staging: join(dir, 'staging'),
    script: join(dir, 'staging', 'script'),
    root: join(dir, 'root'),
    work: join(dir, 'work'),
    tmp: join(dir, 'tmp'),
  };
}

/** What handle.json holds: the handle plus what is needed to read outputs back in another process. */
export interface HandleFile {
  handle: StepHandle;
  view: ViewMap;
}

export async function readHandleFile(path: string): Promise<HandleFile | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as HandleFile;
  } catch {
    return undefined;
  }
}

export interface ExitRecord {
  code: number;
  /** mtime of the exit file: when the step's main process ended. */
  at: Date;
}

/**
 * The wrapper writes "<code>\n" with one small write after the main process ended. Only a complete,
 * newline-terminated number counts, so a reader racing the write never sees a truncated code.
 */
export function readExit(path: string): ExitRecord | undefined {
  // Synchronous: a stat of a tiny local file, on the hot path of every step's completion.
  try {
    const st = statSync(path);
    if (st.size === 0 || st.size > 4) return undefined;
    const m = /^(\d{1,3})\n$/.exec(readFileSync(path, 'latin1'));
    return m === null ? undefined : { code: Number(m[1]), at: st.mtime };
  } catch {
    return undefined;
  }
}

export interface KilledRecord {
  at: Date;
  signal: NodeJS.Signals;
}

export async function readKilled(path: string): Promise<KilledRecord | undefined> {
  try {
    const j = JSON.parse(await readFile(path, 'utf8')) as { at: string; signal: NodeJS.Signals };
    return { at: new Date(j.at), signal: j.signal };
  } catch {
    return undefined;
  }
}

/** The last `bytes` bytes of a file as UTF-8 (a multi-byte character cut at the start is dropped). */
export async function readTail(path: string, bytes: number): Promise<string> {
  if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) === 0) return '';
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await fh.stat();
    if (size === 0) return '';
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await fh.read(buf, off, buf.length - off, start + off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    let from = 0;
    // Skip UTF-8 continuation bytes (10xxxxxx) left over from a character cut by the window.
    if (start > 0) while (from < off && from < 4 && (buf[from] & 0xc0) === 0x80) from++;
    return buf.subarray(from, off).toString('utf8');
  } finally {
    await fh.close();
  }
}

export async function mtimeOf(path: string): Promise<Date | undefined> {
  return stat(path).then(
    (s) => s.mtime,
    () => undefined,
  );
}
