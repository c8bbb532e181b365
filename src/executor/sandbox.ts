// Turns a step's filesystem view into bubblewrap arguments without creating anything on the host outside
// Weir's data dir. The view's root `/` is bwrap's own tmpfs (or, when the step writes directly under `/`, a
// per-node host dir). Every host top-level entry is bound into it read-only, except "shadow" dirs: ancestors
// of binds. A shadow is a plain dir of the root whose host children are again bound read-only one by one,
// so bwrap creates missing mount points in the root (tmpfs or per-node dir), never on the host.
import { lstat, readdir, readlink, realpath } from 'node:fs/promises';
import { posix } from 'node:path';

export interface SandboxBind {
  /** Absolute, normalised path inside the view. */
  containerPath: string;
  /** Existing host file or directory. */
  hostPath: string;
  readOnly: boolean;
  /** A private writable dir over an existing host dir: re-bind the host's children read-only inside it. */
  populate?: boolean;
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
  /**
   * Host dir that becomes `/` of the view, or null for bwrap's own (ephemeral) tmpfs root. A host-backed root
   * is only needed when the step must write directly under `/`: every mount point bwrap creates then lands
   * on the host disk, which costs about a millisecond each there.
   */
  rootHostDir: string | null;
  /** Binds, in any order (nested ones are mounted after their parents). */
  binds: readonly SandboxBind[];
  /** With a host-backed root: container dirs that must be writable dirs of that root (made shadows). */
  writableDirs: readonly string[];
  /**
   * Host paths (absolute, symlink-free) never shown to the step (Weir's data dir): covered with an empty tmpfs where
   * the view would show them, never re-bound entry by entry, and covered inside any bind whose source contains them.
   */
  hide: readonly string[];
  /**
   * Host paths left out of the view without ever being inside a recursive bind: their ancestors become shadows
   * (children re-bound one by one) and they themselves are not bound. For container engines' storage, whose
   * mounts (overlays, network namespaces) come and go with containers: bwrap's read-only remount of a recursive
   * bind fails the step ("Can't bind mount ... No such file or directory") when one vanishes during its setup.
   */
  avoid?: readonly string[];
  chdir: string;
}

export interface BwrapPlan {
  args: string[];
  /** Dirs whose host contents are hidden because they had too many entries to re-bind. */
  truncated: string[];
}

/** Who the step is inside its user namespace (see privilegeArgs). */
export interface StepIdentity {
  uid: number;
  gid: number;
  disableUserns: boolean;
}

/**
 * The step holds no privilege, whoever runs Weir: its own user namespace with the step as `uid`/`gid` (mapped to
 * Weir's own user outside, so files it writes stay readable and its dirs writable), every capability dropped
 * (bwrap also sets no_new_privs, so setuid binaries grant nothing) and, where bwrap can, no nested user namespace
 * (which would give it a fresh set of capabilities over its own mounts). Remounts, mount, chown, raw sockets fail.
 */
export function privilegeArgs(id: StepIdentity): string[] {
  const args = ['--unshare-user', '--uid', String(id.uid), '--gid', String(id.gid)];
  if (id.disableUserns) args.push('--disable-userns');
  args.push('--cap-drop', 'ALL');
  return args;
}

/** bwrap arguments (everything before `--`). */
export async function planBwrap(layout: SandboxLayout, lister: HostLister, identity: StepIdentity): Promise<BwrapPlan> {
  const { binds } = layout;
  const args = [...privilegeArgs(identity), '--unshare-pid', '--as-pid-1'];
  if (layout.rootHostDir !== null) args.push('--bind', layout.rootHostDir, '/');
  const truncated: string[] = [];
  const inBind = (p: string): boolean => binds.some((b) => b.containerPath !== p && isUnder(p, b.containerPath));
  const shadows = new Set<string>(['/']);
  const bindTargets = new Set(binds.map((b) => b.containerPath));
  // A bind target is no shadow even when another bind lies below it (e.g. the stand-ins under a private /tmp): its
  // contents come from its own bind, mounted over anything re-bound there (re-binding the host's /tmp children
  // would only race with other programs deleting their temp dirs: bwrap fails when a source vanishes mid-setup).
  const addChain = (p: string): void => {
    for (let q = p; q !== '/'; q = posix.dirname(q)) if (!inBind(q) && !bindTargets.has(q)) shadows.add(q);
  };
  for (const b of binds) addChain(posix.dirname(b.containerPath));
  const avoid = new Set(layout.avoid ?? []);
  for (const a of avoid) addChain(posix.dirname(a));
  if (layout.rootHostDir !== null) for (const d of layout.writableDirs) addChain(d);
  const roBound: string[] = [];

  // Nothing of a hidden dir (the data dir) is ever re-bound: a shadow inside it is an empty dir of mount points.
  const hidden = (p: string): boolean => layout.hide.some((h) => isUnder(p, h));
  const reBind = async (dir: string): Promise<void> => {
    if (hidden(dir)) return;
    const entries = await lister.list(dir);
    if (entries === undefined) return;
    if (dir !== '/' && entries.length > MAX_SHADOW_ENTRIES) {
      truncated.push(dir);
      return;
    }
    for (const e of entries) {
      const p = posix.join(dir, e.name);
      if (shadows.has(p) || bindTargets.has(p) || avoid.has(p)) continue;
      const special = SPECIAL[p];
      if (special !== undefined) args.push(...special);
      else if (e.type === 'symlink') args.push('--symlink', e.target ?? '', p);
      else {
        args.push('--ro-bind-try', p, p);
        roBound.push(p);
      }
    }
  };
  for (const dir of [...shadows].sort()) await reBind(dir);
  for (const b of [...binds].sort((x, y) => depth(x.containerPath) - depth(y.containerPath))) {
    args.push(b.readOnly ? '--ro-bind' : '--bind', b.hostPath, b.containerPath);
    if (b.populate === true) await reBind(b.containerPath);
    // A bind of the hidden dir or of an ancestor (a hostPath volume of `/`...): an empty tmpfs where it shows.
    const source = await realpath(b.hostPath).catch(() => posix.normalize(b.hostPath));
    for (const h of layout.hide) {
      if (isUnder(h, source)) args.push('--tmpfs', posix.join(b.containerPath, posix.relative(source, h)));
    }
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
  const parts = posix
    .normalize(p)
    .split('/')
    .filter((s) => s !== '');
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
