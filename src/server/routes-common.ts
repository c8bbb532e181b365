// Helpers shared by the resource routes: path parameters checked as Kubernetes names, objects from request bodies
// normalised for the store (apiVersion/kind defaulted, namespace from the path, server-owned metadata dropped),
// validation with the same schema + lint as `weir lint`, and Argo's list and update shapes.
import { lintDocument, templateContext } from '../api/lint.js';
import { formatPath } from '../api/findings.js';
import { KINDS } from '../api/kinds.js';
import type { KindName } from '../api/kinds.js';
import { toNewObject } from '../api/objects.js';
import type { ObjectOf } from '../api/objects.js';
import type { Obj } from '../api/walk.js';
import { WeirError } from '../core/errors.js';
import type { ListResult, NewObject, ResourceStore, StoredObject } from '../store/types.js';
import { applyFields, listOptionsFrom } from './http.js';
import { isValidName, isValidNamespace } from './options.js';
import type { RouteContext } from './router.js';

export function namespaceOf(ctx: RouteContext): string {
  const ns = ctx.params.namespace ?? '';
  if (!isValidNamespace(ns)) throw new WeirError('INVALID_ARGUMENT', `invalid namespace ${JSON.stringify(ns)}: must be a DNS label`);
  return ns;
}

export function nameOf(ctx: RouteContext): string {
  const name = ctx.params.name ?? '';
  if (!isValidName(name)) throw new WeirError('INVALID_ARGUMENT', `invalid name ${JSON.stringify(name)}`);
  return name;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The object under `key` of a request body (e.g. `workflow`, `template`), as a plain object. */
export function bodyObject(body: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = body[key];
  if (!isObj(v)) throw new WeirError('INVALID_SPEC', `request body needs a "${key}" object`);
  return structuredClone(v);
}

/**
 * Normalises a resource from a body: apiVersion/kind default to the kind's (a different one is refused), the
 * namespace comes from the path (a different one in metadata is refused), uid/resourceVersion/creationTimestamp
 * are the store's.
 */
export function normalise(kind: KindName, obj: Record<string, unknown>, namespace: string | undefined): NewObject {
  const info = KINDS[kind];
  if (obj.kind === undefined || obj.kind === '') obj.kind = info.kind;
  if (obj.apiVersion === undefined || obj.apiVersion === '') obj.apiVersion = info.apiVersion;
  if (obj.kind !== info.kind) throw new WeirError('INVALID_SPEC', `kind must be ${info.kind}, got ${JSON.stringify(obj.kind)}`);
  const meta = isObj(obj.metadata) ? obj.metadata : (obj.metadata = {});
  if (namespace !== undefined) {
    if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== namespace) {
      throw new WeirError(
        'INVALID_SPEC',
        `metadata.namespace ${JSON.stringify(meta.namespace)} does not match the namespace in the path (${namespace})`,
      );
    }
    meta.namespace = namespace;
  } else delete meta.namespace;
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink']) delete meta[k];
  for (const k of ['name', 'generateName']) if (meta[k] === '') delete meta[k];
  if (typeof meta.name === 'string' && !isValidName(meta.name))
    throw new WeirError('INVALID_SPEC', `metadata.name ${JSON.stringify(meta.name)} is not a valid name`);
  return toNewObject(obj, `${info.kind}: `);
}

/** Workflow templates visible from `namespace`, for resolving templateRefs during lint. */
async function storeTemplateContext(
  store: ResourceStore,
  namespace: string | undefined,
  extra: Obj[],
): Promise<ReturnType<typeof templateContext>> {
  const [wt, cwt] = await Promise.all([
    namespace === undefined ? Promise.resolve({ items: [] as StoredObject[] }) : store.list('WorkflowTemplate', { namespace }),
    store.list('ClusterWorkflowTemplate'),
  ]);
  return templateContext([...wt.items, ...cwt.items, ...extra]);
}

/** Schema + lint errors as one 400 (message lists `path: problem`; details.findings has them all). */
export async function validate(store: ResourceStore, obj: NewObject, namespace: string | undefined): Promise<void> {
  const probe: Obj = structuredClone(obj);
  const ctx = await storeTemplateContext(
    store,
    namespace,
    obj.kind === 'WorkflowTemplate' || obj.kind === 'ClusterWorkflowTemplate' ? [probe] : [],
  );
  const errors = lintDocument(probe, ctx).filter((f) => f.severity === 'error');
  if (errors.length === 0) return;
  const shown = errors.slice(0, 10).map((f) => (f.path.length > 0 ? `${formatPath(f.path)}: ${f.message}` : f.message));
  const more = errors.length > shown.length ? `; and ${errors.length - shown.length} more` : '';
  throw new WeirError('INVALID_SPEC', `${obj.kind} is invalid: ${shown.join('; ')}${more}`, {
    details: { findings: errors.map((f) => ({ path: formatPath(f.path), message: f.message, rule: f.rule })) },
  });
}

/** Argo's list shape: `{ metadata: { resourceVersion, continue? }, items }`. */
export function listBody(r: ListResult): { metadata: { resourceVersion: string; continue?: string }; items: StoredObject[] } {
  return { metadata: { resourceVersion: r.resourceVersion, ...(r.continue ? { continue: r.continue } : {}) }, items: r.items };
}

export async function listResource(ctx: RouteContext, kind: KindName, namespace: string | undefined): Promise<unknown> {
  const { resourceVersion: _rv, ...lo } = listOptionsFrom(ctx.query);
  const r = await ctx.opts.store.list(kind, {
    ...lo,
    ...(namespace ? { namespace } : {}),
    ...(kind === 'Workflow' ? { order: 'newest' as const } : {}),
  });
  return applyFields(listBody(r), ctx.query.get('fields'));
}

export async function getResource<K extends KindName>(
  ctx: RouteContext,
  kind: K,
  namespace: string | undefined,
  name: string,
): Promise<ObjectOf<K>> {
  const o = await ctx.opts.store.get(kind, namespace, name);
  if (!o) throw notFoundError(kind, namespace, name);
  return o;
}

/** The NOT_FOUND error for a missing object: the kind's plural, the name and the namespace. */
export function notFoundError(kind: KindName, namespace: string | undefined, name: string): WeirError {
  return new WeirError(
    'NOT_FOUND',
    `${KINDS[kind].plural} ${JSON.stringify(name)} not found${namespace ? ` in namespace ${namespace}` : ''}`,
  );
}

/**
 * Replaces a stored object with `obj` (same name; resourceVersion, when given, must still match — 409 otherwise;
 * when absent the current one is used). uid and creationTimestamp are kept; status too unless `obj` has one.
 */
export async function replaceResource(
  ctx: RouteContext,
  kind: KindName,
  namespace: string | undefined,
  name: string,
  raw: Record<string, unknown>,
): Promise<StoredObject> {
  const rv =
    isObj(raw.metadata) && typeof raw.metadata.resourceVersion === 'string' && raw.metadata.resourceVersion !== ''
      ? raw.metadata.resourceVersion
      : undefined;
  const obj = normalise(kind, raw, namespace);
  if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
    throw new WeirError('INVALID_SPEC', `metadata.name ${JSON.stringify(obj.metadata.name)} does not match the name in the path (${name})`);
  }
  obj.metadata.name = name;
  delete obj.metadata.generateName;
  const cur: StoredObject = await getResource(ctx, kind, namespace, name);
  await validate(ctx.opts.store, obj, namespace);
  const next: StoredObject = {
    ...obj,
    metadata: {
      ...obj.metadata,
      name,
      uid: cur.metadata.uid,
      creationTimestamp: cur.metadata.creationTimestamp,
      resourceVersion: rv ?? cur.metadata.resourceVersion,
    },
  };
  if (next.status === undefined && cur.status !== undefined) next.status = cur.status;
  return ctx.opts.store.update(kind, next);
}

export async function deleteResource(
  ctx: RouteContext,
  kind: KindName,
  namespace: string | undefined,
  name: string,
): Promise<Record<string, never>> {
  const rv = ctx.query.get('deleteOptions.preconditions.resourceVersion') ?? undefined;
  const gone = await ctx.opts.store.delete(kind, namespace, name, rv ? { resourceVersion: rv } : undefined);
  if (!gone)
    throw new WeirError(
      'NOT_FOUND',
      `${KINDS[kind].plural} ${JSON.stringify(name)} not found${namespace ? ` in namespace ${namespace}` : ''}`,
    );
  return {};
}
