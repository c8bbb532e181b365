// Table tests for `{{...}}` substitution: simple and expression tags, strictness, and the literal-value guarantee.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { listPlaceholders, makeExprEvaluator, substitute, substituteIntoExpression, substituteVars } from '../../src/expr/template.js';
import { evaluate, envFromFlat } from '../../src/expr/expr.js';
import { WeirError } from '../../src/core/errors.js';

const vars: Record<string, string> = {
  'inputs.parameters.name': 'world',
  'inputs.parameters.n': '5',
  'inputs.parameters.my-param': 'hyphen',
  'inputs.parameters.evil': '{{inputs.parameters.name}} $(rm -rf /) `id` {{=1+1}}',
  'workflow.name': 'wf-1',
  'steps.a.outputs.result': '{"k": [1, 2]}',
};

const table: [string, string][] = [
  ['hello {{inputs.parameters.name}}!', 'hello world!'],
  ['{{ inputs.parameters.name }}', 'world'],
  ['{{workflow.name}}-{{inputs.parameters.n}}', 'wf-1-5'],
  ['{{unknown.var}}', '{{unknown.var}}'],
  ['no tags', 'no tags'],
  ['{{ unclosed', '{{ unclosed'],
  ['{{}}', '{{}}'],
  ['{{=asInt(inputs.parameters.n) * 2}}', '10'],
  ['{{=inputs.parameters.n + "x"}}', '5x'],
  ['{{=7 / 2}}', '3.5'],
  ['{{=1.0 + 2}}', '3'],
  ['{{=true}}', 'true'],
  ['{{=[1, "a"]}}', '[1,"a"]'],
  ['{{={b: 1, a: 2}}}', '{"a":2,"b":1}'],
  ["{{=inputs.parameters['my-param']}}", 'hyphen'],
  ['{{=sprig.upper(workflow.name)}}', 'WF-1'],
  ['{{=jsonpath(steps.a.outputs.result, "$.k[1]")}}', '2'],
  ['{{=sprig.dict("a", "}}").a}}', '}}'],
  ["{{= 'a}}b' }}", 'a}}b'],
  ['{{=inputs.parameters.missing}}', '{{=inputs.parameters.missing}}'],
  ['{{=nope}}', '{{=nope}}'],
  ['{{=1 +}}', '{{=1 +}}'],
  // values are inserted literally and never re-scanned
  ['{{inputs.parameters.evil}}', vars['inputs.parameters.evil']],
  ['{{=inputs.parameters.evil}}', vars['inputs.parameters.evil']],
  ['[{{inputs.parameters.evil}}] [{{inputs.parameters.name}}]', `[${vars['inputs.parameters.evil']}] [world]`],
];

void describe('substituteVars', () => {
  for (const [text, want] of table) void test(text, () => assert.equal(substituteVars(text, vars), want));
});

void describe('strict mode', () => {
  void test('reports every unresolved tag', () =>
    assert.throws(
      () => substituteVars('{{a}} {{inputs.parameters.name}} {{=nope}}', vars, { strict: true }),
      (e: unknown) =>
        e instanceof WeirError &&
        e.code === 'EXPRESSION_ERROR' &&
        JSON.stringify(e.details?.unresolved) === JSON.stringify(['{{a}}', '{{=nope}}']),
    ));
  void test('resolves normally when everything is known', () =>
    assert.equal(substituteVars('{{inputs.parameters.name}}', vars, { strict: true }), 'world'));
  void test('expression tags without an evaluator are unresolved', () => {
    assert.equal(
      substitute('{{=1}}', () => undefined),
      '{{=1}}',
    );
    assert.throws(() => substitute('{{=1}}', () => undefined, { strict: true }), /failed to resolve \{\{=1\}\}/);
  });
});

void test('lookup receives trimmed names and custom evaluators are used', () => {
  const seen: string[] = [];
  const out = substitute('{{  a.b  }} {{=x}}', (n) => (seen.push(n), 'V'), { evalExpr: (src) => `<${src}>` });
  assert.equal(out, 'V <x>');
  assert.deepEqual(seen, ['a.b']);
});

void test('makeExprEvaluator refuses nil results', () => {
  const ev = makeExprEvaluator({ 'a.b': '1' });
  assert.equal(ev('a.b'), '1');
  assert.throws(() => ev('a.c'), /evaluated to nil/);
});

void describe('listPlaceholders', () => {
  void test('finds simple and expression tags with offsets', () => {
    const text = 'x {{ a.b }} y {{=c + "}}"}} {{';
    assert.deepEqual(listPlaceholders(text), [
      { name: 'a.b', expr: false, start: 2, end: 11 },
      { name: 'c + "}}"', expr: true, start: 14, end: 27 },
    ]);
    assert.equal(text.slice(14, 27), '{{=c + "}}"}}');
  });
  void test('an expression with an unbalanced quote falls back to the first }}', () =>
    assert.deepEqual(listPlaceholders('{{=a == "x}} tail'), [{ name: 'a == "x', expr: true, start: 0, end: 12 }]));
});

describe('substituteIntoExpression (retryStrategy.expression)', () => {
  const vars: Record<string, string> = { ok: 'true', n: '3', word: 'heads', evil: 'x" || true || "', quote: "it's" };
  const sub = (e: string): string => substituteIntoExpression(e, (k) => vars[k]);
  const cases: [string, string, unknown][] = [
    ['{{ok}} == true', 'true == true', true],
    ['asInt(lastRetry.exitCode) > {{n}}', 'asInt(lastRetry.exitCode) > 3', false],
    ['{{word}} == "heads"', '"heads" == "heads"', true],
    ['"{{word}}" == "heads"', '"heads" == "heads"', true],
    ["'{{quote}}' == \"it's\"", "'it\\'s' == \"it's\"", true],
    // A value never becomes code: the injection attempt stays one string.
    ['"{{evil}}" == "y"', '"x\\" || true || \\"" == "y"', false],
    ['{{evil}} == "y"', '"x\\" || true || \\"" == "y"', false],
    ['{{unknown}} == 1', '{{unknown}} == 1', undefined],
  ];
  for (const [expr, text, result] of cases) {
    test(`${expr} -> ${text}`, () => {
      assert.equal(sub(expr), text);
      if (result !== undefined) assert.equal(evaluate(sub(expr), envFromFlat({ 'lastRetry.exitCode': '2' })), result);
    });
  }
});
