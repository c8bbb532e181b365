// Files in and out of a container through the engine's archive API: input artifacts packed as a tar and PUT into
// the created (not yet started) container, outputs read from the stopped container's filesystem — any path,
// inside a volume or not. A symlink is followed inside the container's view only (never on the host); copies
// skip links and refuse entries that would leave the destination.
import { createReadStream, createWriteStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import type { Header } from 'tar-stream';
import { WeirError } from '../core/errors.js';
import { query, readAll } from './container-api.js';
import type { ContainerInspect, EngineApi } from './container-api.js';
import type { StepInputFile } from './types.js';

type TarHeaders = Partial<Header> & Pick<Header, 'name'>;
type Pack = ReturnType<typeof tarPack>;

const MAX_LINKS = 8;

/** Depth-first, name-ordered, never following links (an input directory staged by the controller). */
async function* walk(abs: string, rel = ''): AsyncGenerator<{ rel: string; abs: string; stat: Stats }> {
  const st = await lstat(abs);
  yield { rel, abs, stat: st };
  if (!st.isDirectory()) return;
  for (const name of (await readdir(abs)).sort()) yield* walk(join(abs, name), rel === '' ? name : `${rel}/${name}`);
}

/** `dest/rel` for an archive entry name; refuses absolute names, `..` and anything landing outside `dest`. */
function inside(dest: string, rel: string): string {
  const target = resolve(dest, rel);
  const r = relative(resolve(dest), target);
  if (rel.includes('\0') || rel.startsWith('/') || rel.split('/').includes('..') || r.startsWith('..') || isAbsolute(r)) {
    throw new WeirError('INVALID_SPEC', `illegal path ${JSON.stringify(rel)} in a container's archive`);
  }
  return target;
}

function entry(pack: Pack, h: TarHeaders, body?: Buffer): Promise<void> {
  return new Promise((res, rej) => pack.entry(h, body ?? Buffer.alloc(0), (err) => (err ? rej(err) : res())));
}

async function fileEntry(pack: Pack, h: TarHeaders, abs: string): Promise<void> {
  let sink!: NodeJS.WritableStream;
  const done = new Promise<void>((ok, fail) => {
    sink = pack.entry(h, (err) => (err ? fail(err) : ok()));
  });
  await Promise.all([pipeline(createReadStream(abs), sink), done]);
}

/** The mode Docker and Kubernetes give a container's `/`. */
export const ROOT_MODE = 0o755;

/**
 * Sets the created container's `/` to ROOT_MODE through the engine host's filesystem: podman 4 creates image layers'
 * and containers' overlay directories 0555, a `/` that a root step without CAP_DAC_OVERRIDE could not write to. The
 * container's overlay upper directory (a directory named `diff`, as the engine's inspect gives it) is that `/`;
 * changing it here costs one inspect instead of an archive PUT (a copier process in podman, about a second on a
 * loaded machine). False when the engine's storage is not reachable from here (a remote or rootless engine, another
 * driver): the caller sets the mode with putInputs then.
 */
export async function openRootOnHost(api: EngineApi, id: string): Promise<boolean> {
  try {
    const c = await api.call<ContainerInspect>({ path: `/containers/${id}/json` });
    const upper = c.GraphDriver?.Name === 'overlay' ? c.GraphDriver.Data?.UpperDir : undefined;
    if (typeof upper !== 'string' || !isAbsolute(upper) || posix.basename(upper) !== 'diff') return false;
    const st = await lstat(upper);
    if (!st.isDirectory()) return false;
    if ((st.mode & 0o7777) !== ROOT_MODE) await chmod(upper, ROOT_MODE);
    return true;
  } catch {
    return false;
  }
}

/**
 * Places input files/dirs at their container paths (missing parents are created by the engine). `rootMode`
 * also sets the mode of `/` (podman, when openRootOnHost could not), which costs an archive PUT even without inputs.
 */
export async function putInputs(api: EngineApi, id: string, inputs: readonly StepInputFile[], rootMode?: number): Promise<void> {
  if (inputs.length === 0 && rootMode === undefined) return;
  const pack = tarPack();
  const feed = (async () => {
    if (rootMode !== undefined) await entry(pack, { name: './', type: 'directory', mode: rootMode, uid: 0, gid: 0 });
    for (const f of inputs) {
      const base = f.containerPath.replace(/^\/+/, '');
      const st = await stat(f.hostPath);
      if (st.isDirectory()) {
        for await (const e of walk(f.hostPath)) {
          const name = e.rel === '' ? base : `${base}/${e.rel}`;
          const mode = e.stat.mode & 0o7777;
          if (e.stat.isDirectory()) await entry(pack, { name, type: 'directory', mode, uid: 0, gid: 0 });
          else if (e.stat.isFile()) await fileEntry(pack, { name, type: 'file', mode, size: e.stat.size, uid: 0, gid: 0 }, e.abs);
        }
      } else {
        await fileEntry(pack, { name: base, type: 'file', mode: f.mode ?? st.mode & 0o777, size: st.size, uid: 0, gid: 0 }, f.hostPath);
      }
    }
    pack.finalize();
  })();
  feed.catch((err: unknown) => pack.destroy(err as Error));
  const body = await readAll(pack);
  await feed;
  await api.call({ method: 'PUT', path: `/containers/${id}/archive${query({ path: '/' })}`, body, contentType: 'application/x-tar' });
}

interface FirstEntry {
  header: Header;
  data?: Buffer;
}

/** Reads the archive of `path`; the first entry's header (and data for files); undefined when absent. */
async function firstEntry(api: EngineApi, id: string, path: string): Promise<FirstEntry | undefined> {
  const res = await api.stream({ path: `/containers/${id}/archive${query({ path })}` }, true);
  if (!res) return undefined;
  const ex = tarExtract();
  let found: FirstEntry | undefined;
  const consume = (async () => {
    for await (const e of ex) {
      if (found === undefined) {
        found = { header: e.header };
        if (e.header.type === 'file' || e.header.type === 'contiguous-file') found.data = await readAll(e);
        else e.resume();
      } else e.resume();
    }
  })();
  await Promise.all([pipeline(res, ex), consume]);
  return found;
}

function linkTarget(path: string, link: string): string {
  return posix.resolve(posix.dirname(path), link);
}

/** Contents of the file at `path` in the container (a link is followed inside the container); else undefined. */
export async function readContainerFile(api: EngineApi, id: string, path: string): Promise<Buffer | undefined> {
  let p = path;
  for (let i = 0; i < MAX_LINKS; i++) {
    const f = await firstEntry(api, id, p);
    if (!f) return undefined;
    if (f.header.type === 'symlink') {
      p = linkTarget(p, f.header.linkname ?? '');
      continue;
    }
    return f.header.type === 'file' || f.header.type === 'contiguous-file' ? (f.data ?? Buffer.alloc(0)) : undefined;
  }
  return undefined;
}

/** Copies the file or directory at `path` in the container to `hostDest`; undefined when there is none. */
export async function copyContainerPath(api: EngineApi, id: string, path: string, hostDest: string): Promise<'file' | 'dir' | undefined> {
  let p = path;
  for (let i = 0; i < MAX_LINKS; i++) {
    const f = await firstEntry(api, id, p);
    if (!f) return undefined;
    if (f.header.type === 'symlink') {
      p = linkTarget(p, f.header.linkname ?? '');
      continue;
    }
    if (f.header.type !== 'directory' && f.header.type !== 'file' && f.header.type !== 'contiguous-file') return undefined;
    const res = await api.stream({ path: `/containers/${id}/archive${query({ path: p })}` }, true);
    if (!res) return undefined;
    const kind = f.header.type === 'directory' ? 'dir' : 'file';
    await extractUnder(res, hostDest, kind);
    return kind;
  }
  return undefined;
}

/** Writes the archive's entries (named `<base>/...`) under `dest`: regular files and directories only. */
async function extractUnder(source: Readable, dest: string, kind: 'file' | 'dir'): Promise<void> {
  const ex = tarExtract();
  if (kind === 'dir') await mkdir(dest, { recursive: true });
  let first = true;
  const consume = (async () => {
    for await (const e of ex) {
      const h = e.header;
      const rel = h.name.replace(/\/+$/, '').split('/').slice(1).join('/');
      if (kind === 'file') {
        if (first && (h.type === 'file' || h.type === 'contiguous-file'))
          await pipeline(e, createWriteStream(dest, { mode: (h.mode ?? 0o644) & 0o777 }));
        else e.resume();
        first = false;
        continue;
      }
      first = false;
      if (rel === '') {
        e.resume();
        continue;
      }
      // Only directories and regular files are written (no links), so no parent can point outside `dest`.
      const target = inside(dest, rel);
      if (h.type === 'directory') {
        await mkdir(target, { recursive: true, mode: 0o755 });
        e.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file') {
        await mkdir(posix.dirname(target), { recursive: true });
        await pipeline(e, createWriteStream(target, { mode: (h.mode ?? 0o644) & 0o777, flags: 'wx' }));
      } else e.resume(); // symlinks, devices: not copied out of a container
    }
  })();
  consume.catch((err: unknown) => ex.destroy(err as Error));
  await Promise.all([pipeline(source, ex), consume]);
}
