// Kubernetes object semantics shared by every ResourceStore implementation: namespace defaulting, generateName
// suffixes, label key/value rules, the metadata a create/update/delete assigns, field selector values, sort keys and
// the store's coded errors. Stores keep only their storage and indexing logic.
import { WeirError } from '../core/errors.js';
import { randomIndex } from '../core/random.js';
import { KIND_IDENTITY } from '../core/kinds.js';
import type { KindName } from '../api/kinds.js';
import type { NewObject, StoredObject } from './types.js';
import { labelKeyProblem, labelValueProblem } from '../core/labels.js';

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' generateName suffix: 5 characters from its consonant/digit alphabet. */
export function randomSuffix(): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[randomIndex(SUFFIX_ALPHABET.length)];
  return s;
}

/**
 * A deep copy of stored (JSON) data. A JSON round trip: faster than structuredClone for these plain trees, and it
 * gives exactly what a store that keeps JSON text would return (undefined fields dropped).
 */
export const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

export function assertKind(kind: KindName): void {
  if (!Object.hasOwn(KIND_IDENTITY, kind)) throw new WeirError('UNKNOWN_KIND', `unknown kind ${JSON.stringify(kind)}`);
}

/** The namespace an object of `kind` lives in: `default` when omitted, none for cluster-scoped kinds. */
export function namespaceFor(kind: KindName, namespace: string | undefined): string | undefined {
  return KIND_IDENTITY[kind].namespaced ? namespace || 'default' : undefined;
}

/** The storage key `namespace/name` (`/name` for cluster-scoped); lists in name order sort by it, as etcd keys do. */
export function storageKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** RFC 3339 with second precision, as Kubernetes writes creationTimestamp. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The name a create will use, or undefined when a generateName suffix must be drawn. INVALID_SPEC if neither. */
export function requestedName(kind: KindName, obj: NewObject): string | undefined {
  const meta = obj.metadata ?? {};
  if (meta.name) return meta.name;
  if (!meta.generateName) throw new WeirError('INVALID_SPEC', `${kind}: metadata.name or metadata.generateName is required`);
  return undefined;
}

/** INVALID_SPEC naming the first label of `obj` whose key or value Kubernetes would refuse. Every store write runs it. */
export function assertValidLabels(kind: KindName, obj: { metadata?: { labels?: unknown } }): void {
  const labels = obj.metadata?.labels;
  if (labels === undefined || labels === null) return;
  if (typeof labels !== 'object' || Array.isArray(labels))
    throw new WeirError('INVALID_SPEC', `${kind}: metadata.labels must be a map of strings`);
  for (const [key, value] of Object.entries(labels)) {
    const keyWhy = labelKeyProblem(key);
    const why = keyWhy === undefined ? labelValueProblem(value) : undefined;
    if (keyWhy === undefined && why === undefined) continue;
    const shown = typeof value === 'string' && value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}...` : JSON.stringify(value);
    const message =
      keyWhy !== undefined
        ? `${kind}: invalid label key ${JSON.stringify(key)} in metadata.labels: ${keyWhy}`
        : `${kind}: invalid value ${shown} for label ${JSON.stringify(key)} in metadata.labels: ${why ?? ''}`;
    throw new WeirError('INVALID_SPEC', message, { details: { field: `metadata.labels.${key}`, label: key } });
  }
}

export interface Assigned {
  name: string;
  namespace: string | undefined;
  uid: string;
  resourceVersion: number;
  creationTimestamp: string;
}

/** The object as stored by a create. */
export function buildCreated(obj: NewObject, a: Assigned): StoredObject {
  const stored = clone(obj) as StoredObject;
  stored.metadata = {
    ...clone(obj.metadata ?? {}),
    name: a.name,
    uid: a.uid,
    resourceVersion: String(a.resourceVersion),
    generation: 1,
    creationTimestamp: a.creationTimestamp,
  };
  if (a.namespace !== undefined) stored.metadata.namespace = a.namespace;
  else delete stored.metadata.namespace;
  return stored;
}

/** The object as stored by an update of `cur`: uid and creationTimestamp kept, generation bumped on spec change. */
export function buildUpdated(
  cur: StoredObject,
  obj: StoredObject,
  namespace: string | undefined,
  resourceVersion: number,
  copy = true,
): StoredObject {
  const next = copy ? clone(obj) : { ...obj };
  const specChanged = JSON.stringify(next.spec) !== JSON.stringify(cur.spec);
  next.metadata = {
    ...next.metadata,
    uid: cur.metadata.uid,
    creationTimestamp: cur.metadata.creationTimestamp,
    resourceVersion: String(resourceVersion),
    generation: (cur.metadata.generation ?? 1) + (specChanged ? 1 : 0),
  };
  if (namespace !== undefined) next.metadata.namespace = namespace;
  else delete next.metadata.namespace;
  return next;
}

/** The object a DELETED watch event carries: the last state, stamped with the deletion's resourceVersion. */
export function buildDeleted(cur: StoredObject, resourceVersion: number): StoredObject {
  const gone = clone(cur);
  gone.metadata.resourceVersion = String(resourceVersion);
  return gone;
}

/** Reads a dotted field path (`status.phase`, `metadata.name`) as the text a field selector compares with. */
export function fieldValue(obj: StoredObject, path: string): string | undefined {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, p)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'string' ? cur : JSON.stringify(cur);
}

/** Field selector equality; an absent field compares as the empty string (as Kubernetes does). */
export function matchesFields(obj: StoredObject, fields: Readonly<Record<string, string>> | undefined): boolean {
  if (!fields) return true;
  return Object.entries(fields).every(([path, want]) => (fieldValue(obj, path) ?? '') === want);
}

/** Milliseconds of a stored creationTimestamp, the primary key of the `newest` list order. */
export function createdMs(obj: StoredObject): number {
  const t = Date.parse(obj.metadata.creationTimestamp);
  return Number.isNaN(t) ? 0 : t;
}

export function alreadyExists(kind: KindName, namespace: string | undefined, name: string): WeirError {
  return new WeirError('ALREADY_EXISTS', `${kind} ${storageKey(namespace, name)} already exists`, { details: { kind, namespace, name } });
}

export function notFound(kind: KindName, namespace: string | undefined, name: string): WeirError {
  return new WeirError('NOT_FOUND', `${kind} ${storageKey(namespace, name)} not found`, { details: { kind, namespace, name } });
}

export function staleVersion(kind: KindName, namespace: string | undefined, name: string, given: string, current: string): WeirError {
  return new WeirError(
    'CONFLICT',
    `${kind} ${storageKey(namespace, name)} was modified (resourceVersion ${given} is stale; now ${current})`,
    {
      details: { kind, namespace, name, resourceVersion: given, current },
    },
  );
}

/**
 * A watch asked for changes older than the kept history (Kubernetes answers 410 Gone, reason Expired).
 * Code CONFLICT with details.reason = 'Expired': the caller must list again and watch from the new version.
 */
export function expiredVersion(since: number, oldest: number): WeirError {
  return new WeirError('CONFLICT', `too old resource version: ${since} (oldest kept: ${oldest}); list again`, {
    details: { reason: 'Expired', resourceVersion: String(since), oldest: String(oldest) },
  });
}

export function generateNameExhausted(kind: KindName, generateName: string): WeirError {
  return new WeirError('ALREADY_EXISTS', `${kind}: no free name for generateName ${JSON.stringify(generateName)} after many tries`);
}

/** Parses a sinceResourceVersion; INVALID_ARGUMENT unless it is a non-negative integer. */
export function parseResourceVersion(rv: string): number {
  if (!/^\d+$/.test(rv)) throw new WeirError('INVALID_ARGUMENT', `bad resource version ${JSON.stringify(rv)}`);
  return Number(rv);
}
