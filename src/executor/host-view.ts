// A step's filesystem view on the host: which host path backs each container path, what to create and copy
// before launch, and (isolated) the sandbox layout handed to planBwrap. Also resolves container paths to
// host paths after exit, following symlinks with the view's semantics so a step cannot make Weir read
// arbitrary host files through a symlink.
import { lstat, readlink, realpath } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { WeirError } from '../core/errors.js';
import { canonicalContainerPath, isUnder } from './sandbox.js';
import type { SandboxBind, SandboxLayout } from './sandbox.js';
import type { StepSpec } from './types.js';
import type { NodePaths } from './node-dir.js';

/** Serialisable mapping of container paths to host paths (persisted with the handle). */
export interface ViewMap {
  /** false: unisolated, container paths are host paths. */
  isolated: boolean;
  /** Isolated: host dir backing `/`, or null when `/` was an ephemeral tmpfs (unmapped paths are gone). */
  root: string | null;
  binds: { containerPath: string; hostPath: string }[];
}

export interface PreparedView {
  view: ViewMap;
  /** null when unisolated. */
  layout: SandboxLayout | null;
  /** Host dirs to create before launch (mode 0o777 for private tmp dirs is applied by the caller). */
  mkdirs: string[];
  /** Host dirs that must be world-writable with the sticky bit (private /tmp). */
  stickyDirs: string[];
  copies: { from: string; to: string; mode?: number }[];
  /** Path of the script file as the step sees it (appended to argv), when spec.script is set. */
  scriptPath: string | undefined;
  /** Path the wrapper writes the exit code to, as the wrapper sees it. */
  exitPath: string;
  /** Host cwd for spawn (unisolated only; isolated steps chdir inside bwrap). */
  hostCwd: string | undefined;
  /** Extra env for the step (TMPDIR when unisolated). */
  extraEnv: Record<string, string>;
}

export const VIEW_STAGING = '/.weir/staging';
export const VIEW_EXIT = '/.weir/exit';
const FORBIDDEN = ['/proc', '/dev', '/.weir'];

function checkPath(p: string, what: string): void {
  if (typeof p !== 'string' || !posix.isAbsolute(p)) {
    throw new WeirError('INVALID_SPEC', `${what} must be an absolute path: ${String(p)}`, { details: { path: p } });
  }
  if (FORBIDDEN.some((f) => isUnder(posix.normalize(p), f)) || posix.normalize(p) === '/') {
    throw new WeirError('INVALID_SPEC', `${what} may not be ${p}`, { details: { path: p } });
  }
}

/** Host path backing a container path (no symlink resolution); undefined when nothing on the host backs it. */
export function mapToHost(view: ViewMap, containerPath: string): string | undefined {
  const p = posix.normalize(containerPath);
  if (!view.isolated) return p;
  let best: { containerPath: string; hostPath: string } | undefined;
  for (const b of view.binds) {
    if (isUnder(p, b.containerPath) && (best === undefined || b.containerPath.length > best.containerPath.length)) best = b;
  }
  if (best !== undefined) return join(best.hostPath, posix.relative(best.containerPath, p));
  return view.root === null ? undefined : join(view.root, p);
}

/** Host path of what the step sees at `containerPath`, symlinks followed inside the view; undefined if absent. */
export async function resolveInView(view: ViewMap, containerPath: string, hops = 0): Promise<string | undefined> {
  if (hops > 40) return undefined;
  const parts = posix
    .normalize(containerPath)
    .split('/')
    .filter((s) => s !== '');
  let cur = '/';
  for (let i = 0; i < parts.length; i++) {
    const next = posix.join(cur, parts[i]);
    const host = mapToHost(view, next);
    // Unbacked (ephemeral root): the view shows the host's own entry there (read-only) or a plain shadow dir.
    const st = await lstat(host ?? next).catch(() => undefined);
    if (st === undefined && host !== undefined) return undefined;
    if (st?.isSymbolicLink() === true) {
      const target = await readlink(host ?? next);
      const base = posix.isAbsolute(target) ? target : posix.join(cur, target);
      return resolveInView(view, posix.join(base, ...parts.slice(i + 1)), hops + 1);
    }
    cur = next;
  }
  return mapToHost(view, cur);
}

export async function prepareView(spec: StepSpec, paths: NodePaths, opts: { isolated: boolean; dataDir: string }): Promise<PreparedView> {
  for (const o of spec.outputPaths) checkPath(o, 'outputPaths entry');
  for (const m of spec.mounts) checkPath(m.containerPath, 'mounts[].containerPath');
  for (const f of spec.inputFiles ?? []) checkPath(f.containerPath, 'inputFiles[].containerPath');
  if (spec.workingDir !== undefined) checkPath(spec.workingDir, 'workingDir');
  return opts.isolated ? prepareIsolated(spec, paths, opts.dataDir) : prepareUnisolated(spec, paths);
}

async function prepareIsolated(spec: StepSpec, paths: NodePaths, dataDir: string): Promise<PreparedView> {
  const mounts: SandboxBind[] = [];
  for (const m of spec.mounts) {
    const containerPath = await canonicalContainerPath(m.containerPath, ['/tmp']);
    mounts.push({ containerPath, hostPath: m.hostPath, readOnly: m.readOnly === true });
  }
  const binds: SandboxBind[] = [{ containerPath: '/tmp', hostPath: paths.tmp, readOnly: false }, ...mounts];
  const stopAt = binds.map((b) => b.containerPath);
  const covered = (p: string): boolean => stopAt.some((s) => isUnder(p, s));

  // Dirs the step must be able to write, and whose contents are read back (or placed) on the host.
  const wanted: string[] = [];
  for (const o of spec.outputPaths) wanted.push(posix.dirname(await canonicalContainerPath(o, stopAt)));
  const inputs: { containerPath: string; from: string; mode?: number }[] = [];
  for (const f of spec.inputFiles ?? []) {
    const c = await canonicalContainerPath(f.containerPath, stopAt);
    wanted.push(posix.dirname(c));
    inputs.push({ containerPath: c, from: f.hostPath, mode: f.mode });
  }
  let chdir = '/tmp';
  if (spec.workingDir !== undefined) {
    chdir = await canonicalContainerPath(spec.workingDir, stopAt);
    if (
      covered(chdir) ||
      !(await lstat(chdir).then(
        (st) => st.isDirectory(),
        () => false,
      ))
    )
      wanted.push(chdir);
  }
  // Writing directly under `/` needs a host-backed root (slower: bwrap's mount points then hit the disk).
  const hostRoot = wanted.some((d) => d === '/');
  const writableDirs: string[] = [];
  if (!hostRoot) {
    for (const d of [...new Set(wanted)].sort((a, b) => a.length - b.length)) {
      if (covered(d) || writableDirs.some((w) => isUnder(d, w))) continue;
      writableDirs.push(d);
      const populate = await lstat(d).then(
        (st) => st.isDirectory(),
        () => false,
      );
      binds.push({ containerPath: d, hostPath: join(paths.work, d), readOnly: false, populate });
    }
  }
  binds.push({ containerPath: VIEW_EXIT, hostPath: paths.exit, readOnly: false });
  if (spec.script !== undefined) binds.push({ containerPath: VIEW_STAGING, hostPath: paths.staging, readOnly: true });
  const view: ViewMap = {
    isolated: true,
    root: hostRoot ? paths.root : null,
    binds: binds.map((b) => ({ containerPath: b.containerPath, hostPath: b.hostPath })),
  };
  const mkdirs = new Set<string>([paths.tmp]);
  if (hostRoot) mkdirs.add(paths.root);
  for (const d of wanted) {
    const h = mapToHost(view, d);
    if (h !== undefined) mkdirs.add(h);
  }
  const copies: PreparedView['copies'] = [];
  for (const i of inputs) {
    const to = mapToHost(view, i.containerPath);
    if (to !== undefined) copies.push({ from: i.from, to, mode: i.mode });
  }
  return {
    view,
    layout: {
      rootHostDir: hostRoot ? paths.root : null,
      binds,
      writableDirs: hostRoot ? [...new Set(wanted)] : [],
      hide: await hidden(dataDir),
      avoid: await existing(CONTAINER_ENGINE_DIRS),
      chdir,
    },
    mkdirs: [...mkdirs],
    stickyDirs: [paths.tmp],
    copies,
    scriptPath: spec.script === undefined ? undefined : posix.join(VIEW_STAGING, 'script'),
    exitPath: VIEW_EXIT,
    hostCwd: undefined,
    extraEnv: {},
  };
}

/** Container engines' state (podman, Docker): not shown to host steps, and never inside a recursive bind. */
const CONTAINER_ENGINE_DIRS = ['/var/lib/containers', '/var/lib/docker', '/run/containers', '/run/docker', '/run/netns'];

async function existing(paths: readonly string[]): Promise<string[]> {
  const found = await Promise.all(
    paths.map((p) =>
      lstat(p).then(
        (st) => (st.isDirectory() ? p : undefined),
        () => undefined,
      ),
    ),
  );
  return found.filter((p): p is string => p !== undefined);
}

/** The data dir as named and as it really is (symlinks resolved): neither may show in the view. */
async function hidden(dataDir: string): Promise<string[]> {
  const real = await realpath(dataDir).catch(() => dataDir);
  return real === dataDir ? [dataDir] : [dataDir, real];
}

function prepareUnisolated(spec: StepSpec, paths: NodePaths): PreparedView {
  for (const m of spec.mounts) {
    if (posix.normalize(m.containerPath) !== posix.normalize(m.hostPath)) {
      throw new WeirError(
        'INVALID_SPEC',
        `volume mount at ${m.containerPath} needs isolation (bubblewrap); without it only mounts whose hostPath equals containerPath work`,
        { details: { containerPath: m.containerPath, hostPath: m.hostPath } },
      );
    }
  }
  const mkdirs = new Set<string>([paths.tmp]);
  for (const o of spec.outputPaths) mkdirs.add(posix.dirname(posix.normalize(o)));
  if (spec.workingDir !== undefined) mkdirs.add(posix.normalize(spec.workingDir));
  const copies = (spec.inputFiles ?? []).map((f) => ({ from: f.hostPath, to: posix.normalize(f.containerPath), mode: f.mode }));
  for (const c of copies) mkdirs.add(posix.dirname(c.to));
  return {
    view: { isolated: false, root: null, binds: [] },
    layout: null,
    mkdirs: [...mkdirs],
    stickyDirs: [],
    copies,
    scriptPath: spec.script === undefined ? undefined : paths.script,
    exitPath: paths.exit,
    hostCwd: spec.workingDir ?? paths.tmp,
    extraEnv: { TMPDIR: paths.tmp },
  };
}
