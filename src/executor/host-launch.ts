// Launches one host step: prepares its directory and view, then spawns it detached (own session and process
// group) with stdout/stderr opened on per-node files. The user's argv is never parsed by a shell: a fixed
// wrapper receives it as positional parameters ("$@"), records the exit code and kills leftover processes.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { WeirError } from '../core/errors.js';
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
 */
export const WRAPPER = 'f=$1; shift; trap : TERM INT HUP; "$@"; c=$?; echo "$c" >"$f"; kill -KILL 0';
/**
 * Isolated, the wrapper is pid 1 of the step's own pid namespace (bwrap --unshare-pid --as-pid-1): when it
 * exits, the kernel kills whatever is left in the namespace, and bwrap's monitor reaps it (no orphan zombies).
 */
export const WRAPPER_ISOLATED = 'f=$1; shift; trap : TERM INT HUP; "$@"; c=$?; echo "$c" >"$f"';

export interface Launched {
  child: ChildProcess;
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

export async function launchStep(
  spec: StepSpec,
  paths: NodePaths,
  o: ResolvedHostExecutorOptions,
  lister: HostLister,
): Promise<Launched> {
  const isolated = o.bwrapPath !== null;
  const prepared = await prepareView(spec, paths, { isolated, dataDir: o.dataDir });
  const env = stepEnv(spec, o, prepared.extraEnv);
  const argv = stepArgv(spec, env, prepared.scriptPath);

  // Small local-file operations are synchronous on purpose: each takes microseconds, and a round trip
  // through the thread pool per operation would dominate the start latency of short steps.
  const dirs = prepared.mkdirs.filter((d) => !prepared.mkdirs.some((e) => e !== d && e.startsWith(d + '/')));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  for (const d of prepared.stickyDirs) chmodSync(d, 0o1777);
  if (spec.script !== undefined) {
    mkdirSync(paths.staging, { recursive: true });
    writeFileSync(paths.script, spec.script.source, { mode: 0o755 });
  }
  for (const c of prepared.copies) {
    await cp(c.from, c.to, { recursive: true, force: true, verbatimSymlinks: true }).catch((cause: unknown) => {
      throw new WeirError('IO_ERROR', `cannot place input ${c.from} at ${c.to}`, { cause });
    });
    if (c.mode !== undefined) chmodSync(c.to, c.mode);
  }
  writeFileSync(paths.exit, '');

  let command: string;
  let args: string[];
  const wrapped = ['-c', isolated ? WRAPPER_ISOLATED : WRAPPER, 'weir-step', prepared.exitPath, ...argv];
  if (prepared.layout !== null && o.bwrapPath !== null) {
    const plan = await planBwrap(prepared.layout, lister);
    if (plan.truncated.length > 0) {
      o.logger.warn({ node: spec.nodeId, dirs: plan.truncated }, 'host dirs too large to re-bind; their contents are hidden from the step');
    }
    command = o.bwrapPath;
    args = [...plan.args, '--', o.shellPath, ...wrapped];
  } else {
    command = o.shellPath;
    args = wrapped;
  }

  const out = openSync(paths.stdout, 'w');
  const err = openSync(paths.stderr, 'w');
  let child: ChildProcess;
  let info: ReturnType<typeof readProcInfo>;
  let spawnError: Error | undefined;
  const startedAt = o.clock();
  try {
    child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', out, err],
      env,
      cwd: prepared.hostCwd ?? paths.dir,
    });
    child.on('error', (e) => {
      spawnError = e;
      o.logger.warn({ err: e, node: spec.nodeId }, 'step process error');
    });
    // Read before returning to the event loop: until Node reaps it, even an exited child is still in /proc.
    info = child.pid === undefined ? undefined : readProcInfo(child.pid);
  } catch (cause) {
    throw new WeirError('INVALID_SPEC', `cannot start step: ${(cause as Error).message}`, { cause });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  const pid = child.pid;
  if (pid === undefined) {
    if (spawnError === undefined) await new Promise((resolve) => child.once('error', resolve));
    throw new WeirError('IO_ERROR', `cannot spawn ${command}: ${spawnError?.message ?? 'unknown error'}`, { cause: spawnError });
  }
  child.unref();
  return { child, identity: { pid, startTicks: info?.startTicks ?? null, bootId: readBootId() }, view: prepared.view, startedAt };
}
