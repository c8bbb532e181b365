// Driver `local`: Weir's embedded repository. A key maps to `<dataDir>/artifacts/<key>`: a file, or a directory
// when a directory was saved with `archive: none`. Keys with `..`, absolute keys and paths resolving (through
// symlinks) outside the root are refused. Saves write to a temp sibling and rename, so readers never see halves.
// Config keys: location `local.key`.
import { randomUUID } from 'node:crypto';
import { lstat, mkdir, realpath, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WeirError } from '../core/errors.js';
import { copyTree, isInside, normalizeKey, safeJoin, walkTree } from './fs-util.js';
import type { ArtifactDriver, DriverContext, LoadedKind, TransferOptions, WeirArtifactLocation } from './types.js';

export function localRoot(dataDir: string): string {
  return join(dataDir, 'artifacts');
}

export function localDriver(ctx: DriverContext): ArtifactDriver {
  const root = localRoot(ctx.dataDir);

  /** The checked host path of a location's key. */
  async function pathOf(loc: WeirArtifactLocation): Promise<string> {
    const raw = loc.local?.key;
    if (raw === undefined || raw === '') throw new WeirError('INVALID_SPEC', 'local artifact location needs a key');
    const key = normalizeKey(raw);
    if (key === '') throw new WeirError('INVALID_SPEC', `illegal artifact key ${JSON.stringify(raw)}`);
    const p = safeJoin(root, key);
    await mkdir(root, { recursive: true });
    // The deepest existing ancestor must still resolve inside the root (no symlinked escape).
    const realRoot = await realpath(root);
    let probe = p;
    for (;;) {
      try {
        const real = await realpath(probe);
        if (!isInside(realRoot, real))
          throw new WeirError('INVALID_SPEC', `illegal artifact key ${JSON.stringify(raw)}: resolves outside the repository`);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        probe = dirname(probe);
      }
    }
    return p;
  }

  async function statOrUndefined(p: string) {
    try {
      return await lstat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  return {
    kind: 'local',
    async load(loc, dest, opts: TransferOptions = {}): Promise<LoadedKind> {
      const p = await pathOf(loc);
      const st = await statOrUndefined(p);
      if (st === undefined || !(st.isFile() || st.isDirectory()))
        throw new WeirError('NOT_FOUND', `artifact local:${loc.local?.key ?? ''} not found`);
      return copyTree(p, dest, opts.signal);
    },
    async save(src, loc, opts: TransferOptions = {}): Promise<void> {
      const p = await pathOf(loc);
      await mkdir(dirname(p), { recursive: true });
      const tmp = `${p}.weir-tmp-${randomUUID()}`;
      try {
        await copyTree(src, tmp, opts.signal);
        await rm(p, { recursive: true, force: true });
        await rename(tmp, p);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
    async delete(loc): Promise<void> {
      await rm(await pathOf(loc), { recursive: true, force: true });
    },
    async exists(loc): Promise<boolean> {
      return (await statOrUndefined(await pathOf(loc))) !== undefined;
    },
    async list(loc): Promise<string[]> {
      const p = await pathOf(loc);
      const st = await statOrUndefined(p);
      if (st === undefined) return [];
      const key = normalizeKey(loc.local?.key ?? '');
      if (!st.isDirectory()) return [key];
      const out: string[] = [];
      for await (const e of walkTree(p)) if (e.stat.isFile()) out.push(`${key}/${e.rel}`);
      return out;
    },
  };
}
