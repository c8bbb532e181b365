// Options of the host-process step executor, validated and resolved once (resolveHostExecutorOptions).
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { WeirError } from '../core/errors.js';
import { nullLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';

export interface HostExecutorOptions {
  /** Root of Weir's data; steps live under `<dataDir>/steps/`. Required. */
  dataDir: string;
  /** Default: a logger that discards everything. */
  logger?: Logger;
  /** Path of bubblewrap. Default (undefined): `bwrap` looked up on PATH. `null`: run steps unisolated. */
  bwrapPath?: string | null;
  /** Milliseconds since the epoch (`now`); stamps log lines and start times. Default: the system clock. */
  clock?: Clock;
  /** Names of Weir's own environment variables passed to steps (spec.env wins). Default: see DEFAULT_INHERIT_ENV. */
  inheritEnv?: readonly string[];
  /** POSIX shell running the fixed exit-code wrapper. Default: /bin/sh. */
  shellPath?: string;
  /** How often a waited-on step's process group is probed for liveness, in ms. Default: 250. */
  pollIntervalMs?: number;
  /**
   * uid and gid a sandboxed step runs as inside its own user namespace (it holds no capabilities there either).
   * Default: 65534 (nobody) when Weir runs as root, else Weir's own ids.
   */
  sandboxUid?: number;
  sandboxGid?: number;
  /** Bytes of stdout (and of stderr) kept per step: the head and the tail, the middle is dropped. Default 64 MiB. */
  maxLogBytes?: number;
}

export interface ResolvedHostExecutorOptions {
  readonly dataDir: string;
  readonly stepsDir: string;
  readonly logger: Logger;
  /** Absolute path of bwrap, or null when steps run unisolated. */
  readonly bwrapPath: string | null;
  /** Why bwrap is not used (for the one warning), when bwrapPath is null. */
  readonly unisolatedReason: string | null;
  readonly clock: Clock;
  readonly inheritEnv: readonly string[];
  readonly shellPath: string;
  readonly pollIntervalMs: number;
  /**
   * Isolated: the step's user-namespace identity and whether bwrap can forbid nested user namespaces. A promise:
   * asking bwrap takes a process start, which runs while the caller does other work (it never rejects).
   */
  readonly sandboxIdentity: Promise<SandboxIdentity>;
  readonly maxLogBytes: number;
}

export interface SandboxIdentity {
  uid: number;
  gid: number;
  /** bwrap >= 0.8 `--disable-userns`: the step cannot create user namespaces of its own. */
  disableUserns: boolean;
}

/** Smallest log cap: the 256 KiB `result` tail must fit in the kept tail. */
export const MIN_LOG_BYTES = 1024 * 1024;
export const DEFAULT_MAX_LOG_BYTES = 64 * 1024 * 1024;

const probed = new Map<string, Promise<boolean>>();
/** The option's own text: bwrap compares each argument with it, so a bwrap that knows the option contains it. */
const DISABLE_USERNS = Buffer.from('--disable-userns');
/** Larger files are not read into memory to look for the option (bwrap itself is under 100 KiB). */
const MAX_SCAN_BYTES = 16 * 1024 * 1024;

/**
 * Whether this bwrap knows `--disable-userns` (asked once per binary). An ELF executable is searched for the option's
 * text, which costs a file read; anything else (say a wrapper script) is asked with `bwrap --help`. Both run without
 * blocking: a synchronous `--help` probe held up every `weir run` by a process start (a fork of the whole Weir
 * process). Never rejects: a bwrap that cannot be read or asked counts as not knowing the option.
 */
function bwrapCanDisableUserns(bwrap: string): Promise<boolean> {
  let known = probed.get(bwrap);
  if (known === undefined) {
    known = (async (): Promise<boolean> => {
      const bin = await stat(bwrap)
        .then((st) => (st.size <= MAX_SCAN_BYTES ? readFile(bwrap) : undefined))
        .catch(() => undefined);
      if (bin !== undefined && bin.subarray(0, 4).toString('latin1') === '\x7fELF') return bin.includes(DISABLE_USERNS);
      return new Promise<boolean>((resolve) => {
        execFile(bwrap, ['--help'], { encoding: 'utf8', timeout: 5000 }, (_err, stdout, stderr) => {
          resolve(`${stdout ?? ''}${stderr ?? ''}`.includes('--disable-userns'));
        });
      });
    })();
    probed.set(bwrap, known);
  }
  return known;
}

const idOption = (v: number | undefined, field: string, fallback: number): number => {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 0 || v > 0xfffffffe) throw invalid(field, 'must be an integer from 0 to 4294967294');
  return v;
};

export const DEFAULT_INHERIT_ENV: readonly string[] = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'USER', 'LOGNAME'];

const invalid = (field: string, why: string): WeirError =>
  new WeirError('INVALID_ARGUMENT', `HostExecutorOptions.${field} ${why}`, { details: { field } });

/** Finds an executable on a PATH string; undefined when absent. */
export function findOnPath(name: string, pathEnv: string | undefined): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function resolveHostExecutorOptions(o: HostExecutorOptions): ResolvedHostExecutorOptions {
  if (typeof o?.dataDir !== 'string' || o.dataDir === '') throw invalid('dataDir', 'is required');
  const dataDir = resolve(o.dataDir);
  let bwrapPath: string | null = null;
  let unisolatedReason: string | null = null;
  if (o.bwrapPath === null) {
    unisolatedReason = 'isolation disabled by configuration (bwrapPath: null)';
  } else if (o.bwrapPath === undefined) {
    bwrapPath = findOnPath('bwrap', process.env.PATH) ?? null;
    if (bwrapPath === null) unisolatedReason = 'bwrap (bubblewrap) not found on PATH';
  } else {
    if (!isAbsolute(o.bwrapPath) && !o.bwrapPath.includes('/')) {
      bwrapPath = findOnPath(o.bwrapPath, process.env.PATH) ?? null;
    } else bwrapPath = isExecutable(o.bwrapPath) ? resolve(o.bwrapPath) : null;
    if (bwrapPath === null) throw invalid('bwrapPath', `is not an executable: ${o.bwrapPath}`);
  }
  const pollIntervalMs = o.pollIntervalMs ?? 250;
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs < 5) throw invalid('pollIntervalMs', 'must be a number >= 5');
  const shellPath = o.shellPath ?? '/bin/sh';
  if (!isAbsolute(shellPath)) throw invalid('shellPath', 'must be absolute');
  if (o.inheritEnv !== undefined && !Array.isArray(o.inheritEnv)) throw invalid('inheritEnv', 'must be an array');
  const root = process.getuid?.() === 0;
  const uid = idOption(o.sandboxUid, 'sandboxUid', root ? 65534 : (process.getuid?.() ?? 65534));
  const gid = idOption(o.sandboxGid, 'sandboxGid', root ? 65534 : (process.getgid?.() ?? 65534));
  const sandboxIdentity = (bwrapPath === null ? Promise.resolve(false) : bwrapCanDisableUserns(bwrapPath)).then(
    (disableUserns): SandboxIdentity => Object.freeze({ uid, gid, disableUserns }),
  );
  const maxLogBytes = o.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES;
  if (!Number.isSafeInteger(maxLogBytes) || maxLogBytes < MIN_LOG_BYTES)
    throw invalid('maxLogBytes', `must be an integer >= ${MIN_LOG_BYTES}`);
  return Object.freeze({
    dataDir,
    stepsDir: join(dataDir, 'steps'),
    logger: o.logger ?? nullLogger,
    bwrapPath,
    unisolatedReason,
    clock: o.clock ?? systemClock,
    inheritEnv: Object.freeze([...(o.inheritEnv ?? DEFAULT_INHERIT_ENV)]),
    shellPath,
    pollIntervalMs,
    sandboxIdentity,
    maxLogBytes,
  });
}
