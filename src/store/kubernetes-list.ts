// Lists for KubernetesStore with the store contract's paging semantics on top of the API server's: label
// selectors and metadata.name/namespace field selectors go to the server, any other field path is filtered here;
// `name` order pages are keyset pages (a token names the last item, so inserts and deletes between pages never
// shift the rest: each page starts after that key on the newest data, not on the first page's snapshot), and
// `newest` order sorts the full list here (creationTimestamp descending, resourceVersion breaking ties).
import { WeirError } from '../core/errors.js';
import { KIND_IDENTITY } from '../core/kinds.js';
import type { KindName } from '../api/kinds.js';
import { parseLabelSelector } from './label-selector.js';
import { compareSortKeys, cursorOf, decodeContinue, encodeContinue, isAfter, listOrder } from './list-order.js';
import type { Cursor, SortKey } from './list-order.js';
import { createdMs, matchesFields, storageKey } from './object-rules.js';
import { resourcePath } from './kubernetes-rest.js';
import type { KubeRest, Query } from './kubernetes-rest.js';
import type { ListOptions, ListResult, StoredObject } from './types.js';

/** A Kubernetes list response (the fields we read). */
export interface KubeList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: StoredObject[];
}

/** Field paths every kind's API serves as field selectors; the others are evaluated on the listed objects. */
const SERVER_FIELDS = new Set(['metadata.name', 'metadata.namespace']);
/** Items per request when a list needs every item (newest order, or no limit). */
const FULL_PAGE = 500;

/** Drops what the store contract does not carry (managedFields: server-side apply bookkeeping). */
export function normalize(o: StoredObject, kind: KindName): StoredObject {
  if (o.metadata && 'managedFields' in o.metadata) delete o.metadata.managedFields;
  if (!o.kind) o.kind = KIND_IDENTITY[kind].kind;
  if (!o.apiVersion) o.apiVersion = KIND_IDENTITY[kind].apiVersion;
  return o;
}

/** The Kubernetes system namespaces a store leaves out of lists and watches across all namespaces. */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/** The server-side part of a field selector, as `a=b,c!=d`; `skip` adds `metadata.namespace!=` terms. */
export function serverFieldSelector(
  fields: Readonly<Record<string, string>> | undefined,
  skip: readonly string[] = [],
): string | undefined {
  const parts = Object.entries(fields ?? {})
    .filter(([k]) => SERVER_FIELDS.has(k))
    .map(([k, v]) => `${k}=${v}`);
  for (const ns of skip) parts.push(`metadata.namespace!=${ns}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

/**
 * A continue token that makes the API server start after `key` on its newest data. Its format (base64url JSON with
 * `rv` -1: "latest", `start`: the etcd key relative to the list's prefix) is the one the server itself hands out
 * with a 410 for an expired continuation.
 */
function startAfterToken(kind: KindName, namespace: string | undefined, key: string): string {
  const [ns, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
  const relative = !KIND_IDENTITY[kind].namespaced || namespace !== undefined ? name : `${ns}/${name}`;
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: -1, start: `${relative}\u0000` })).toString('base64url');
}

const keyOf = (o: StoredObject): string => storageKey(o.metadata.namespace, o.metadata.name);
const sortKeyOf = (o: StoredObject): SortKey => ({ key: keyOf(o), createdMs: createdMs(o), createRv: Number(o.metadata.resourceVersion) });

export interface ListRequest {
  kind: KindName;
  namespace: string | undefined;
  opts: ListOptions;
  /** Namespaces left out when listing a namespaced kind across all namespaces. */
  skipNamespaces?: readonly string[];
}

/** One list in the store contract's terms. */
export async function kubeList(rest: KubeRest, r: ListRequest): Promise<ListResult> {
  const { kind, namespace, opts } = r;
  const order = listOrder(opts.order);
  if (opts.labelSelector) parseLabelSelector(opts.labelSelector);
  if (opts.limit !== undefined && (!Number.isSafeInteger(opts.limit) || opts.limit < 0)) {
    throw new WeirError('INVALID_ARGUMENT', `limit must be a non-negative integer, got ${opts.limit}`);
  }
  const cursor = opts.continue ? decodeContinue(opts.continue, order) : undefined;
  const limit = opts.limit ? opts.limit : undefined;
  const skip = KIND_IDENTITY[kind].namespaced && namespace === undefined ? (r.skipNamespaces ?? []) : [];
  const base: Query = { labelSelector: opts.labelSelector || undefined, fieldSelector: serverFieldSelector(opts.fieldSelector, skip) };
  const keep = (o: StoredObject): boolean => matchesFields(o, opts.fieldSelector);
  const path = resourcePath(kind, namespace);
  if (order === 'newest') return newestPage(rest, { kind, path, base, keep, limit, cursor });

  const items: StoredObject[] = [];
  let serverToken = cursor?.order === 'name' ? startAfterToken(kind, namespace, cursor.key) : undefined;
  let resourceVersion: string | undefined;
  for (;;) {
    // Ask for one more than is missing: an extra match proves that a next page exists.
    const want = limit === undefined ? FULL_PAGE : Math.max(limit + 1 - items.length, 1);
    const page = await rest.request<KubeList>('GET', path, { query: { ...base, limit: want, continue: serverToken } });
    resourceVersion ??= page.metadata?.resourceVersion;
    for (const raw of page.items ?? []) {
      const o = normalize(raw, kind);
      if (!keep(o)) continue;
      if (limit !== undefined && items.length === limit) {
        return {
          items,
          continue: encodeContinue(cursorOf('name', sortKeyOf(items[items.length - 1]))),
          resourceVersion: resourceVersion ?? '0',
        };
      }
      items.push(o);
    }
    serverToken = page.metadata?.continue || undefined;
    if (!serverToken) return { items, resourceVersion: resourceVersion ?? '0' };
  }
}

interface NewestRequest {
  kind: KindName;
  path: string;
  base: Query;
  keep: (o: StoredObject) => boolean;
  limit: number | undefined;
  cursor: Cursor | undefined;
}

async function newestPage(rest: KubeRest, r: NewestRequest): Promise<ListResult> {
  const all: { o: StoredObject; k: SortKey }[] = [];
  let token: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const page = await rest.request<KubeList>('GET', r.path, { query: { ...r.base, limit: FULL_PAGE, continue: token } });
    resourceVersion ??= page.metadata?.resourceVersion;
    for (const raw of page.items ?? []) {
      const o = normalize(raw, r.kind);
      const k = sortKeyOf(o);
      if (r.keep(o) && (r.cursor === undefined || isAfter(r.cursor, k))) all.push({ o, k });
    }
    token = page.metadata?.continue || undefined;
  } while (token);
  const cmp = compareSortKeys('newest');
  all.sort((a, b) => cmp(a.k, b.k));
  const rv = resourceVersion ?? '0';
  if (r.limit === undefined || all.length <= r.limit) return { items: all.map((x) => x.o), resourceVersion: rv };
  const page = all.slice(0, r.limit);
  return { items: page.map((x) => x.o), continue: encodeContinue(cursorOf('newest', page[page.length - 1].k)), resourceVersion: rv };
}
