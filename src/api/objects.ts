// Objects as the store hands them out, per kind: the kind → object type map behind the typed ResourceStore
// (`store.get('Workflow', ...)` returns a StoredWorkflow). A stored object is its manifest type with the metadata
// the store assigns (uid, resourceVersion, creationTimestamp; labels as strings); Workflow carries the
// controller's status shape. The untyped forms (StoredObject, NewObject) remain for code that handles any kind.
import { WeirError } from '../core/errors.js';
import type { KindName } from '../core/kinds.js';
import type { ClusterWorkflowTemplate, Workflow, WorkflowTemplate } from './workflow.js';
import type { CronWorkflow } from './cron-workflow.js';
import type { EventSource } from './eventsource.js';
import type { Sensor } from './sensor.js';
import type { EventBus } from './eventbus.js';
import type { ConfigMap, Secret } from './k8s.js';
import type { WorkflowStatus } from './workflow-status.js';

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

/** The metadata of an object to create: name or generateName; uid/resourceVersion are assigned. */
export interface NewObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** An object to create: metadata.name or metadata.generateName; uid/resourceVersion are assigned. */
export interface NewObject {
  apiVersion: string;
  kind: string;
  metadata: NewObjectMeta;
  [key: string]: unknown;
}

/** The stored form of a manifest type: the store's metadata in place of the manifest's. */
export type Stored<T> = Omit<T, 'apiVersion' | 'kind' | 'metadata'> & { apiVersion: string; kind: string; metadata: ObjectMeta };

/** A Workflow as stored: its status is the controller's (src/api/workflow-status.ts). */
export type StoredWorkflow = Stored<Omit<Workflow, 'status'>> & { status?: WorkflowStatus };

/** The object type the store holds for each kind. */
export interface KindObjects {
  Workflow: StoredWorkflow;
  WorkflowTemplate: Stored<WorkflowTemplate>;
  ClusterWorkflowTemplate: Stored<ClusterWorkflowTemplate>;
  CronWorkflow: Stored<CronWorkflow>;
  EventSource: Stored<EventSource>;
  Sensor: Stored<Sensor>;
  EventBus: Stored<EventBus>;
  ConfigMap: Stored<ConfigMap>;
  Secret: Stored<Secret>;
}

/** The manifest type of each kind, as a file holds it (the store assigns the rest of the metadata). */
export interface KindManifests {
  Workflow: Workflow;
  WorkflowTemplate: WorkflowTemplate;
  ClusterWorkflowTemplate: ClusterWorkflowTemplate;
  CronWorkflow: CronWorkflow;
  EventSource: EventSource;
  Sensor: Sensor;
  EventBus: EventBus;
  ConfigMap: ConfigMap;
  Secret: Secret;
}

/** The stored object type of kind K (a union for a kind known only at run time). */
export type ObjectOf<K extends KindName> = KindObjects[K];

/** An object to create of a stored type: create-time metadata (name or generateName) in place of the store's. */
export type New<T> = Omit<T, 'metadata'> & { metadata: NewObjectMeta };

/** The type of an object to create, per kind. */
export interface NewKindObjects {
  Workflow: New<StoredWorkflow>;
  WorkflowTemplate: New<KindObjects['WorkflowTemplate']>;
  ClusterWorkflowTemplate: New<KindObjects['ClusterWorkflowTemplate']>;
  CronWorkflow: New<KindObjects['CronWorkflow']>;
  EventSource: New<KindObjects['EventSource']>;
  Sensor: New<KindObjects['Sensor']>;
  EventBus: New<KindObjects['EventBus']>;
  ConfigMap: New<KindObjects['ConfigMap']>;
  Secret: New<KindObjects['Secret']>;
}

/** An object of kind K to create: its stored type with create-time metadata (name or generateName). */
export type NewObjectOf<K extends KindName> = NewKindObjects[K];

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const optString = (v: unknown): boolean => v === undefined || typeof v === 'string';

/**
 * Why untyped data (a request body, a loaded manifest, a resource template's manifest) is not an object a store can
 * take, or undefined when it is: apiVersion and kind strings, a metadata mapping whose name, generateName and
 * namespace are strings when set, labels and annotations mappings when set. The store checks label keys and values
 * on every write; the rest of the object is the caller's to check against the kind's schema.
 */
export function newObjectProblem(o: Record<string, unknown>): string | undefined {
  if (typeof o.apiVersion !== 'string') return 'apiVersion must be a string';
  if (typeof o.kind !== 'string') return 'kind must be a string';
  const m = o.metadata;
  if (!isMapping(m)) return 'metadata must be a mapping';
  for (const k of ['name', 'generateName', 'namespace']) if (!optString(m[k])) return `metadata.${k} must be a string`;
  for (const k of ['labels', 'annotations']) if (m[k] !== undefined && !isMapping(m[k])) return `metadata.${k} must be a mapping`;
  return undefined;
}

/** newObjectProblem as a type guard. */
export function isNewObject(o: Record<string, unknown>): o is NewObject {
  return newObjectProblem(o) === undefined;
}

/**
 * Narrows an object to create to its kind's type: it names `kind`. Call it after the object passed the kind's schema
 * and lint checks (lintDocument, the loader's linter or the server's validate): those check the contents.
 */
export function isNewObjectOf<K extends KindName>(kind: K, o: NewObject): o is NewObject & NewObjectOf<K> {
  return o.kind === kind;
}

/** Untyped data as an object to create; INVALID_SPEC naming the problem (prefixed by `where`) when it is not one. */
export function toNewObject(o: Record<string, unknown>, where = ''): NewObject {
  if (!isNewObject(o)) throw new WeirError('INVALID_SPEC', `${where}${newObjectProblem(o) ?? ''}`);
  return o;
}

/** toNewObject for a kind: also INVALID_SPEC when it names another kind. Checked contents, as for isNewObjectOf. */
export function toNewObjectOf<K extends KindName>(kind: K, o: Record<string, unknown>, where = ''): NewObjectOf<K> {
  const obj = toNewObject(o, where);
  if (!isNewObjectOf(kind, obj)) throw new WeirError('INVALID_SPEC', `${where}kind must be ${kind}, got ${JSON.stringify(obj.kind)}`);
  return obj;
}

/**
 * A manifest read from a file as its kind's type; INVALID_SPEC (prefixed by `where`) when it names another kind or
 * has no metadata mapping. Call it on documents that passed lint (the schema check of their contents).
 */
export function toManifestOf<K extends KindName>(kind: K, o: Record<string, unknown>, where = ''): KindManifests[K] {
  if (!isManifestOf(kind, o))
    throw new WeirError('INVALID_SPEC', `${where}expected a ${kind} with metadata, got ${JSON.stringify(o.kind)}`);
  return o;
}

function isManifestOf<K extends KindName>(kind: K, o: Record<string, unknown>): o is Record<string, unknown> & KindManifests[K] {
  return o.kind === kind && isMapping(o.metadata);
}
