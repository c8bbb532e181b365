// The resource store contract, with Kubernetes semantics: generateName, resourceVersion optimistic concurrency,
// label selectors, paginated lists, and watches from a resource version. Implementations: in-memory (weir run),
// SQLite (embedded server) and Kubernetes (CRDs); all run the conformance suite in test/store/.
import type { KindName } from '../api/kinds.js';
import type { NewObjectOf, ObjectOf, StoredObject } from '../api/objects.js';

export type { ObjectMeta, StoredObject, NewObject, NewObjectMeta, ObjectOf, NewObjectOf, KindObjects } from '../api/objects.js';

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

export interface ListResult<T = StoredObject> {
  items: T[];
  /** Present when more items follow. */
  continue?: string;
  /** The store's resource version at the time of listing (start a watch from here). */
  resourceVersion: string;
}

export interface WatchEvent<T = StoredObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
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

/**
 * Typed per kind: `get('Workflow', ...)` resolves to a StoredWorkflow (src/api/objects.ts maps each kind to its type).
 * Stores keep whatever JSON they are given (they check metadata and labels, not the spec against the schema).
 */
export interface ResourceStore {
  /** Fails with ALREADY_EXISTS when the name is taken, INVALID_SPEC when neither name nor generateName is set. */
  create<K extends KindName>(kind: K, obj: NewObjectOf<K>): Promise<ObjectOf<K>>;
  get<K extends KindName>(kind: K, namespace: string | undefined, name: string): Promise<ObjectOf<K> | undefined>;
  list<K extends KindName>(kind: K, opts?: ListOptions): Promise<ListResult<ObjectOf<K>>>;
  /** Replaces the object. metadata.resourceVersion must match the stored one, else CONFLICT; NOT_FOUND if gone. */
  update<K extends KindName>(kind: K, obj: ObjectOf<K>, opts?: UpdateOptions): Promise<ObjectOf<K>>;
  /** Deletes; with `resourceVersion`, only if it still matches (CONFLICT otherwise). Returns false if absent. */
  delete(kind: KindName, namespace: string | undefined, name: string, opts?: { resourceVersion?: string }): Promise<boolean>;
  watch<K extends KindName>(kind: K, opts: WatchOptions): AsyncIterable<WatchEvent<ObjectOf<K>>>;
  close(): Promise<void>;
  /**
   * Objects of any kind the API server serves (Pods, Deployments, Jobs, other CRDs), by apiVersion/kind: present only
   * on a store backed by a Kubernetes API server (the sensors' `k8s` trigger uses it; absent on SQLite and memory).
   */
  readonly anyKind?: AnyKindObjects;
}

/** An object of any kind as the API server speaks it (apiVersion, kind, metadata.name/namespace at least). */
export interface AnyObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } & Record<
    string,
    unknown
  >;
  [field: string]: unknown;
}

/** Which object: apiVersion, kind, namespace (ignored for cluster-scoped kinds) and name. */
export interface AnyObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * Create, read, replace, patch and delete objects of any kind on the API server, with the store's credentials (what
 * its service account may do). Failures are WeirErrors mapped from the API's Status as the store's own (404
 * NOT_FOUND, 409 ALREADY_EXISTS/CONFLICT, 422 INVALID_SPEC, 403 UNAUTHORIZED); a kind the server does not serve is
 * UNKNOWN_KIND. Objects travel as plain JSON (no client-side model, so no field is dropped).
 */
export interface AnyKindObjects {
  create(obj: AnyObject, signal?: AbortSignal): Promise<AnyObject>;
  /** Undefined when absent. */
  read(ref: AnyObjectRef, signal?: AbortSignal): Promise<AnyObject | undefined>;
  /** PUT: metadata.resourceVersion must match, else CONFLICT. */
  replace(obj: AnyObject, signal?: AbortSignal): Promise<AnyObject>;
  /** PATCH with `contentType` (application/merge-patch+json, strategic-merge-patch+json or json-patch+json). */
  patch(ref: AnyObjectRef, body: unknown, contentType: string, signal?: AbortSignal): Promise<AnyObject>;
  /** False when it was absent. */
  delete(ref: AnyObjectRef, signal?: AbortSignal): Promise<boolean>;
}
