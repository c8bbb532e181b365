// Which host paths a workflow may mount (hostPath volumes) and the containment checks of volumeMounts[].subPath.
// hostPath is off unless the operator lists allowed prefixes (`--allow-host-path PREFIX[:rw]`); Weir's data dir is
// never mountable. The lexical checks run in `operate` (pure); the same checks with symlinks resolved run just
// before the step starts (checkVolumePrep), so a link made by an earlier step cannot lead a mount out.
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import { WeirError } from '../core/errors.js';

export interface HostPathRule {
  /** Absolute, normalised; paths equal to it or below it match. */
  prefix: string;
  readWrite: boolean;
}

export interface HostPathPolicy {
  allow: readonly HostPathRule[];
  /** Never mountable, nor any path inside (Weir's data dir). Ancestors are hidden by the sandbox instead. */
  deny: readonly string[];
}

export const NO_HOST_PATHS: HostPathPolicy = Object.freeze({ allow: [], deny: [] });

const under = (p: string, dir: string): boolean => dir === '/' || p === dir || p.startsWith(dir + '/');

/** Why mounting `path` (read-only or not) is refused, or undefined when the policy allows it. */
export function hostPathRefusal(path: string, readOnly: boolean, policy: HostPathPolicy): string | undefined {
  if (!posix.isAbsolute(path)) return `hostPath ${JSON.stringify(path)} must be an absolute path`;
  const p = posix.normalize(path);
  if (policy.deny.some((d) => under(p, d))) return `hostPath ${p} lies inside Weir's data directory, which steps never see`;
  const rules = policy.allow.filter((r) => under(p, r.prefix));
  if (rules.length === 0) {
    return policy.allow.length === 0
      ? `hostPath volumes are disabled on this server (allow host path prefixes with --allow-host-path PREFIX[:rw] or WEIR_ALLOW_HOST_PATH): ${p}`
      : `hostPath ${p} is not under an allowed prefix (${policy.allow.map((r) => r.prefix + (r.readWrite ? ':rw' : '')).join(', ')})`;
  }
  if (!readOnly && !rules.some((r) => r.readWrite)) {
    return `hostPath ${p} may only be mounted read-only (set readOnly: true on the volumeMount, or allow it with --allow-host-path ${rules[0].prefix}:rw)`;
  }
  return undefined;
}

/** Why `subPath` leaves its volume after normalisation (absolute, or `..` above the volume), or undefined. */
export function subPathRefusal(subPath: string): string | undefined {
  if (subPath.includes('\0')) return 'subPath may not contain NUL bytes';
  if (posix.isAbsolute(subPath)) return `subPath ${JSON.stringify(subPath)} must be a relative path inside the volume`;
  const n = posix.normalize(subPath);
  if (n === '..' || n.startsWith('../')) return `subPath ${JSON.stringify(subPath)} leaves its volume`;
  return undefined;
}

/** What to verify on the host just before a step starts, with symlinks resolved. */
export type VolumeCheck =
  { kind: 'subPath'; base: string; subPath: string } | { kind: 'hostPath'; path: string; readOnly: boolean; policy: HostPathPolicy };

const realOr = (p: string): Promise<string> => realpath(p).catch(() => p);

/**
 * Creates `base/subPath` one component at a time and refuses it (INVALID_SPEC) when any component, symlinks
 * followed, leaves `base`. Returns the resolved host dir to mount.
 */
export async function ensureSubPath(base: string, subPath: string, create: boolean): Promise<string> {
  const why = subPathRefusal(subPath);
  if (why !== undefined) throw new WeirError('INVALID_SPEC', why);
  const realBase = await realOr(base);
  let cur = realBase;
  for (const part of posix
    .normalize(subPath)
    .split('/')
    .filter((s) => s !== '' && s !== '.')) {
    const next = posix.join(cur, part);
    const st = await lstat(next).catch(() => undefined);
    if (st === undefined) {
      if (!create) throw new WeirError('INVALID_SPEC', `subPath ${JSON.stringify(subPath)} does not exist in its volume`);
      await mkdir(next).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
      });
    }
    const real = await realOr(next);
    if (!under(real, realBase))
      throw new WeirError('INVALID_SPEC', `subPath ${JSON.stringify(subPath)} leaves its volume (through a symlink)`);
    cur = real;
  }
  return cur;
}

/** The run-time form of hostPathRefusal: symlinks in `path` and in the prefixes resolved. */
export async function checkHostPathReal(path: string, readOnly: boolean, policy: HostPathPolicy): Promise<void> {
  const lexical = hostPathRefusal(path, readOnly, policy);
  if (lexical !== undefined) throw new WeirError('INVALID_SPEC', lexical);
  const real = await realOr(posix.normalize(path));
  const resolved: HostPathPolicy = {
    allow: await Promise.all(policy.allow.map(async (r) => ({ prefix: await realOr(r.prefix), readWrite: r.readWrite }))),
    deny: [...policy.deny, ...(await Promise.all(policy.deny.map(realOr)))],
  };
  const why = hostPathRefusal(real, readOnly, resolved);
  if (why !== undefined) throw new WeirError('INVALID_SPEC', real === posix.normalize(path) ? why : `${why} (${path} resolves to ${real})`);
}
