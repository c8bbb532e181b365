// Performing a `resource` template's request against the store (the controller's side of resource-step.ts):
// the action, then — with a success/failure condition — following the object through the store's watch until one
// holds (failure is checked first, as Argo does). Never throws: problems become a `failed` state.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isWeirError, errorMessage } from '../core/errors.js';
import type { KindName } from '../api/kinds.js';
import type { ResourceStore, StoredObject } from '../store/types.js';
import { toNewObject } from '../api/objects.js';
import type { ArtifactService } from '../artifacts/service.js';
import type { ArtifactRepository } from '../artifacts/repository-config.js';
import { conditionHolds } from './resource-query.js';
import { flagTarget, storeKind } from './resource-step.js';
import type { ResourceRequest, ResourceState } from './resource-step.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902 JSON patch (add, remove, replace, copy, move, test). */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new Error('a json patch must be a list of operations');
  let out = structuredClone(doc);
  const parse = (p: string): string[] =>
    p === ''
      ? []
      : p
          .split('/')
          .slice(1)
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const get = (path: string[]): unknown =>
    path.reduce<unknown>((c, k) => (Array.isArray(c) ? c[Number(k)] : isObj(c) ? c[k] : undefined), out);
  const set = (path: string[], value: unknown, mode: 'add' | 'replace' | 'remove'): void => {
    if (path.length === 0) {
      out = value;
      return;
    }
    const parent = get(path.slice(0, -1));
    const last = path[path.length - 1];
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (mode === 'add') parent.splice(i, 0, value);
      else if (mode === 'replace') parent[i] = value;
      else parent.splice(i, 1);
    } else if (isObj(parent)) {
      if (mode !== 'add' && !Object.hasOwn(parent, last)) throw new Error(`json patch: path /${path.join('/')} does not exist`);
      if (mode === 'remove') delete parent[last];
      else parent[last] = value;
    } else throw new Error(`json patch: parent of /${path.join('/')} does not exist`);
  };
  for (const op of ops as { op: string; path: string; from?: string; value?: unknown }[]) {
    const path = parse(op.path);
    switch (op.op) {
      case 'add':
        set(path, structuredClone(op.value), 'add');
        break;
      case 'replace':
        set(path, structuredClone(op.value), 'replace');
        break;
      case 'remove':
        set(path, undefined, 'remove');
        break;
      case 'copy':
        set(path, structuredClone(get(parse(op.from ?? ''))), 'add');
        break;
      case 'move': {
        const v = get(parse(op.from ?? ''));
        set(parse(op.from ?? ''), undefined, 'remove');
        set(path, v, 'add');
        break;
      }
      case 'test':
        if (JSON.stringify(get(path)) !== JSON.stringify(op.value)) throw new Error(`json patch: test of ${op.path} failed`);
        break;
      default:
        throw new Error(`json patch: unknown op ${JSON.stringify(op.op)}`);
    }
  }
  return out;
}

export interface ResourceEffectsContext {
  store: ResourceStore;
  /** Loads `manifestFrom.artifact` (undefined: no artifact support). */
  artifacts?: { service: ArtifactService; repository?: ArtifactRepository };
  signal: AbortSignal;
}

const metaOf = (o: unknown): { name?: string; namespace?: string; generateName?: string } =>
  isObj(o) && isObj(o.metadata) ? o.metadata : {};

async function loadManifest(req: ResourceRequest, ctx: ResourceEffectsContext): Promise<unknown> {
  if (!req.manifestArtifact) return req.manifest;
  if (!ctx.artifacts) throw new Error('manifestFrom.artifact: no artifact repository on this controller');
  const dir = await mkdtemp(join(tmpdir(), 'weir-manifest-'));
  try {
    const file = join(dir, 'manifest');
    await ctx.artifacts.service.loadInput({ ...req.manifestArtifact, mode: undefined }, file, {
      repository: ctx.artifacts.repository,
      signal: ctx.signal,
    });
    return parseYaml(await readFile(file, 'utf8')) as unknown;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * A changed copy of `existing` as the object to save: the identity the store keeps (uid, creationTimestamp) is
 * existing's, name, namespace and resourceVersion are set by the caller. INVALID_SPEC when it is not an object.
 */
function toUpdate(next: Obj, existing: StoredObject): StoredObject {
  const obj = toNewObject(next);
  const { uid, creationTimestamp, resourceVersion } = existing.metadata;
  return { ...obj, metadata: { uid, creationTimestamp, ...obj.metadata, name: existing.metadata.name, resourceVersion } };
}

/** Performs the action; returns the object it ends with (undefined after a delete). */
async function act(
  req: ResourceRequest,
  manifest: unknown,
  store: ResourceStore,
): Promise<{ kind: KindName; namespace: string; name: string; object?: StoredObject }> {
  const jsonTarget = req.action === 'patch' && req.mergeStrategy === 'json' ? flagTarget(req.flags) : undefined;
  const kind = storeKind(jsonTarget !== undefined ? jsonTarget.split('/')[0] : isObj(manifest) ? manifest.kind : undefined);
  if (typeof kind !== 'string') throw new Error(kind.error);
  const m = metaOf(manifest);
  const namespace = m.namespace ?? req.namespace;
  const name = jsonTarget !== undefined ? jsonTarget.split('/').slice(1).join('/') : (m.name ?? '');
  const withOwner = (o: Obj): Obj => {
    if (!req.ownerReference) return o;
    const meta = { ...(isObj(o.metadata) ? o.metadata : {}) };
    const refs = Array.isArray(meta.ownerReferences) ? (meta.ownerReferences as { uid?: string }[]) : [];
    meta.ownerReferences = [...refs.filter((r) => r.uid !== req.ownerReference?.uid), req.ownerReference];
    return { ...o, metadata: meta };
  };
  const existing: StoredObject | undefined = name !== '' ? await store.get(kind, namespace, name) : undefined;
  const notFound = (): Error => new Error(`${kind} ${JSON.stringify(name)} not found in namespace ${namespace}`);
  switch (req.action) {
    case 'get':
      if (!existing) throw notFound();
      return { kind, namespace, name, object: existing };
    case 'delete':
      if (existing) await store.delete(kind, namespace, name);
      return { kind, namespace, name };
    case 'create': {
      if (!isObj(manifest)) throw new Error('resource manifest must be a mapping');
      const obj = toNewObject(withOwner({ ...manifest, metadata: { ...metaOf(manifest), namespace } }));
      const created = await store.create(kind, obj);
      return { kind, namespace, name: created.metadata.name, object: created };
    }
    case 'apply':
    case 'replace': {
      if (!isObj(manifest)) throw new Error('resource manifest must be a mapping');
      if (!existing) {
        if (req.action === 'replace') throw notFound();
        const created = await store.create(kind, toNewObject(withOwner({ ...manifest, metadata: { ...metaOf(manifest), namespace } })));
        return { kind, namespace, name: created.metadata.name, object: created };
      }
      const em: Obj = existing.metadata;
      const mm = metaOf(manifest) as Obj;
      const metadata =
        req.action === 'apply'
          ? {
              ...em,
              ...mm,
              labels: { ...(em.labels as Obj | undefined), ...(mm.labels as Obj | undefined) },
              annotations: { ...(em.annotations as Obj | undefined), ...(mm.annotations as Obj | undefined) },
            }
          : { ...mm, uid: em.uid, creationTimestamp: em.creationTimestamp };
      const next = withOwner({
        ...(req.action === 'apply' ? existing : {}),
        ...manifest,
        metadata: { ...metadata, namespace, name, resourceVersion: existing.metadata.resourceVersion },
      });
      if (next.status === undefined && existing.status !== undefined) next.status = existing.status;
      return { kind, namespace, name, object: await store.update(kind, toUpdate(next, existing)) };
    }
    case 'patch': {
      if (!existing) throw notFound();
      const patched = (req.mergeStrategy === 'json' ? jsonPatch(existing, manifest) : mergePatch(existing, manifest)) as Obj;
      const next = withOwner({
        ...patched,
        metadata: { ...(patched.metadata as Obj), name, namespace, resourceVersion: existing.metadata.resourceVersion },
      });
      return { kind, namespace, name, object: await store.update(kind, toUpdate(next, existing)) };
    }
  }
}

/** Decides the outcome from the object under the conditions; undefined while neither holds. */
function judge(req: ResourceRequest, obj: StoredObject | undefined): ResourceState | undefined {
  const o = obj ?? {};
  if (req.failureCondition && conditionHolds(req.failureCondition, o)) {
    return { state: 'done', phase: 'Failed', object: obj as Obj | undefined, message: `failure condition '${req.failureCondition}' met` };
  }
  if (!req.successCondition || conditionHolds(req.successCondition, o))
    return { state: 'done', phase: 'Succeeded', object: obj as Obj | undefined };
  return undefined;
}

/** Performs the request to its end. */
export async function performResource(req: ResourceRequest, ctx: ResourceEffectsContext): Promise<ResourceState> {
  try {
    const manifest = await loadManifest(req, ctx);
    const r = await act(req, manifest, ctx.store);
    let obj = r.object;
    const first = judge(req, obj);
    if (first || req.action === 'delete') return first ?? { state: 'done', phase: 'Succeeded' };
    // Follow the object's changes until a condition holds.
    for await (const ev of ctx.store.watch(r.kind, {
      namespace: r.namespace,
      signal: ctx.signal,
      ...(obj ? { sinceResourceVersion: obj.metadata.resourceVersion } : {}),
    })) {
      if (ev.object.metadata.name !== r.name) continue;
      obj = ev.type === 'DELETED' ? undefined : ev.object;
      const j = judge(req, obj);
      if (j) return j;
    }
    return { state: 'failed', message: 'stopped while waiting for the resource condition' };
  } catch (e) {
    const msg = isWeirError(e) ? e.message : errorMessage(e);
    return { state: 'failed', message: msg };
  }
}
