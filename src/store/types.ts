// The resource store contract, with Kubernetes semantics: generateName, resourceVersion optimistic concurrency,
// label selectors, paginated lists, and watches from a resource version. Implementations: in-memory (weir run),
// SQLite (embedded server) and Kubernetes (CRDs); all run the conformance suite in test/store/.
import type { KindName } from '../api/kinds.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** A stored object: apiVersion, kind, metadata as stored, and any other top-level fields (spec, status, data...). */
export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** An object to create: metadata.name or metadata.generateName; uid/resourceVersion are assigned. */
export interface NewObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/**
 * `name`: by `namespace/name` (Kubernetes' etcd key order; the default). `newest`: creationTimestamp descending,
 * later creates first on ties (what `argo list` shows).
 */
export type ListOrder = 'name' | 'newest';

export interface ListOptions {
  /** Omit for all namespaces (and for cluster-scoped kinds). */
  namespace?: string;
  /** Kubernetes label selector syntax: `a=b,c!=d,e in (x,y),!f,g`. */
  labelSelector?: string;
  /** Equality filters on fields, e.g. { 'status.phase': 'Failed', 'metadata.name': 'x' }. */
  fieldSelector?: Record<string, string>;
  limit?: number;
  /** Opaque token from a previous page (of a list with the same options). */
  continue?: string;
  /** Default `name`. */
  order?: ListOrder;
}

export interface ListResult {
  items: StoredObject[];
  /** Present when more items follow. */
  continue?: string;
  /** The store's resource version at the time of listing (start a watch from here). */
  resourceVersion: string;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: StoredObject;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  /** Deliver every change after this resource version (from a previous list), then live changes. */
  sinceResourceVersion?: string;
  signal: AbortSignal;
  /**
   * Deliver the store's own copy of each object instead of a private one per event (no copying: what a controller
   * that only reads the events wants). The consumer must not change event objects.
   */
  shared?: boolean;
}

export interface UpdateOptions {
  /**
   * The caller hands `obj` over (it will not change it afterwards) and takes the result read-only: a store may keep
   * `obj` as it is and return the object it stored instead of copies (two deep copies less per save of a big
   * object). A store may ignore this and copy anyway.
   */
  handOver?: boolean;
}

export interface ResourceStore {
  /** Fails with ALREADY_EXISTS when the name is taken, INVALID_SPEC when neither name nor generateName is set. */
  create(kind: KindName, obj: NewObject): Promise<StoredObject>;
  get(kind: KindName, namespace: string | undefined, name: string): Promise<StoredObject | undefined>;
  list(kind: KindName, opts?: ListOptions): Promise<ListResult>;
  /** Replaces the object. metadata.resourceVersion must match the stored one, else CONFLICT; NOT_FOUND if gone. */
  update(kind: KindName, obj: StoredObject, opts?: UpdateOptions): Promise<StoredObject>;
  /** Deletes; with `resourceVersion`, only if it still matches (CONFLICT otherwise). Returns false if absent. */
  delete(kind: KindName, namespace: string | undefined, name: string, opts?: { resourceVersion?: string }): Promise<boolean>;
  watch(kind: KindName, opts: WatchOptions): AsyncIterable<WatchEvent>;
  close(): Promise<void>;
}
