// Streaming zip for artifacts (`archive: {zip: {}}`), Argo's layout: a directory is stored under its base name,
// a file as its base name. Only regular files and directories are stored (symlinks are not followed).
// Extraction (from a file: zip needs random access) refuses names leaving the destination.
import { createWriteStream } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { openPromise as openZip } from 'yauzl';
import { ensureParentInside, safeJoin, walkTree } from './fs-util.js';

export interface ZipPackOptions {
  /** deflate level 0-9 (default: zlib's default); 0 stores entries uncompressed. */
  level?: number;
  signal?: AbortSignal;
}

/** Writes `srcPath` (file or directory) as a zip to `destFile`; yazl reads one file at a time. */
export async function packZip(srcPath: string, destFile: string, opts: ZipPackOptions = {}): Promise<void> {
  const zip = new ZipFile();
  const base = basename(resolve(srcPath));
  const fileOpts =
    opts.level === 0
      ? { compress: false }
      : opts.level !== undefined && opts.level > 0
        ? { compressionLevel: Math.min(9, opts.level) }
        : {};
  const out = pipeline(zip.outputStream, createWriteStream(destFile), { signal: opts.signal });
  try {
    for await (const e of walkTree(srcPath)) {
      const name = e.rel === '' ? base : `${base}/${e.rel}`;
      if (e.stat.isDirectory()) zip.addEmptyDirectory(name, { mtime: e.stat.mtime, mode: e.stat.mode });
      else if (e.stat.isFile()) zip.addFile(e.abs, name, { ...fileOpts, mtime: e.stat.mtime, mode: e.stat.mode });
    }
    zip.end();
  } catch (err) {
    // yazl's output is a stream.PassThrough (typed as the NodeJS.ReadableStream interface, which has no destroy).
    if (zip.outputStream instanceof Readable) zip.outputStream.destroy(err instanceof Error ? err : undefined);
    throw err;
  }
  await out;
}

/** Extracts the zip file `file` into the existing directory `destDir`. */
export async function extractZipFile(file: string, destDir: string, signal?: AbortSignal): Promise<void> {
  await mkdir(destDir, { recursive: true });
  const zip = await openZip(file, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, autoClose: false });
  try {
    for await (const entry of zip.eachEntry()) {
      signal?.throwIfAborted();
      const isDir = entry.fileName.endsWith('/');
      const target = safeJoin(destDir, isDir ? entry.fileName.slice(0, -1) : entry.fileName);
      const unixMode = (entry.externalFileAttributes >>> 16) & 0o777;
      if (isDir) {
        await ensureParentInside(destDir, target);
        await mkdir(target, { recursive: true });
        continue;
      }
      await ensureParentInside(destDir, target);
      const rs = await zip.openReadStreamPromise(entry);
      await pipeline(rs, createWriteStream(target, { flags: 'wx' }), { signal });
      if (unixMode !== 0) await chmod(target, unixMode);
    }
  } finally {
    zip.close();
  }
}
