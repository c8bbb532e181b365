// Table tests for the gjson/sjson path subset and the Go-template interpreter used by sensor filters and parameters.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFloatF, getPath, resultString, setPath } from '../../sensors/common/json-path.js';
import { goFloat } from '../../sensors/common/go-template-funcs.js';
import { renderTemplate } from '../../sensors/common/go-template.js';

const doc = {
  body: { repo: { name: 'weir' }, n: 42, ok: true, list: [{ id: 'a' }, { id: 'b' }], 'a.b': 'dotted', none: null },
  headers: { 'X-Github-Event': ['push'] },
};

describe('gjson path subset', () => {
  const cases: [string, boolean, unknown][] = [
    ['body.repo.name', true, 'weir'],
    ['body.n', true, 42],
    ['body.list.1.id', true, 'b'],
    ['body.list.#', true, 2],
    ['body.list.#.id', true, ['a', 'b']],
    ['body.a\\.b', true, 'dotted'],
    ['headers.X-Github-Event.0', true, 'push'],
    ['body.re*.name', true, 'weir'],
    ['body.none', true, null],
    ['body.missing', false, undefined],
    ['body.list.5', false, undefined],
    ['body.n.x', false, undefined],
    ['', false, undefined],
  ];
  for (const [path, exists, value] of cases) {
    test(path || '(empty)', () => {
      const r = getPath(doc, path);
      assert.equal(r.exists, exists);
      assert.deepEqual(r.value, value);
    });
  }
  test('result strings are gjson String(): numbers without exponent, JSON compact', () => {
    assert.equal(resultString(1e21), '1000000000000000000000');
    assert.equal(resultString(1.5), '1.5');
    assert.equal(formatFloatF(1e-7), '0.0000001');
    assert.equal(resultString({ a: [1, 'x'] }), '{"a":[1,"x"]}');
    assert.equal(resultString(null), '');
  });
});

describe('sjson set subset', () => {
  test('sets nested keys, creating objects and arrays', () => {
    assert.deepEqual(setPath({}, 'spec.arguments.parameters.0.value', 'x'), { spec: { arguments: { parameters: [{ value: 'x' }] } } });
    assert.deepEqual(setPath({ a: [1] }, 'a.-1', 2), { a: [1, 2] });
    assert.deepEqual(setPath({ a: [] }, 'a.2', 'z'), { a: [null, null, 'z'] });
    assert.deepEqual(setPath(undefined, 'k\\.x', 1), { 'k.x': 1 });
    assert.deepEqual(setPath({}, 'm.:1', 'v'), { m: { 1: 'v' } });
  });
  test('does not modify its input', () => {
    const input = { a: { b: 1 } };
    setPath(input, 'a.b', 2);
    assert.deepEqual(input, { a: { b: 1 } });
  });
  test('refuses to descend into a scalar', () => {
    assert.throws(() => setPath({ a: 'text' }, 'a.b', 1), /not an object or array/);
  });
  test('__proto__ is an ordinary key', () => {
    const out = setPath({}, '__proto__.polluted', 'yes') as Record<string, unknown>;
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.deepEqual(Object.keys(out), ['__proto__']);
  });
});

describe('Go template subset', () => {
  const input = { Input: { body: { name: 'Weir', n: 1000000, tags: ['a', 'b'], nested: { x: 1 } }, ' s': 1 } };
  const cases: [string, string][] = [
    ['{{ .Input.body.name }}', 'Weir'],
    ['{{ .Input.body.name | upper }}', 'WEIR'],
    ['{{ .Input.body.name | lower | quote }}', '"weir"'],
    ['{{ .Input.body.missing }}', '<no value>'],
    ['{{ default "dflt" .Input.body.missing }}', 'dflt'],
    ['{{ .Input.body.n }}', '1e+06'],
    ['{{ .Input.body.tags }}', '[a b]'],
    ['{{ .Input.body.nested }}', 'map[x:1]'],
    ['{{ .Input.body.nested | toJson }}', '{"x":1}'],
    ['{{ .Input.body.name | b64enc }}', 'V2Vpcg=='],
    ['{{ printf "%s-%d" .Input.body.name 7 }}', 'Weir-7'],
    ['{{ if eq .Input.body.name "Weir" }}yes{{ else }}no{{ end }}', 'yes'],
    ['{{ if eq .Input.body.name "x" }}1{{ else if eq .Input.body.name "Weir" }}2{{ else }}3{{ end }}', '2'],
    ['{{ range .Input.body.tags }}<{{ . }}>{{ end }}', '<a><b>'],
    ['{{ with .Input.body.nested }}{{ .x }}{{ end }}', '1'],
    ['a  {{- " b " -}}  c', 'a b c'],
    ['{{/* comment */}}x', 'x'],
    ['{{ len .Input.body.tags }}', '2'],
    ['{{ index .Input.body.tags 1 }}', 'b'],
    ['{{ .Input.body.name | trimPrefix "We" }}', 'ir'],
    ['{{ replace "W" "w" .Input.body.name }}', 'weir'],
    ['{{ (upper .Input.body.name) | trunc 2 }}', 'WE'],
  ];
  for (const [src, want] of cases) {
    test(src, () => assert.equal(renderTemplate(src, input), want));
  }
  test('Go %v floats', () => {
    assert.deepEqual([42, 1.5, 1e6, 1234567, 123456, 0.0001, 0.00001].map(goFloat), [
      '42',
      '1.5',
      '1e+06',
      '1.234567e+06',
      '123456',
      '0.0001',
      '1e-05',
    ]);
  });
  test('errors: unknown function, field of nil, unclosed action', () => {
    assert.throws(() => renderTemplate('{{ nope .Input }}', input), /function "nope" not defined/);
    assert.throws(() => renderTemplate('{{ .Input.missing.deeper }}', input), /nil pointer/);
    assert.throws(() => renderTemplate('{{ .Input', input), /unclosed action/);
    assert.throws(() => renderTemplate('{{ if .Input }}x', input), /missing \{\{end\}\}/);
  });
  test('data is never evaluated: a value that looks like a template is printed as is', () => {
    assert.equal(renderTemplate('{{ .Input.v }}', { Input: { v: '{{ .Input.secret }}' } }), '{{ .Input.secret }}');
  });
});
