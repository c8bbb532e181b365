// Turns a step's filesystem view into bubblewrap arguments without creating anything on the host outside
// Weir's data dir. The view's root `/` is a per-node host dir (writable, read back after exit). Every host
// top-level entry is bound into it read-only, except "shadow" dirs: ancestors of binds and dirs the step
// must be able to write (output parents). A shadow is a real dir in the per-node root whose host children
// are again bound read-only one by one. Mount points bwrap creates therefore land in the per-node root.
import { lstat, readdir, readlink } from 'node:fs/promises';
import { posix } from 'node:path';

export interface SandboxBind {
  /** Absolute, normalised path inside the view. */
  containerPath: string;
  /** Existing host file or directory. */
  hostPath: string;
  readOnly: boolean;
}

export interface HostEntry {
  name: string;
  type: 'dir' | 'file' | 'symlink' | 'other';
  /** Symlink target, for type 'symlink'. */
  target?: string;
}

/** Lists host directories (cached briefly: 200 parallel steps read `/` once, not 200 times). */
export class HostLister {
  private readonly cache = new Map<string, { at: number; entries: Promise<HostEntry[] | undefined> }>();
  constructor(private readonly ttlMs = 2000) {}

  list(dir: string): Promise<HostEntry[] | undefined> {
    const now = Date.now();
    const hit = this.cache.get(dir);
    if (hit !== undefined && now - hit.at < this.ttlMs) return hit.entries;
    const entries = listDir(dir);
    this.cache.set(dir, { at: now, entries });
    return entries;
  }
}

async function listDir(dir: string): Promise<HostEntry[] | undefined> {
  let dirents;
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch {
    return undefined;
  }
  const out: HostEntry[] = [];
  for (const d of dirents) {
    if (d.isSymbolicLink()) {
      const target = await readlink(posix.join(dir, d.name)).catch(() => undefined);
      if (target !== undefined) out.push({ name: d.name, type: 'symlink', target });
    } else out.push({ name: d.name, type: d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other' });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Host entries bwrap replaces with its own instances. */
const SPECIAL: Record<string, string[]> = { '/proc': ['--proc', '/proc'], '/dev': ['--dev', '/dev'] };

export const isUnder = (p: string, dir: string): boolean => dir === '/' || p === dir || p.startsWith(dir + '/');

/** Host dirs with more entries than this are not re-populated inside a shadow (their contents are hidden). */
export const MAX_SHADOW_ENTRIES = 512;

export interface SandboxLayout {
  /** Host dir that becomes `/` of the view. */
  rootHostDir: string;
  binds: readonly SandboxBind[];
  /** Container paths that must be writable dirs of the per-node root (created by the caller beforehand). */
  writableDirs: readonly string[];
  /** Writable dirs that start empty instead of showing the host's contents (e.g. /tmp). */
  privateDirs: readonly string[];
  /** Host paths to cover with an empty tmpfs where the view would show them (Weir's data dir). */
  hide: readonly string[];
  chdir: string;
}

export interface BwrapPlan {
  args: string[];
  /** Shadow dirs whose host contents are hidden because they had too many entries to re-bind. */
  truncated: string[];
}

/** bwrap arguments (everything before `--`). */
export async function planBwrap(layout: SandboxLayout, lister: HostLister): Promise<BwrapPlan> {
  const { binds, privateDirs } = layout;
  const args = ['--unshare-pid', '--as-pid-1', '--bind', layout.rootHostDir, '/'];
  const truncated: string[] = [];
  const inBind = (p: string): boolean => binds.some((b) => b.containerPath !== p && isUnder(p, b.containerPath));
  const inPrivate = (p: string): boolean => privateDirs.some((d) => isUnder(p, d));
  const shadows = new Set<string>(['/']);
  const addChain = (p: string): void => {
    for (let q = p; q !== '/'; q = posix.dirname(q)) if (!inPrivate(q) && !inBind(q)) shadows.add(q);
  };
  for (const b of binds) addChain(posix.dirname(b.containerPath));
  for (const d of layout.writableDirs) addChain(d);
  for (const d of privateDirs) addChain(posix.dirname(d));
  const bindTargets = new Set(binds.map((b) => b.containerPath));
  const roBound: string[] = [];

  for (const dir of [...shadows].sort()) {
    const entries = await lister.list(dir);
    if (entries === undefined) continue;
    if (dir !== '/' && entries.length > MAX_SHADOW_ENTRIES) {
      truncated.push(dir);
      continue;
    }
    for (const e of entries) {
      const p = posix.join(dir, e.name);
      if (shadows.has(p) || bindTargets.has(p) || inPrivate(p)) continue;
      const special = SPECIAL[p];
      if (special !== undefined) args.push(...special);
      else if (e.type === 'symlink') args.push('--symlink', e.target ?? '', p);
      else {
        args.push('--ro-bind-try', p, p);
        roBound.push(p);
      }
    }
  }
  for (const b of [...binds].sort((x, y) => depth(x.containerPath) - depth(y.containerPath))) {
    args.push(b.readOnly ? '--ro-bind' : '--bind', b.hostPath, b.containerPath);
  }
  for (const h of layout.hide) {
    if (roBound.some((r) => isUnder(h, r)) && !binds.some((b) => isUnder(b.containerPath, h))) {
      args.push('--tmpfs', h);
    }
  }
  args.push('--chdir', layout.chdir);
  return { args, truncated };
}

const depth = (p: string): number => (p === '/' ? 0 : p.split('/').length - 1);

/**
 * Normalises an absolute container path and resolves host symlinks in the part of it that exists on the
 * host (so `/lib/x` becomes `/usr/lib/x` when /lib is a link), stopping at `stopAt` prefixes (private dirs
 * and mounts, whose host contents the step never sees).
 */
export async function canonicalContainerPath(p: string, stopAt: readonly string[], hops = 0): Promise<string> {
  if (hops > 40) return posix.normalize(p);
  let resolved = '/';
  const parts = posix.normalize(p).split('/').filter((s) => s !== '');
  for (let i = 0; i < parts.length; i++) {
    const next = posix.join(resolved, parts[i]);
    if (stopAt.some((s) => s !== '/' && isUnder(next, s))) return posix.join(next, ...parts.slice(i + 1));
    const st = await lstat(next).catch(() => undefined);
    if (st === undefined) return posix.join(next, ...parts.slice(i + 1));
    if (st.isSymbolicLink()) {
      const target = await readlink(next);
      const joined = posix.isAbsolute(target) ? target : posix.join(resolved, target);
      return canonicalContainerPath(posix.join(joined, ...parts.slice(i + 1)), stopAt, hops + 1);
    }
    resolved = next;
  }
  return resolved;
}
