// Side effects and small helpers of the controller's reconcile pass, kept apart from the queue/save loop: the
// Workflow's metadata from spec.workflowMetadata, lock releases that wake waiting workflows, volume directories,
// memoization cache writes, lock holders of other workflows, and the last adjustments of a step before it starts (python fallback, missing commands).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { findOnPath } from '../executor/host-options.js';
import type { StepSpec } from '../executor/types.js';
import type { ResourceStore, StoredObject } from '../store/types.js';
import { CACHE_LABEL } from './memoize.js';
import { holdersIn } from './sync.js';
import { checkHostPathReal, ensureSubPath } from './host-paths.js';
import type { VolumePrep } from './volumes.js';
import type { Action, OperateResult, WorkflowObject, WorkflowStatus } from './types.js';

const FINAL = new Set(['Succeeded', 'Failed', 'Error']);

/** Writes one memoization entry into its cache ConfigMap (created with Argo's cache label when missing). */
export async function saveCacheEntry(
  store: ResourceStore,
  namespace: string,
  a: Extract<Action, { type: 'memoize' }>,
  log: Logger,
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const cur = await store.get('ConfigMap', namespace, a.cacheName);
      if (!cur) {
        await store.create('ConfigMap', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: a.cacheName, namespace, labels: { [CACHE_LABEL]: 'Cache' } },
          data: { [a.key]: a.entry },
        });
      } else {
        await store.update('ConfigMap', { ...cur, data: { ...cur.data, [a.key]: a.entry } });
      }
      return;
    } catch (e) {
      if (e instanceof WeirError && (e.code === 'CONFLICT' || e.code === 'ALREADY_EXISTS')) continue;
      log.warn({ cache: a.cacheName, err: errorMessage(e) }, 'cannot save memoization entry');
      return;
    }
  }
}

/** Whether `next` holds fewer locks than `prev`. */
export function releasedLocks(prev: WorkflowStatus | undefined, next: WorkflowStatus): boolean {
  const count = (st: WorkflowStatus | undefined): number => [...holdersIn(st).values()].reduce((a, h) => a + h.length, 0);
  return count(prev) > count(next) || (FINAL.has(String(next.phase)) && count(prev) > 0);
}

/** The object's metadata with operate's labels/annotations merged in; the same object when nothing changes. */
export function withWorkflowMetadata(m: StoredObject['metadata'], want: OperateResult['metadata']): StoredObject['metadata'] {
  if (!want) return m;
  const labels = { ...m.labels, ...want.labels };
  const annotations = { ...m.annotations, ...want.annotations };
  const same = (a: Record<string, string> | undefined, b: Record<string, string>): boolean => JSON.stringify(a ?? {}) === JSON.stringify(b);
  if (same(m.labels, labels) && same(m.annotations, annotations)) return m;
  return { ...m, ...(Object.keys(labels).length > 0 ? { labels } : {}), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
}

/** Creates volume directories and writes configMap/secret files (idempotent). */
/**
 * Creates volume dirs and writes configMap/secret files before a step starts, after the run-time checks (hostPath
 * policy and subPath containment with symlinks resolved; INVALID_SPEC when refused). Returns the resolved host dir
 * of each subPath mount, keyed by the dir planned for it.
 */
export async function prepareVolumes(prep: readonly VolumePrep[]): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  for (const p of prep) {
    if (p.check?.kind === 'hostPath') await checkHostPathReal(p.check.path, p.check.readOnly, p.check.policy);
    if (p.check?.kind === 'subPath') {
      resolved.set(p.dir, await ensureSubPath(p.check.base, p.check.subPath, p.create !== false));
      continue;
    }
    if (p.create === false) continue;
    await mkdir(p.dir, { recursive: true });
    for (const [name, text] of Object.entries(p.files ?? {})) {
      const file = join(p.dir, name);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
    }
  }
  return resolved;
}

/** The step's mounts with subPath dirs replaced by their resolved host dirs (see prepareVolumes). */
export function withResolvedMounts(spec: StepSpec, resolved: ReadonlyMap<string, string>): StepSpec {
  if (resolved.size === 0) return spec;
  return { ...spec, mounts: spec.mounts.map((m) => ({ ...m, hostPath: resolved.get(m.hostPath) ?? m.hostPath })) };
}

/**
 * A command named without a path that is not on the step's PATH (a shell builtin such as `exit`, or a missing
 * binary): the message a container runtime would give, instead of letting the step's wrapper shell run a builtin.
 */
export function missingCommand(spec: StepSpec): string | undefined {
  const cmd = spec.command[0];
  if (cmd === undefined || cmd.includes('/')) return undefined;
  if (findOnPath(cmd, spec.env.PATH ?? process.env.PATH) !== undefined) return undefined;
  return `${cmd}: executable file not found in $PATH`;
}

/** `python` is often absent on hosts that have `python3`; images are only recorded, so map the name. */
export function withPythonFallback(spec: StepSpec): StepSpec {
  if (spec.command[0] !== 'python' || findOnPath('python', process.env.PATH) !== undefined) return spec;
  if (findOnPath('python3', process.env.PATH) === undefined) return spec;
  return { ...spec, command: ['python3', ...spec.command.slice(1)] };
}

/** Holders per lock key in every OTHER unfinished Workflow (the statuses are the truth; nothing is kept here). */
export async function lockHoldersOf(store: ResourceStore, self: WorkflowObject): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let cont: string | undefined;
  do {
    const page = await store.list('Workflow', { limit: 500, continue: cont });
    for (const o of page.items) {
      const st = o.status;
      if (o.metadata.uid === self.metadata.uid || FINAL.has(String(st?.phase))) continue;
      for (const [k, hs] of holdersIn(st)) out.set(k, (out.get(k) ?? 0) + hs.length);
    }
    cont = page.continue;
  } while (cont !== undefined);
  return out;
}
