// Building blocks for Weir's resource schemas. Schemas are TypeBox (JSON Schema + static types from one
// source); a few `x-` keywords carry Kubernetes/Argo meaning that both our validator (src/api/validate.ts)
// and the CRD generator (src/api/crd.ts) understand:
//   x-kubernetes-int-or-string   value may be an integer or a string (IntOrString, Quantity)
//   x-kubernetes-preserve-unknown-fields   contents are not checked (free-form objects / any JSON)
//   x-weir-scalar                string, number or boolean accepted (Argo's AnyString: `value: 1` is fine)
//   x-weir-ref                   recursive reference to a named schema registered with registerRef()
import { Type } from './schema-type.js';
import type { TSchema, TProperties, ObjectOptions, SchemaOptions, TObject, TUnsafe } from '@sinclair/typebox';

export { Type };
export type { Static, TSchema } from '@sinclair/typebox';

/** A plain object schema. Unknown fields are reported as warnings by the validator, never errors. */
export function Obj<T extends TProperties>(properties: T, options: ObjectOptions = {}): TObject<T> {
  return Type.Object(properties, options);
}

/** Optional field shorthand. */
export function Opt<T extends TSchema>(schema: T) {
  return Type.Optional(schema);
}

/** String limited to a fixed set of values; emitted as a JSON Schema `enum`. */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** Kubernetes IntOrString (also used for Quantity-like fields such as `cpu: 500m` or `memory: 1`). */
export function IntOrString(options: SchemaOptions = {}): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({ ...options, 'x-kubernetes-int-or-string': true });
}

/** Argo's AnyString: a string, but YAML numbers and booleans are accepted and mean their text. */
export function AnyString(options: SchemaOptions = {}): TUnsafe<string | number | boolean> {
  return Type.Unsafe<string | number | boolean>({ ...options, 'x-weir-scalar': true });
}

/**
 * A Go `string` field that YAML authors often write unquoted (label values): numbers and booleans are accepted and
 * keep their text exactly as written (`yes` stays "yes"), as Kubernetes' YAML reader does for string fields.
 */
export function TextScalar(options: SchemaOptions = {}): TUnsafe<string | number | boolean> {
  return Type.Unsafe<string | number | boolean>({ ...options, 'x-weir-scalar': true, 'x-weir-keep-text': true });
}

/** An object whose contents are not checked (Kubernetes-only structures we accept and pass through). */
export function OpenObject(options: SchemaOptions = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({ ...options, type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
}

/** Any JSON value (e.g. `withItems` entries). */
export function AnyValue(options: SchemaOptions = {}): TUnsafe<unknown> {
  return Type.Unsafe<unknown>({ ...options, 'x-kubernetes-preserve-unknown-fields': true });
}

/** A map from string keys to values of one schema (labels, annotations, named configs). */
export function StringMap<T extends TSchema>(value: T, options: SchemaOptions = {}) {
  return Type.Record(Type.String(), value, options);
}

/** Recursive reference by name (e.g. an inline template inside a step). Resolved by the validator; open object in CRDs. */
export function Ref<T = Record<string, unknown>>(name: string, options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ ...options, type: 'object', 'x-weir-ref': name });
}

const refs = new Map<string, TSchema>();

/** Registers a schema that `Ref(name)` points to. Called once at module load by the schema's own module. */
export function registerRef(name: string, schema: TSchema): void {
  refs.set(name, schema);
}

export function resolveRef(name: string): TSchema | undefined {
  return refs.get(name);
}

/** Standard Kubernetes ObjectMeta fields a manifest may carry. */
export const ObjectMeta = Obj({
  name: Opt(Type.String({ description: 'Resource name, unique within its namespace.' })),
  generateName: Opt(Type.String({ description: 'Prefix for a generated unique name.' })),
  namespace: Opt(Type.String()),
  // The Argo CLI reads YAML into typed structs, so `ci: true` becomes the label value "true".
  labels: Opt(StringMap(TextScalar())),
  annotations: Opt(StringMap(TextScalar())),
  uid: Opt(Type.String()),
  resourceVersion: Opt(Type.String()),
  generation: Opt(Type.Integer()),
  creationTimestamp: Opt(AnyValue()),
  deletionTimestamp: Opt(AnyValue()),
  deletionGracePeriodSeconds: Opt(Type.Integer()),
  finalizers: Opt(Type.Array(Type.String())),
  ownerReferences: Opt(Type.Array(OpenObject())),
  managedFields: Opt(Type.Array(OpenObject())),
});
