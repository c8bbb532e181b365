// gjson path syntax (issue 16, fidelity 1): a table over the behaviours gjson documents (basic keys, wildcards,
// escapes, arrays, queries, dot vs pipe, modifiers, multipaths), on our own document; then Argo's own data-filter
// cases that use multipaths with queries, through the real filter code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getPath, resultString } from '../../sensors/common/json-path.js';
import { applyFilters } from '../../sensors/filters/registry.js';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import { parseJsonLossless } from '../../src/core/json-lossless.js';
import { evaluateWithParams } from '../../src/expr/govaluate.js';

const doc = parseJsonLossless(
  JSON.stringify({
    crew: { captain: 'Ada', pilot: 'Lin' },
    year: 1999,
    ports: ['Oslo', 'Bergen', 'Tromso'],
    'ship.name': 'Gull',
    '@type': 'Vessel',
    members: [
      { given: 'Kari', family: 'Berg', age: 31, tags: ['deck', 'radio'] },
      { given: 'Ole', family: 'Dahl', age: 52, tags: ['radio'] },
      { given: 'Siri', family: 'Berg', age: 44, tags: ['deck'] },
    ],
    matrix: [
      [1, 2],
      [3, [4, 5]],
    ],
    parts: [{ a: 1 }, { b: 2 }, { a: 3 }],
    cols: { id: [1, 2], name: ['x', 'y'] },
    encoded: '{"inner":[1,2]}',
  }),
);

/** path -> gjson's String() of the result, or undefined when it does not exist. */
const table: [string, string | undefined][] = [
  ['crew.captain', 'Ada'],
  ['year', '1999'],
  ['ports', '["Oslo","Bergen","Tromso"]'],
  ['ports.1', 'Bergen'],
  ['ports.9', undefined],
  ['members.1.given', 'Ole'],
  ['members.given', undefined],
  // wildcards and escapes
  ['po*.2', 'Tromso'],
  ['p?rts.0', 'Oslo'],
  ['crew.*', 'Ada'],
  ['ship\\.name', 'Gull'],
  ['ship.name', undefined],
  ['@type', 'Vessel'],
  // arrays
  ['ports.#', '3'],
  ['members.#.age', '[31,52,44]'],
  ['members.#.tags.#', '[2,1,1]'],
  ['crew.#', undefined],
  // queries
  ['members.#(family=="Berg").given', 'Kari'],
  ['members.#(family=="Berg")#.given', '["Kari","Siri"]'],
  ['members.#(family="Dahl").age', '52'],
  ['members.#(age>40)#.given', '["Ole","Siri"]'],
  ['members.#(age>=52).given', 'Ole'],
  ['members.#(age<40)#.given', '["Kari"]'],
  ['members.#(age!=52)#.given', '["Kari","Siri"]'],
  ['members.#(given%"S*").family', 'Berg'],
  ['members.#(given!%"K*").given', 'Ole'],
  ['members.#(family=="Nobody").given', undefined],
  ['members.#(family=="Nobody")#', '[]'],
  ['ports.#(%"*o")', 'Oslo'],
  ['ports.#(!%"*o")#', '["Bergen"]'],
  ['ports.#(=="Bergen")', 'Bergen'],
  ['members.#(tags.#(=="radio"))#.given', '["Kari","Ole"]'],
  ['members.#(tags.#(=="deck"))#|#', '2'],
  // dot vs pipe
  ['members|1|given', 'Ole'],
  ['members|#', '3'],
  ['members.#(family=="Berg")#|given', undefined],
  ['members.#(family=="Berg")#.0', '[]'],
  ['members.#(family=="Berg")#|0.given', 'Kari'],
  ['members.#(family=="Berg")#.#', '[]'],
  ['members.#(family=="Berg")#|#', '2'],
  // modifiers
  ['ports|@reverse', '["Tromso","Bergen","Oslo"]'],
  ['ports.@reverse.0', 'Tromso'],
  ['crew|@reverse', '{"pilot":"Lin","captain":"Ada"}'],
  ['@this.year', '1999'],
  ['crew.@keys', '["captain","pilot"]'],
  ['crew.@values', '["Ada","Lin"]'],
  ['matrix|@flatten', '[1,2,3,[4,5]]'],
  ['matrix|@flatten:{"deep":true}', '[1,2,3,4,5]'],
  ['parts|@join', '{"a":3,"b":2}'],
  ['crew|@ugly', '{"captain":"Ada","pilot":"Lin"}'],
  ['crew|@pretty:{"sortKeys":true}', '{\n  "captain": "Ada",\n  "pilot": "Lin"\n}\n'],
  ['crew|@valid', '{"captain":"Ada","pilot":"Lin"}'],
  ['cols|@group', '[{"id":1,"name":"x"},{"id":2,"name":"y"}]'],
  ['encoded|@fromstr|inner.1', '2'],
  ['crew.captain|@tostr', '"Ada"'],
  // multipaths and literals
  ['[crew.captain,year]', '["Ada",1999]'],
  ['[crew.captain,nothing,year]', '["Ada",1999]'],
  ['{crew.captain,year,"berg":members.#(family=="Berg")#.given}', '{"captain":"Ada","year":1999,"berg":["Kari","Siri"]}'],
  ['{crew.captain,members.#}', '{"captain":"Ada","_":3}'],
  ['[year,!true,!"x"]', '[1999,true,"x"]'],
  ['[crew.captain,year].1', '1999'],
];

void describe('gjson paths', () => {
  for (const [path, want] of table) {
    void test(path, () => {
      const r = getPath(doc, path);
      assert.equal(r.exists ? resultString(r.value) : undefined, want);
    });
  }
  void test('big numbers keep their digits through paths, queries and multipaths', () => {
    const d = parseJsonLossless('{"ids":[{"id":12345678901234567890,"ok":true}]}');
    assert.equal(resultString(getPath(d, 'ids.#(ok==true).id').value), '12345678901234567890');
    assert.equal(resultString(getPath(d, '[ids.0.id]').value), '[12345678901234567890]');
    assert.equal(resultString(getPath(d, 'ids.#(id>12345678901200000000).ok').value), 'true');
  });
  void test('wildcard matching stays fast on hostile keys and patterns', () => {
    const key = 'a'.repeat(2000);
    const d = { [key]: 1 };
    assert.equal(getPath(d, `${'*a'.repeat(200)}b`).exists, false);
  });
});

void describe("Argo's data-filter cases with multipaths and queries", () => {
  const ctx = { evalExpr: (src: string, env: Record<string, unknown>) => evaluateWithParams(src, env) };
  const ev = (text: string) =>
    makeCloudEvent({ id: 'e', source: 's', subject: 'n', type: 'webhook', time: '2024-01-01T00:00:00Z', data: parseJsonLossless(text) });
  void test('[k,k1.a.#(k2=="v2").k2] matches a regex over both values', () => {
    const r = applyFilters(
      { data: [{ path: '[k,k1.a.#(k2=="v2").k2]', type: 'string', value: ['\\bv\\b.*\\bv2\\b'], comparator: '=' }] },
      undefined,
      ev('{"k": "v", "k1": {"a": [{"k2": "v2"}]}}'),
      ctx,
    );
    assert.equal(r.pass, true, r.reason);
  });
  void test('an empty member and two queries', () => {
    const r = applyFilters(
      {
        data: [
          {
            path: '[k,k1.a.#(k2=="v2").k2,,k1.a.#(k2=="v3").k2]',
            type: 'string',
            value: ['(\\bz\\b.*\\bv2\\b)|(\\bv\\b.*(\\bv2\\b.*\\bv3\\b))'],
          },
        ],
      },
      undefined,
      ev('{"k": "v", "k1": {"a": [{"k2": "v2"}, {"k2": "v3"}]}}'),
      ctx,
    );
    assert.equal(r.pass, true, r.reason);
  });
  void test('exprs fields use the same paths', () => {
    const r = applyFilters(
      { exprs: [{ expr: 'n == 2', fields: [{ name: 'n', path: 'items.#(kind=="x")#|#' }] }] },
      undefined,
      ev('{"items":[{"kind":"x"},{"kind":"y"},{"kind":"x"}]}'),
      ctx,
    );
    assert.equal(r.pass, true, r.reason);
  });
});
