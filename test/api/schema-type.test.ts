// src/api/schema-type.ts builds schemas without loading TypeBox at run time; this checks that every builder returns
// exactly what TypeBox's own `Type` returns (same keys and values, same TypeBox symbols) for the forms our schemas use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Type as TypeBox } from '@sinclair/typebox';
import { Type } from '../../src/api/schema-type.js';

const same = (ours: unknown, theirs: unknown, what: string): void => {
  assert.deepStrictEqual(ours, theirs, what);
  // deepStrictEqual compares own enumerable symbol keys too; spell the two TypeBox symbols out anyway.
  for (const sym of [Symbol.for('TypeBox.Kind'), Symbol.for('TypeBox.Optional')])
    assert.equal(Reflect.get(ours as object, sym), Reflect.get(theirs as object, sym), `${what}: ${String(sym)}`);
};

test('scalar builders match TypeBox, with and without options', () => {
  same(Type.String(), TypeBox.String(), 'String()');
  same(
    Type.String({ description: 'd', pattern: '^a$', minLength: 1 }),
    TypeBox.String({ description: 'd', pattern: '^a$', minLength: 1 }),
    'String(o)',
  );
  same(Type.Integer(), TypeBox.Integer(), 'Integer()');
  same(Type.Integer({ minimum: 0, default: 3 }), TypeBox.Integer({ minimum: 0, default: 3 }), 'Integer(o)');
  same(Type.Number({ maximum: 1 }), TypeBox.Number({ maximum: 1 }), 'Number(o)');
  same(Type.Boolean(), TypeBox.Boolean(), 'Boolean()');
  same(Type.Boolean({ description: 'b' }), TypeBox.Boolean({ description: 'b' }), 'Boolean(o)');
  // an option cannot override the type's own keys, in either
  same(Type.String({ type: 'x' }), TypeBox.String({ type: 'x' }), 'String({type})');
});

test('Array, Object (required from Optional), Record and Unsafe match TypeBox', () => {
  same(Type.Array(Type.String(), { minItems: 1 }), TypeBox.Array(TypeBox.String(), { minItems: 1 }), 'Array');
  same(Type.Optional(Type.Integer()), TypeBox.Optional(TypeBox.Integer()), 'Optional');
  const ours = Type.Object(
    { a: Type.String(), b: Type.Optional(Type.Boolean()), c: Type.Array(Type.Optional(Type.String())) },
    { description: 'o', additionalProperties: false },
  );
  const theirs = TypeBox.Object(
    { a: TypeBox.String(), b: TypeBox.Optional(TypeBox.Boolean()), c: TypeBox.Array(TypeBox.Optional(TypeBox.String())) },
    { description: 'o', additionalProperties: false },
  );
  same(ours, theirs, 'Object');
  assert.deepEqual(ours.required, ['a', 'c']);
  same(
    Type.Object({ x: Type.Optional(Type.String()) }),
    TypeBox.Object({ x: TypeBox.Optional(TypeBox.String()) }),
    'Object, none required',
  );
  same(
    Type.Record(Type.String(), Type.Integer(), { description: 'r' }),
    TypeBox.Record(TypeBox.String(), TypeBox.Integer(), { description: 'r' }),
    'Record',
  );
  same(
    Type.Record(Type.String({ pattern: '^[a-z]+$' }), Type.Boolean()),
    TypeBox.Record(TypeBox.String({ pattern: '^[a-z]+$' }), TypeBox.Boolean()),
    'Record with a key pattern',
  );
  same(Type.Unsafe({ type: 'object', 'x-weir-ref': 'T' }), TypeBox.Unsafe({ type: 'object', 'x-weir-ref': 'T' }), 'Unsafe');
  same(Type.Unsafe(), TypeBox.Unsafe(), 'Unsafe()');
  const kind = Symbol.for('TypeBox.Kind');
  same(Type.Unsafe({ [kind]: 'Custom', type: 'string' }), TypeBox.Unsafe({ [kind]: 'Custom', type: 'string' }), 'Unsafe with a Kind');
});
