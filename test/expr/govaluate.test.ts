// Table tests for Argo's govaluate-based `when:` evaluation, including the bare-word-as-string rule, and its lint check.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkWhenSyntax, evaluateWhen } from '../../src/expr/govaluate.js';
import { WeirError } from '../../src/core/errors.js';

const truthTable: [string, boolean][] = [
  ['heads == heads', true],
  ['tails == heads', false],
  ['Succeeded == Succeeded', true],
  ['a != b', true],
  ["'a' == 'a'", true],
  ['"a" == "a"', true],
  ["'a' == a", true],
  ["'5' == 5", false],
  ['5 == 5.0', true],
  ['5 > 3', true],
  ['2 < 10', true],
  ["'2' < '10'", false],
  ['abc < abd', true],
  ['3 >= 3', true],
  ['3 <= 2', false],
  ['true', true],
  ['false', false],
  ['true == true', true],
  ['!true', false],
  ['!(1 == 2)', true],
  ['!true == false', true],
  ['true && false', false],
  ['true || false', true],
  ['false && x', false],
  ['true || x', true],
  ['1 == 1 && (2 > 3 || a == a)', true],
  ['-1 < 0', true],
  ['1 + 2 == 3', true],
  ['2 * 3 - 1 == 5', true],
  ['10 / 4 == 2.5', true],
  ['7 % 2 == 1', true],
  ['2 ** 3 == 8', true],
  ['a+b == ab', true],
  ["1 + a == '1a'", true],
  ["'abc' =~ '^a'", true],
  ["'abc' !~ '^b'", true],
  ['foo =~ fo', true],
  ['a in (a, b)', true],
  ['c in (a, b)', false],
  ['1 in (1, 2)', true],
  ['0x10 == 16', true],
  ["'2021-01-01' < '2021-02-01'", true],
  ["'2021-01-01' == '2021-01-01'", true],
  ['[my var] == [my var]', true],
  ["'it\\'s' == 'it\\'s'", true],
  ['"say" == \'say\'', true],
  ['1 == 1 ? true : false', true],
  ['1 == 2 ? true : false', false],
];

void describe('evaluateWhen', () => {
  for (const [src, want] of truthTable) void test(src, () => assert.equal(evaluateWhen(src), want));
  void test('empty when means run', () => assert.equal(evaluateWhen(''), true));
});

void describe('evaluateWhen errors', () => {
  const errors: [string, RegExp][] = [
    ['my-value == my-value', /cannot be used with the modifier '-'/],
    ['hello world == hello world', /Cannot transition token types/],
    ['3abc == 3abc', /Cannot transition/],
    ['x.y == x.y', /unexported field 'y'/],
    ['x.Y == x.Y', /No parameter 'x' found/],
    ['x. == 1', /Hanging accessor/],
    ['!foo', /PREFIX \[!\] to STRING \[foo\]/],
    ['5', /Expected boolean/],
    ['heads', /Expected boolean/],
    ['1 ==', /Unexpected end/],
    ['(1 == 1', /Unbalanced parenthesis/],
    ["'abc == abc", /Unclosed string literal/],
    ['1 = 1', /Invalid token: '='/],
    ['a == -b', /PREFIX \[-\] to STRING \[b\]/],
    ["'a' == -'b'", /Cannot transition/],
    ["'it's' == 'it'", /Cannot transition|Unclosed/],
    ['nil ?? true', /Expected boolean/],
    ['true && 1', /logical operator/],
    ['a > 1', /comparator/],
    ['a in b', /not an array/],
    ['1.2.3 == 1', /Unable to parse numeric/],
    ['foo(1) == 1', /Undefined function foo/],
    ['(1 == 1) (2 == 2)', /Expected boolean|Unexpected token/],
    ['1, 2', /Expected boolean/],
    ['('.repeat(200) + 'true' + ')'.repeat(200), /nested deeper/],
    ['a'.repeat(20000), /longer than/],
  ];
  for (const [src, re] of errors) {
    void test(src.slice(0, 40), () =>
      assert.throws(
        () => evaluateWhen(src),
        (e: unknown) => e instanceof WeirError && e.code === 'EXPRESSION_ERROR' && re.test(e.message),
      ),
    );
  }
  void test('catastrophic regex runs in linear time (RE2)', () => assert.equal(evaluateWhen(`'${'a'.repeat(30)}!' =~ '(a+)+$'`), false));
});

void describe('checkWhenSyntax', () => {
  const lint: [string, RegExp | undefined][] = [
    ['{{steps.flip.outputs.result}} == heads', undefined],
    ["'{{inputs.parameters.x}}' == 'a'", undefined],
    ['{{tasks.a.outputs.result}} > 5 && {{workflow.status}} != Failed', undefined],
    ['{{x}}5 == 5{{y}}', undefined],
    ['{{x}} == ', /Unexpected end/],
    ['{{x}} = y', /Invalid token/],
    ['({{x}} == y', /Unbalanced/],
    ['', undefined],
  ];
  for (const [src, re] of lint) {
    void test(src || '(empty)', () => {
      const msg = checkWhenSyntax(src);
      if (re === undefined) assert.equal(msg, undefined);
      else assert.match(msg ?? '', re);
    });
  }
});
