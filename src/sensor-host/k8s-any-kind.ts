// The `k8s` trigger's actions on objects of any kind (Kubernetes mode), over the store's `anyKind` capability, with
// Argo's semantics (pkg/sensors/triggers/standard-k8s): create; update = read, merge the source onto the live object
// (non-empty values win, maps merge, lists are replaced: mergo.Merge WithOverride) and write it back; patch = the
// source as the patch body; update and patch create an absent object; delete of an absent object does nothing.
// Exactly once: a create whose name is taken by the same firing (its firing-key annotation) is `deduplicated`.
// Errors no retry can fix (a refused spec, a kind the server does not serve, no permission) are NonRetryableError.
import { NonRetryableError, isWeirError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import type { AnyKindObjects, AnyObject, AnyObjectRef } from '../store/types.js';
import type { K8sAction, ResourceOps } from '../../sensors/triggers/types.js';
import { applyParamWrites } from '../../sensors/parameters.js';
import { ANNOTATION_FIRING_KEY } from './lineage.js';

type Result = Awaited<ReturnType<NonNullable<ResourceOps['anyKind']>>>;

/** Failures the API server will give again for the same request. */
const PERMANENT: readonly ErrorCode[] = ['INVALID_SPEC', 'INVALID_ARGUMENT', 'UNKNOWN_KIND', 'UNAUTHORIZED', 'PAYLOAD_TOO_LARGE'];

function permanent(e: unknown): never {
  if (isWeirError(e) && PERMANENT.includes(e.code)) throw new NonRetryableError(e.code, e.message, { cause: e });
  throw e;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Go's zero values as mergo sees them through interface{}: such source values do not override. */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  return isObject(v) && Object.keys(v).length === 0;
}

/** mergo.Merge(dst, src, WithOverride) over JSON: maps merge recursively, other non-empty source values replace. */
export function mergeOverride(dst: Record<string, unknown>, src: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...dst };
  for (const [k, v] of Object.entries(src)) {
    const cur = out[k];
    if (isObject(cur) && isObject(v)) out[k] = mergeOverride(cur, v);
    else if (!isEmpty(v)) out[k] = structuredClone(v);
  }
  return out;
}

function asObject(r: Record<string, unknown>): AnyObject {
  const metadata = isObject(r.metadata) ? r.metadata : {};
  const text = (v: unknown): string => (typeof v === 'string' ? v : '');
  return { ...r, apiVersion: text(r.apiVersion), kind: text(r.kind), metadata };
}

function refOf(o: AnyObject): AnyObjectRef {
  return { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name ?? '' };
}

const what = (o: AnyObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name ?? ''}`;

/** The store's anyKind capability as the `k8s` trigger's action. */
export function anyKindAction(objects: AnyKindObjects): NonNullable<ResourceOps['anyKind']> {
  const create = async (obj: AnyObject, key: string, signal: AbortSignal): Promise<Result> => {
    const name = obj.metadata.name ?? '';
    try {
      const out = await objects.create(obj, signal);
      return { name: out.metadata?.name ?? name, deduplicated: false, result: 'created' };
    } catch (e) {
      if (!isWeirError(e) || e.code !== 'ALREADY_EXISTS') permanent(e);
      const existing = await objects.read(refOf(obj), signal);
      if (existing?.metadata.annotations?.[ANNOTATION_FIRING_KEY] === key) return { name, deduplicated: true, result: 'created' };
      throw new NonRetryableError('ALREADY_EXISTS', `${what(obj)} already exists and was not created by this firing`, { cause: e });
    }
  };

  const update = async (a: K8sAction, obj: AnyObject, signal: AbortSignal): Promise<Result> => {
    // A write racing with ours (409 Conflict) is read again and merged again, a few times.
    for (let attempt = 1; ; attempt++) {
      const cur = await objects.read(refOf(obj), signal).catch(permanent);
      if (cur === undefined) {
        if (a.liveWrites !== undefined) throw new NonRetryableError('NOT_FOUND', `liveObject: ${what(obj)} not found`);
        return create(obj, a.key, signal);
      }
      const next = a.liveWrites !== undefined ? applyParamWrites(structuredClone(cur), a.liveWrites) : mergeOverride(cur, obj);
      const meta = isObject(next.metadata) ? next.metadata : {};
      next.metadata = { ...meta, resourceVersion: cur.metadata.resourceVersion };
      try {
        await objects.replace(asObject(next), signal);
        return { name: obj.metadata.name ?? '', deduplicated: false, result: 'updated' };
      } catch (e) {
        if (attempt < 5 && isWeirError(e) && e.code === 'CONFLICT') continue;
        permanent(e);
      }
    }
  };

  return async (a, signal) => {
    const obj = asObject(a.resource);
    const name = obj.metadata.name ?? '';
    switch (a.operation) {
      case 'create':
        return create(obj, a.key, signal);
      case 'update':
        return update(a, obj, signal);
      case 'patch': {
        const cur = await objects.read(refOf(obj), signal).catch(permanent);
        if (cur === undefined) return create(obj, a.key, signal);
        await objects.patch(refOf(obj), obj, a.patchStrategy ?? 'application/merge-patch+json', signal).catch(permanent);
        return { name, deduplicated: false, result: 'patched' };
      }
      case 'delete': {
        const gone = await objects.delete(refOf(obj), signal).catch(permanent);
        return { name, deduplicated: false, result: gone ? 'deleted' : 'absent' };
      }
      default:
        throw new NonRetryableError('INVALID_SPEC', `unknown k8s.operation ${String(a.operation)}`);
    }
  };
}
