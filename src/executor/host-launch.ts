// Launches one host step: prepares its directory and view, then spawns it detached (own session and process
// group) with stdout/stderr opened on per-node files. The user's argv is never parsed by a shell: a fixed
// wrapper receives it as positional parameters ("$@"), records the exit code and kills leftover processes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, cp, mkdir, open, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { WeirError, errorMessage } from '../core/errors.js';
import type { ResolvedHostExecutorOptions } from './host-options.js';
import { findOnPath } from './host-options.js';
import { prepareView } from './host-view.js';
import type { ViewMap } from './host-view.js';
import type { NodePaths } from './node-dir.js';
import { readBootId, readProcInfo } from './proc.js';
import type { GroupIdentity } from './proc.js';
import { planBwrap } from './sandbox.js';
import type { HostLister } from './sandbox.js';
import type { StepSpec } from './types.js';

/**
 * The fixed wrapper, run as `sh -c WRAPPER weir-step <exit-file> <argv...>`. The trap keeps the wrapper
 * alive through SIGTERM (sent to the whole group) so it can still record the code; handlers are reset by exec,
 * so the step itself gets default signal dispositions. After recording, `kill -KILL 0` ends background
 * processes the step left in its group, as a container runtime does when the main process exits.
 * `$0` is "weir-step" so the shell's own messages (e.g. "not found") name it.
 *
 * Both wrappers first wait for a line on stdin (a pipe from the Weir process), sent only once the step's handle is
 * on disk: a Weir process killed between the spawn and that write (on a loaded machine the spawning process can be
 * descheduled there while the child runs on) leaves a wrapper that reads EOF and exits 97 without running the step,
 * so the next Weir, finding no handle, may launch it again without running it twice. The step gets /dev/null.
 */
export const WRAPPER =
  'read -r go || exit 97; exec </dev/null; f=$1; shift; trap : TERM INT HUP; "$@"; c=$?; echo "$c" >"$f"; kill -KILL 0';
/**
 * Isolated, the wrapper is pid 1 of the step's own pid namespace (bwrap --unshare-pid --as-pid-1): when it
 * exits, the kernel kills whatever is left in the namespace, and bwrap's monitor reaps it (no orphan zombies).
 * It exits with the step's code, which bwrap passes on: a second record of the code, used when the exit file
 * is missing (step-monitor.ts).
 */
export const WRAPPER_ISOLATED =
  'read -r go || exit 97; exec </dev/null; f=$1; shift; trap : TERM INT HUP; "$@"; c=$?; echo "$c" >"$f"; exit "$c"';

/** How the process Weir spawned (the wrapper, or bwrap's monitor) ended. */
export interface LeaderExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Launched {
  child: ChildProcess;
  /** Resolves when the spawned leader process exits (listener attached right at spawn, so never missed). */
  leaderExited: Promise<LeaderExit>;
  identity: GroupIdentity;
  view: ViewMap;
  startedAt: number;
}

export function stepEnv(spec: StepSpec, o: ResolvedHostExecutorOptions, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of o.inheritEnv) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, extra);
  for (const [k, v] of Object.entries(spec.env)) {
    if (k === '' || k.includes('=') || k.includes('\0') || typeof v !== 'string' || v.includes('\0')) {
      throw new WeirError('INVALID_SPEC', `invalid environment variable ${JSON.stringify(k)}`, { details: { name: k } });
    }
    env[k] = v;
  }
  return env;
}

export function stepArgv(spec: StepSpec, env: Record<string, string>, scriptPath: string | undefined): string[] {
  if (!Array.isArray(spec.command) || spec.command.length === 0 || spec.command.some((a) => typeof a !== 'string')) {
    throw new WeirError('INVALID_SPEC', 'step command must be a non-empty array of strings', { details: { node: spec.nodeId } });
  }
  if (spec.command.some((a) => a.includes('\0'))) {
    throw new WeirError('INVALID_SPEC', 'step command may not contain NUL bytes', { details: { node: spec.nodeId } });
  }
  const argv = [...spec.command];
  if (argv[0] === 'python' && findOnPath('python', env.PATH) === undefined && findOnPath('python3', env.PATH) !== undefined) {
    argv[0] = 'python3';
  }
  if (scriptPath !== undefined) argv.push(scriptPath);
  return argv;
}

/** Called synchronously right after the spawn (nothing else runs in between): records the step's identity. */
export type OnSpawned = (l: Pick<Launched, 'identity' | 'view' | 'startedAt'>) => void;

export async function launchStep(
  spec: StepSpec,
  paths: NodePaths,
  o: ResolvedHostExecutorOptions,
  lister: HostLister,
  onSpawned: OnSpawned,
): Promise<Launched> {
  const isolated = o.bwrapPath !== null;
  const prepared = await prepareView(spec, paths, { isolated, dataDir: o.dataDir });
  const env = stepEnv(spec, o, prepared.extraEnv);
  const argv = stepArgv(spec, env, prepared.scriptPath);

  // File and directory creation costs about a millisecond on some disks: issue the creations in parallel.
  await mkdir(paths.dir, { recursive: true });
  const dirs = prepared.mkdirs.filter((d) => !prepared.mkdirs.some((e) => e !== d && e.startsWith(d + '/')));
  const [out, err] = await Promise.all([open(paths.stdout, 'w'), open(paths.stderr, 'w')]);
  try {
    return await spawnStep({ spec, paths, o, lister, isolated, prepared, env, argv, dirs, out, err, onSpawned });
  } finally {
    // Closing our copies does not affect the child's; on any failure before the spawn they must not leak.
    await Promise.all([out.close(), err.close()]);
  }
}

interface SpawnInput {
  spec: StepSpec;
  paths: NodePaths;
  o: ResolvedHostExecutorOptions;
  lister: HostLister;
  isolated: boolean;
  prepared: Awaited<ReturnType<typeof prepareView>>;
  env: NodeJS.ProcessEnv;
  argv: string[];
  dirs: string[];
  out: FileHandle;
  err: FileHandle;
  onSpawned: OnSpawned;
}

async function spawnStep({
  spec,
  paths,
  o,
  lister,
  isolated,
  prepared,
  env,
  argv,
  dirs,
  out,
  err,
  onSpawned,
}: SpawnInput): Promise<Launched> {
  await Promise.all([
    isolated ? writeFile(paths.exit, '') : undefined, // bind source; unisolated, the wrapper creates it
    ...dirs.map((d) => mkdir(d, { recursive: true })),
    spec.script === undefined
      ? undefined
      : mkdir(paths.staging, { recursive: true }).then(() => writeFile(paths.script, spec.script?.source ?? '', { mode: 0o755 })),
  ]);
  await Promise.all(prepared.stickyDirs.map((d) => chmod(d, 0o1777)));
  for (const c of prepared.copies) {
    await cp(c.from, c.to, { recursive: true, force: true, verbatimSymlinks: true }).catch((cause: unknown) => {
      throw new WeirError('IO_ERROR', `cannot place input ${c.from} at ${c.to}`, { cause });
    });
    if (c.mode !== undefined) await chmod(c.to, c.mode);
  }

  let command: string;
  let args: string[];
  const wrapped = ['-c', isolated ? WRAPPER_ISOLATED : WRAPPER, 'weir-step', prepared.exitPath, ...argv];
  if (prepared.layout !== null && o.bwrapPath !== null) {
    const plan = await planBwrap(prepared.layout, lister, await o.sandboxIdentity);
    if (plan.truncated.length > 0) {
      o.logger.warn({ node: spec.nodeId, dirs: plan.truncated }, 'host dirs too large to re-bind; their contents are hidden from the step');
    }
    command = o.bwrapPath;
    args = [...plan.args, '--', o.shellPath, ...wrapped];
  } else {
    command = o.shellPath;
    args = wrapped;
  }

  let child: ChildProcess;
  let info: ReturnType<typeof readProcInfo>;
  let spawnError: Error | undefined;
  let leaderExited: Promise<LeaderExit>;
  const startedAt = o.clock.now();
  try {
    child = spawn(command, args, {
      detached: true,
      stdio: ['pipe', out.fd, err.fd],
      env,
      cwd: prepared.hostCwd ?? paths.dir,
    });
    const c = child;
    leaderExited = new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
    child.on('error', (e) => {
      spawnError = e;
      o.logger.warn({ err: e, node: spec.nodeId }, 'step process error');
    });
    // Read before returning to the event loop: until Node reaps it, even an exited child is still in /proc.
    info = child.pid === undefined ? undefined : readProcInfo(child.pid);
  } catch (cause) {
    throw new WeirError('INVALID_SPEC', `cannot start step: ${errorMessage(cause)}`, { cause });
  }
  const pid = child.pid;
  if (pid === undefined) {
    if (spawnError === undefined) await new Promise((resolve) => child.once('error', resolve));
    throw new WeirError('IO_ERROR', `cannot spawn ${command}: ${spawnError?.message ?? 'unknown error'}`, { cause: spawnError });
  }
  const identity: GroupIdentity = { pid, startTicks: info?.startTicks ?? null, bootId: readBootId() };
  try {
    onSpawned({ identity, view: prepared.view, startedAt });
  } catch (e) {
    child.stdin?.destroy(); // EOF: the wrapper exits without running the step
    throw e;
  }
  // The handle is on disk: the step may run (see WRAPPER).
  child.stdin?.on('error', () => undefined);
  child.stdin?.end('go\n');
  child.unref();
  return { child, leaderExited, identity, view: prepared.view, startedAt };
}
