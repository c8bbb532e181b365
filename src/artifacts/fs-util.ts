// Filesystem helpers shared by the archivers and drivers: a sorted, non-following tree walk, containment
// checks that refuse `..`/absolute names and writes through symlinks, and Argo's "single top entry is renamed
// to the destination, several entries make the destination a directory" placement rule.
import { copyFile, lstat, mkdir, readdir, readlink, realpath, rename, rm, rmdir } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WeirError } from '../core/errors.js';

export interface TreeEntry {
  /** Path relative to the walked root, `/`-separated; '' for the root itself. */
  rel: string;
  abs: string;
  stat: Stats;
}

/** Walks `root` depth-first in name order without following symlinks (they are yielded as entries). */
export async function* walkTree(root: string): AsyncGenerator<TreeEntry> {
  const st = await lstat(root);
  yield { rel: '', abs: root, stat: st };
  if (!st.isDirectory()) return;
  async function* walk(dir: string, rel: string): AsyncGenerator<TreeEntry> {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const abs = join(dir, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      const s = await lstat(abs);
      yield { rel: r, abs, stat: s };
      if (s.isDirectory()) yield* walk(abs, r);
    }
  }
  yield* walk(root, '');
}

export function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Joins an untrusted relative name (archive entry, object key suffix) onto `root`, refusing absolute names,
 * `..` segments, NUL bytes and anything that would land outside `root`.
 */
export function safeJoin(root: string, name: string): string {
  const clean = name.replace(/\\/g, '/');
  if (clean.includes('\0') || clean.startsWith('/') || /^[a-zA-Z]:/.test(clean) || clean.split('/').includes('..')) {
    throw new WeirError('INVALID_SPEC', `illegal path ${JSON.stringify(name)}: must stay inside its destination`);
  }
  const target = resolve(root, clean);
  if (!isInside(resolve(root), target))
    throw new WeirError('INVALID_SPEC', `illegal path ${JSON.stringify(name)}: must stay inside its destination`);
  return target;
}

/**
 * Creates the parent directories of `target` one at a time, checking before each step that the path so far does
 * not resolve (via symlinks) outside `root`: nothing is ever created outside it.
 */
export async function ensureParentInside(root: string, target: string): Promise<void> {
  const realRoot = await realpath(root);
  const rel = relative(root, dirname(target));
  if (rel.startsWith('..') || isAbsolute(rel)) throw outsideError(root, target);
  let cur = root;
  for (const part of rel === '' ? [] : rel.split(sep)) {
    cur = join(cur, part);
    const st = await lstat(cur).catch(() => undefined);
    if (st === undefined)
      await mkdir(cur).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
    if (!isInside(realRoot, await realpath(cur))) throw outsideError(root, target);
  }
}

const outsideError = (root: string, target: string): WeirError =>
  new WeirError('INVALID_SPEC', `illegal path ${JSON.stringify(relative(root, target))}: its directory resolves outside the destination`);

/**
 * Where a symlink at `linkPath` pointing to `linkTarget` leads, resolved the way the kernel would with what is on
 * disk now: existing links on the way are followed, missing components taken as they are. undefined: a loop.
 */
export async function resolveLinkTarget(linkPath: string, linkTarget: string): Promise<string | undefined> {
  let hops = 0;
  const walk = async (start: string, path: string): Promise<string | undefined> => {
    let cur = start;
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === '..') {
        cur = dirname(cur);
        continue;
      }
      const next = join(cur, parts[i]);
      const st = await lstat(next).catch(() => undefined);
      if (st?.isSymbolicLink() === true) {
        if (++hops > 40) return undefined;
        const t = await readlink(next);
        const via = await walk(isAbsolute(t) ? '/' : cur, t);
        if (via === undefined) return undefined;
        cur = via;
      } else cur = next;
    }
    return cur;
  };
  return walk(isAbsolute(linkTarget) ? '/' : await realpath(dirname(linkPath)), linkTarget);
}

/** True when the symlink at `linkPath` (as it is on disk now) leads to a path strictly inside `root`. */
export async function symlinkResolvesInside(root: string, linkPath: string): Promise<boolean> {
  const realRoot = await realpath(root);
  const to = await resolveLinkTarget(linkPath, await readlink(linkPath));
  return to !== undefined && to !== realRoot && isInside(realRoot, to);
}

/** True when a symlink at `linkPath` pointing to `linkTarget` stays inside `root`. */
export function symlinkStaysInside(root: string, linkPath: string, linkTarget: string): boolean {
  const t = isAbsolute(linkTarget) ? linkTarget : resolve(dirname(linkPath), linkTarget);
  return isInside(resolve(root), t) && resolve(root) !== t;
}

export async function pathExists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Argo's unpack placement: after extracting into `tmpDir`, a single top-level entry is renamed to `dest`;
 * several (or none) make `tmpDir` itself become `dest`. Returns what `dest` now is.
 */
export async function placeExtracted(tmpDir: string, dest: string): Promise<'file' | 'dir'> {
  const names = await readdir(tmpDir);
  if (names.length === 1) {
    const only = join(tmpDir, names[0]);
    await rename(only, dest);
    await rmdir(tmpDir);
    return (await lstat(dest)).isDirectory() ? 'dir' : 'file';
  }
  await rename(tmpDir, dest);
  return 'dir';
}

/** A sibling temp path of `p` that does not exist yet (removed first if a crashed run left it behind). */
export async function freshSibling(p: string, suffix: string): Promise<string> {
  const t = `${p}${suffix}`;
  await rm(t, { recursive: true, force: true });
  return t;
}

/** Normalises an object key: `/`-separated, no leading `/`, no empty or `.` segments; `..` refused. */
export function normalizeKey(key: string): string {
  const parts = key
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (parts.includes('..') || key.includes('\0')) throw new WeirError('INVALID_SPEC', `illegal artifact key ${JSON.stringify(key)}`);
  return parts.join('/');
}

/**
 * The regular files under `root` (or `root` itself when it is a file), as `{rel, abs}`. A symlink is followed
 * only when its real target is a regular file inside `root`; links leading out, to directories or nowhere
 * are skipped, so nothing outside the source is ever read.
 */
export async function* regularFiles(root: string): AsyncGenerator<{ rel: string; abs: string; size: number }> {
  const realRoot = await realpath(root);
  for await (const e of walkTree(root)) {
    if (e.stat.isFile()) {
      yield { rel: e.rel, abs: e.abs, size: e.stat.size };
    } else if (e.stat.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(e.abs);
      } catch {
        continue;
      }
      if (!isInside(realRoot, target)) continue;
      const st = await lstat(target);
      if (st.isFile()) yield { rel: e.rel, abs: target, size: st.size };
    }
  }
}

/** Copies a file or a directory tree (regular files and directories only; see regularFiles) to `dest`. */
export async function copyTree(src: string, dest: string, signal?: AbortSignal): Promise<'file' | 'dir'> {
  const st = await lstat(src);
  if (!st.isDirectory()) {
    await mkdir(dirname(dest), { recursive: true });
    await copyFile(src, dest);
    return 'file';
  }
  await mkdir(dest, { recursive: true });
  for await (const e of walkTree(src)) if (e.stat.isDirectory() && e.rel !== '') await mkdir(join(dest, e.rel), { recursive: true });
  for await (const f of regularFiles(src)) {
    signal?.throwIfAborted();
    const target = join(dest, f.rel);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(f.abs, target);
  }
  return 'dir';
}
