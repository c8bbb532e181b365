// Unit tests for the schema validator: errors by path, unknown-field warnings with suggestions, kit keywords.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateAgainst } from '../../src/api/validate.js';
import {
  Obj,
  Opt,
  Type,
  StringEnum,
  IntOrString,
  AnyString,
  OpenObject,
  AnyValue,
  StringMap,
  Ref,
  registerRef,
} from '../../src/api/schema-kit.js';

const Node = Obj({
  name: Type.String(),
  count: Opt(Type.Integer({ minimum: 0 })),
  mode: Opt(StringEnum(['Always', 'Never'])),
  limit: Opt(IntOrString()),
  value: Opt(AnyString()),
  extra: Opt(OpenObject()),
  item: Opt(AnyValue()),
  labels: Opt(StringMap(Type.String())),
  children: Opt(Type.Array(Ref('TestNode'))),
});
registerRef('TestNode', Node);

test('a valid value has no findings', () => {
  const v = {
    name: 'a',
    count: 2,
    mode: 'Always',
    limit: '3',
    value: 5,
    extra: { anything: [1] },
    item: [1, { a: 2 }],
    labels: { a: 'b' },
    children: [{ name: 'b', value: true }],
  };
  assert.deepEqual(validateAgainst(Node, v), []);
});

test('type errors and missing required fields are errors with paths', () => {
  const f = validateAgainst(Node, { count: 'x', mode: 'Sometimes', limit: true, labels: { a: 1 }, children: [{ value: {} }] });
  const got = f.map((x) => [x.severity, x.path.join('.'), x.rule]);
  assert.deepEqual(got, [
    ['error', 'name', 'required'],
    ['error', 'count', 'schema'],
    ['error', 'mode', 'schema'],
    ['error', 'limit', 'schema'],
    ['error', 'labels.a', 'schema'],
    ['error', 'children.0.name', 'required'],
    ['error', 'children.0.value', 'schema'],
  ]);
});

test('unknown fields are warnings with a did-you-mean hint; nulls count as unset', () => {
  const f = validateAgainst(Node, { name: 'x', cuont: 1, zzzzzz: 2, count: null });
  assert.equal(f.length, 2);
  assert.equal(f[0].severity, 'warning');
  assert.match(f[0].message, /did you mean "count"/);
  assert.doesNotMatch(f[1].message, /did you mean/);
});

test('integer bounds and enum suggestions', () => {
  const f = validateAgainst(Node, { name: 'x', count: -1, mode: 'always' });
  assert.match(f[0].message, /at least 0/);
  assert.match(f[1].message, /did you mean "Always"/);
});
