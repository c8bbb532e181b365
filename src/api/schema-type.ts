// The few TypeBox builders our schemas use (String, Integer, Number, Boolean, Array, Object, Optional, Record with
// string keys, Unsafe), written out so that importing a schema does not load TypeBox's 200 modules at run time
// (about a third of `weir run`'s start-up). Each returns exactly what TypeBox 0.34 returns (same keys, same
// TypeBox.Kind / TypeBox.Optional symbols; test/api/schema-type.test.ts compares them), and TypeBox's own static
// types, so `Static<typeof X>` and the CRD generator see no difference.
import type {
  ArrayOptions,
  IntegerOptions,
  NumberOptions,
  ObjectOptions,
  SchemaOptions,
  StringOptions,
  TArray,
  TBoolean,
  TInteger,
  TNumber,
  TObject,
  TOptionalWithFlag,
  TProperties,
  TRecordOrObject,
  TSchema,
  TString,
  TUnsafe,
  UnsafeOptions,
} from '@sinclair/typebox';

const Kind = Symbol.for('TypeBox.Kind');
const OptionalKind = Symbol.for('TypeBox.Optional');
/** TypeBox's pattern for a `Type.String()` record key. */
const STRING_KEY_PATTERN = '^(.*)$';

/** TypeBox's CreateType in its default instance mode: options first, the type's own keys win. */
function create<T extends TSchema>(schema: object, options: object | undefined): T {
  return (options !== undefined ? { ...options, ...schema } : schema) as T;
}

export const Type = {
  String: (options?: StringOptions): TString => create({ [Kind]: 'String', type: 'string' }, options),
  Integer: (options?: IntegerOptions): TInteger => create({ [Kind]: 'Integer', type: 'integer' }, options),
  Number: (options?: NumberOptions): TNumber => create({ [Kind]: 'Number', type: 'number' }, options),
  Boolean: (options?: SchemaOptions): TBoolean => create({ [Kind]: 'Boolean', type: 'boolean' }, options),
  Array: <T extends TSchema>(items: T, options?: ArrayOptions): TArray<T> => create({ [Kind]: 'Array', type: 'array', items }, options),
  Object: <T extends TProperties>(properties: T, options?: ObjectOptions): TObject<T> => {
    const required = Object.keys(properties).filter((k) => Reflect.get(properties[k], OptionalKind) !== 'Optional');
    const schema =
      required.length > 0 ? { [Kind]: 'Object', type: 'object', required, properties } : { [Kind]: 'Object', type: 'object', properties };
    return create(schema, options);
  },
  Optional: <T extends TSchema>(schema: T): TOptionalWithFlag<T, true> => create({ ...schema, [OptionalKind]: 'Optional' }, undefined),
  /** Records keyed by a `Type.String()` (the one form our schemas use). */
  Record: <V extends TSchema>(key: TString, value: V, options: ObjectOptions = {}): TRecordOrObject<TString, V> =>
    create({ [Kind]: 'Record', type: 'object', patternProperties: { [key.pattern ?? STRING_KEY_PATTERN]: value } }, options),
  Unsafe: <T>(options: UnsafeOptions = {}): TUnsafe<T> => create({ [Kind]: (Reflect.get(options, Kind) as unknown) ?? 'Unsafe' }, options),
};
