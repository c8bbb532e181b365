// Streaming tar+gzip for artifacts, in Argo's layout: a directory is archived under its base name
// (`out/`, `out/a.txt`), a file as its base name alone. Symlinks are stored as links, never followed.
// Extraction refuses entries and symlink targets that leave the destination (also through chains of links, checked
// against what is on disk after each link) and writes through no symlink.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, constants as zlibConstants } from 'node:zlib';
import { pack as tarPack, extract as tarExtract } from 'tar-stream';
import type { Header } from 'tar-stream';

type TarHeaders = Partial<Header> & Pick<Header, 'name'>;
import { WeirError } from '../core/errors.js';
import { ensureParentInside, safeJoin, symlinkResolvesInside, symlinkStaysInside, walkTree } from './fs-util.js';

export interface PackOptions {
  /** gzip level 0-9 (-1 or undefined: zlib's default, as Argo's gzip.DefaultCompression). */
  level?: number;
  signal?: AbortSignal;
}

/** Writes `srcPath` (file or directory) as a .tgz to `destFile`. Memory use is bounded by stream buffers. */
export async function packTarGz(srcPath: string, destFile: string, opts: PackOptions = {}): Promise<void> {
  const level = opts.level === undefined || opts.level < 0 ? zlibConstants.Z_DEFAULT_COMPRESSION : Math.min(9, opts.level);
  const pack = tarPack();
  const base = basename(resolve(srcPath));
  const feed = (async () => {
    for await (const e of walkTree(srcPath)) {
      const name = e.rel === '' ? base : `${base}/${e.rel}`;
      const common: TarHeaders = { name, mode: e.stat.mode & 0o7777, mtime: e.stat.mtime, uid: 0, gid: 0 };
      if (e.stat.isDirectory()) {
        await entry(pack, { ...common, type: 'directory' });
      } else if (e.stat.isSymbolicLink()) {
        await entry(pack, { ...common, type: 'symlink', linkname: await readlink(e.abs) });
      } else if (e.stat.isFile()) {
        await fileEntry(pack, { ...common, type: 'file', size: e.stat.size }, e.abs, opts.signal);
      } // sockets, fifos, devices: skipped
    }
    pack.finalize();
  })();
  feed.catch((err: unknown) => pack.destroy(err as Error));
  await Promise.all([pipeline(pack, createGzip({ level }), createWriteStream(destFile), { signal: opts.signal }), feed]);
}

function entry(pack: ReturnType<typeof tarPack>, h: TarHeaders): Promise<void> {
  return new Promise((res, rej) => pack.entry(h, (err) => (err ? rej(err) : res())));
}

async function fileEntry(pack: ReturnType<typeof tarPack>, h: TarHeaders, abs: string, signal?: AbortSignal): Promise<void> {
  let sink!: NodeJS.WritableStream;
  const done = new Promise<void>((ok, fail) => {
    sink = pack.entry(h, (err) => (err ? fail(err) : ok()));
  });
  await Promise.all([pipeline(createReadStream(abs), sink, { signal }), done]);
}

/** True when `file` is gzip data whose first block is a valid tar header (Argo's tarball detection). */
export async function isTarGz(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0);
    if (bytesRead < 2 || magic[0] !== 0x1f || magic[1] !== 0x8b) return false;
  } finally {
    await fh.close();
  }
  const head = await firstGunzippedBytes(file, 512);
  return head !== undefined && validTarHeader(head);
}

async function firstGunzippedBytes(file: string, n: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let have = 0;
  const src = createReadStream(file, { highWaterMark: 64 * 1024 });
  const gunzip = createGunzip();
  src.pipe(gunzip);
  try {
    for await (const c of gunzip as AsyncIterable<Buffer>) {
      chunks.push(c);
      have += c.length;
      if (have >= n) break;
    }
  } catch {
    return undefined;
  } finally {
    src.destroy();
    gunzip.destroy();
  }
  return have >= n ? Buffer.concat(chunks).subarray(0, n) : undefined;
}

function validTarHeader(b: Buffer): boolean {
  if (b.every((x) => x === 0)) return false;
  const field = b.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i];
  return sum === parseInt(field, 8);
}

/**
 * Extracts a .tgz stream into the existing directory `destDir`. Regular files, directories and symlinks whose
 * targets stay inside are written; other entry types are skipped. Throws INVALID_SPEC on traversal attempts.
 */
export async function extractTarGz(source: Readable, destDir: string, signal?: AbortSignal): Promise<void> {
  const ex = tarExtract();
  const links: { name: string; path: string; link: string }[] = [];
  const consume = (async () => {
    for await (const e of ex) {
      const h = e.header;
      const target = safeJoin(destDir, h.name);
      if (h.type === 'directory') {
        await ensureParentInside(destDir, target);
        await mkdir(target, { recursive: true, mode: 0o755 });
        e.resume();
      } else if (h.type === 'symlink') {
        const link = h.linkname ?? '';
        if (!symlinkStaysInside(destDir, target, link)) throw new WeirError('INVALID_SPEC', `illegal symlink target: ${h.name} -> ${link}`);
        await ensureParentInside(destDir, target);
        await symlink(link, target);
        links.push({ name: h.name, path: target, link });
        await refuseEscapingLinks(destDir, links.slice(-1));
        e.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        if (target === resolve(destDir)) throw new WeirError('INVALID_SPEC', `illegal path ${JSON.stringify(h.name)}`);
        await ensureParentInside(destDir, target);
        await pipeline(e, createWriteStream(target, { mode: (h.mode ?? 0o644) & 0o777, flags: 'wx' }), { signal });
        if (h.mtime) await utimes(target, h.mtime, h.mtime);
      } else {
        e.resume();
      }
    }
    // A later link can redirect an earlier one; writes never go through links (ensureParentInside), so once is enough.
    await refuseEscapingLinks(destDir, links);
  })().catch((err: unknown) => {
    ex.destroy(err as Error);
    throw err;
  });
  await Promise.all([pipeline(source, createGunzip(), ex, { signal }), consume]);
}

/**
 * The links must lead inside `destDir` with the links now on disk followed (`d1/x -> d2/up/../..` with
 * `d1/d2/up -> ..` leads to the parent). An escaping link is removed and refused (INVALID_SPEC).
 */
async function refuseEscapingLinks(destDir: string, links: readonly { name: string; path: string; link: string }[]): Promise<void> {
  for (const l of links) {
    if (await symlinkResolvesInside(destDir, l.path)) continue;
    await rm(l.path, { force: true });
    throw new WeirError('INVALID_SPEC', `illegal symlink target: ${l.name} -> ${l.link} resolves outside the destination`);
  }
}

/** Convenience for callers that hold the archive as a file. */
export async function extractTarGzFile(file: string, destDir: string, signal?: AbortSignal): Promise<void> {
  await mkdir(destDir, { recursive: true });
  await extractTarGz(createReadStream(file), destDir, signal);
}
