// Table tests for Weir's expr-lang interpreter: precedence, types, builtins, closures, sprig, jsonpath, errors, hostile input.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { envFromFlat, evaluate, parseExpr, renderValue } from '../../src/expr/expr.js';
import { WeirError } from '../../src/core/errors.js';

const env = {
  ...envFromFlat({
    'inputs.parameters.x': '5',
    'inputs.parameters.my-param': 'hello world',
    'inputs.parameters.json': '{"items":[{"name":"a","n":1},{"name":"b","n":2}],"meta":{"k":"v"}}',
    'workflow.name': 'wf-1',
  }),
  users: [
    { Name: 'Ann', Age: 30 },
    { Name: 'Bob', Age: 20 },
  ],
  nothing: null,
};
const now = (): Date => new Date('2024-03-04T05:06:07Z');
const run = (src: string): unknown => evaluate(src, env, { now });

function expectError(src: string, pattern: RegExp): void {
  assert.throws(
    () => run(src),
    (e: unknown) => {
      assert.ok(e instanceof WeirError, `not a WeirError: ${String(e)}`);
      assert.equal(e.code, 'EXPRESSION_ERROR');
      assert.match(e.message, pattern);
      return true;
    },
    src,
  );
}

const cases: [string, unknown][] = [
  // literals and arithmetic / precedence
  ['42', 42],
  ['0x2A', 42],
  ['0b101', 5],
  ['1_000', 1000],
  ['.5', 0.5],
  ['1e3', 1000],
  ['"a\\tb"', 'a\tb'],
  ["'it\\'s'", "it's"],
  ['"\\u00e9"', 'é'],
  ['`raw\\n`', 'raw\\n'],
  ['1 + 2 * 3', 7],
  ['(1 + 2) * 3', 9],
  ['7 / 2', 3.5],
  ['7 % 2', 1],
  ['-7 % 3', -1],
  ['2 ** 3 ** 2', 512],
  ['2 ^ 3', 8],
  ['-2 ** 2', -4],
  ['10 - 2 - 3', 5],
  ['"a" + "b"', 'ab'],
  ['1 == 1.0', true],
  ['1 != 2', true],
  ['"1" == 1', false],
  ['nil == nil', true],
  ['[1, 2] == [1, 2]', true],
  ['{a: 1} == {a: 1}', true],
  ['"b" > "a"', true],
  ['1 < 2 && 2 < 3', true],
  ['true || false && false', true],
  ['not true', false],
  ['!false', true],
  ['not (1 == 2)', true],
  ['true and not false', true],
  ['false or true', true],
  ['1 > 2 ? "x" : "y"', 'y'],
  ['true ? 1 : 2 + 3', 1],
  // membership and nil handling
  ['inputs.parameters.x', '5'],
  ["inputs.parameters['my-param']", 'hello world'],
  ['inputs["parameters"].x', '5'],
  ['inputs.parameters.missing', null],
  ['inputs.parameters.missing ?? "d"', 'd'],
  ['nothing?.a', null],
  ['nothing?.a.b.c', null],
  ['nothing ?? 1 + 1', 2],
  ['$env["workflow"].name', 'wf-1'],
  ["'users' in $env", true],
  ['[1, 2, 3][-1]', 3],
  ['[1, 2, 3, 4][1:3]', [2, 3]],
  ['[1, 2, 3, 4][:2]', [1, 2]],
  ['[1, 2, 3, 4][2:]', [3, 4]],
  ['[1, 2, 3, 4][1:-1]', [2, 3]],
  ['"hello"[1:3]', 'el'],
  ['2 in [1, 2]', true],
  ['"k" in {k: 1}', true],
  ['3 not in [1, 2]', true],
  ['"x" in nil', false],
  ['"abc" matches "^a.c$"', true],
  ['"abc" not matches "z"', true],
  ['"abc" contains "b"', true],
  ['"abc" startsWith "ab"', true],
  ['"abc" endsWith "bc"', true],
  ['1..3', [1, 2, 3]],
  ['3..1', []],
  ['{a: 1, "b-c": 2}["b-c"]', 2],
  ['[1, [2, 3]][1][0]', 2],
  // pipes and let
  ['"  Hi " | trim() | lower()', 'hi'],
  ['1..4 | filter(# > 2) | map(# * 10)', [30, 40]],
  ['let x = 2; let y = x * 3; x + y', 8],
  // closures
  ['all([2, 4], # % 2 == 0)', true],
  ['any([1, 2], # > 1)', true],
  ['none([1, 2], # > 5)', true],
  ['one([1, 2], # > 1)', true],
  ['filter(users, .Age > 25)[0].Name', 'Ann'],
  ['map(users, {.Name})', ['Ann', 'Bob']],
  ['count(1..10, # % 3 == 0)', 3],
  ['find([1, 2, 3, 4], # > 2)', 3],
  ['findIndex([1, 2, 3, 4], # > 2)', 2],
  ['findLast([1, 2, 3, 4], # > 2)', 4],
  ['findLastIndex([1, 2, 3, 4], # > 2)', 3],
  ['find([1], # > 5)', null],
  ['map([5, 6], #index)', [0, 1]],
  ['groupBy([1, 2, 3], # % 2 == 0 ? "even" : "odd")', { odd: [1, 3], even: [2] }],
  ['sortBy(users, .Age)[0].Name', 'Bob'],
  ['sortBy(users, "Age", "desc")[0].Name', 'Ann'],
  ['reduce(1..4, #acc + #)', 10],
  ['reduce(1..4, #acc + #, 10)', 20],
  ['sum([1, 2, 3])', 6],
  ['sum(users, .Age)', 50],
  ['mean([1, 2, 3])', 2],
  ['median([3, 1, 2, 4])', 2.5],
  ['max(5, 7)', 7],
  ['min(5, 7, 3)', 3],
  ['max([1, 9, 2])', 9],
  ['min(users, .Age)', 20],
  ['count([true, false, true])', 2],
  // string builtins
  ['len("héllo")', 5],
  ['len([1, 2])', 2],
  ['len({a: 1})', 1],
  ['trim("  a  ")', 'a'],
  ['trim("__a__", "_")', 'a'],
  ['trimPrefix("HelloWorld", "Hello")', 'World'],
  ['trimSuffix("HelloWorld", "World")', 'Hello'],
  ['upper("a")', 'A'],
  ['lower("A")', 'a'],
  ['split("a,b,c", ",")', ['a', 'b', 'c']],
  ['split("a,b,c", ",", 2)', ['a', 'b,c']],
  ['splitAfter("a,b", ",")', ['a,', 'b']],
  ['replace("aXbX", "X", "-")', 'a-b-'],
  ['repeat("ab", 3)', 'ababab'],
  ['indexOf("apple pie", "pie")', 6],
  ['lastIndexOf("apple pie apple", "apple")', 10],
  ['hasPrefix("abc", "a")', true],
  ['hasSuffix("abc", "c")', true],
  ['join(["a", "b"], "-")', 'a-b'],
  ['join(["a", "b"])', 'ab'],
  // numbers and conversion
  ['abs(-5)', 5],
  ['ceil(1.2)', 2],
  ['floor(1.8)', 1],
  ['round(2.5)', 3],
  ['round(-2.5)', -3],
  ['int("42")', 42],
  ['int(3.9)', 3],
  ['float("1.5")', 1.5],
  ['string(42)', '42'],
  ['string(1.5)', '1.5'],
  ['string([1, "a"])', '[1 a]'],
  ['string(nil)', '<nil>'],
  ['asInt(inputs.parameters.x) + 1', 6],
  ['asFloat("2.5") * 2', 5],
  ['type(1)', 'int'],
  ['type(1.5)', 'float'],
  ['type("")', 'string'],
  // collections
  ['keys({a: 1})', ['a']],
  ['values({a: 1})', [1]],
  ['first([1, 2])', 1],
  ['last([1, 2])', 2],
  ['first([])', null],
  ['take([1, 2, 3], 2)', [1, 2]],
  ['reverse([1, 2])', [2, 1]],
  ['sort([3, 1, 2])', [1, 2, 3]],
  ['sort([3, 1, 2], "desc")', [3, 2, 1]],
  ['concat([1], [2, 3])', [1, 2, 3]],
  ['flatten([1, [2, [3]]])', [1, 2, 3]],
  ['uniq([1, 1, 2])', [1, 2]],
  ['get([1, 2], 5)', null],
  ['get({a: 1}, "a")', 1],
  ['toPairs({a: 1})', [['a', 1]]],
  ['fromPairs([["a", 1]])', { a: 1 }],
  // json / base64 / jsonpath
  ['toJSON({b: 1, a: "<"})', '{\n  "a": "\\u003c",\n  "b": 1\n}'],
  ['toJson({b: [1], a: 2})', '{"a":2,"b":[1]}'],
  ['fromJSON("{\\"a\\": [1, 2]}").a[1]', 2],
  ['toBase64("Hello World")', 'SGVsbG8gV29ybGQ='],
  ['fromBase64("SGVsbG8gV29ybGQ=")', 'Hello World'],
  ['jsonpath(inputs.parameters.json, "$.meta.k")', 'v'],
  ['jsonpath(inputs.parameters.json, "$.items[1].name")', 'b'],
  ['jsonpath(inputs.parameters.json, "$.items[*].name")', ['a', 'b']],
  ['jsonpath(inputs.parameters.json, "$.items[-1].n")', 2],
  ['jsonpath(inputs.parameters.json, "$.items[?(@.name == \'b\')].n")', [2]],
  ['jsonpath(inputs.parameters.json, "$..name")', ['a', 'b']],
  ["jsonpath(inputs.parameters.json, \"$['meta']['k']\")", 'v'],
  ['jsonpath(inputs.parameters.json, "$.items[0:1]")', [{ name: 'a', n: 1 }]],
  // time
  ['now().Year()', 2024],
  ['now().Unix()', 1709528767],
  ['date("2023-08-14").Day()', 14],
  ['duration("1h30m").Minutes()', 90],
  ['date("2023-08-14T00:00:00Z") + duration("24h") > date("2023-08-14")', true],
  ['now() - duration("1h") < now()', true],
  ['date("14/08/2023", "02/01/2006").Month()', 8],
  ['date("15:04:05").Year()', 0],
  ['date("10:00:00").Hour()', 10],
  ['now().Format("2006-01-02")', '2024-03-04'],
  // sprig
  ['sprig.trim("  a ")', 'a'],
  ['sprig.upper("a")', 'A'],
  ['sprig.lower("A")', 'a'],
  ['sprig.title("hello world")', 'Hello World'],
  ['sprig.replace("a", "b", "aaa")', 'bbb'],
  ['sprig.default("d", "")', 'd'],
  ['sprig.default("d", "x")', 'x'],
  ['sprig.empty("")', true],
  ['sprig.empty([1])', false],
  ['sprig.coalesce("", nil, "c")', 'c'],
  ['sprig.contains("at", "cat")', true],
  ['sprig.hasPrefix("ca", "cat")', true],
  ['sprig.hasSuffix("at", "cat")', true],
  ['sprig.quote("a", "b")', '"a" "b"'],
  ['sprig.squote("a")', "'a'"],
  ['sprig.cat("a", nil, 1)', 'a 1'],
  ['sprig.join("-", ["a", 1])', 'a-1'],
  ['sprig.splitList(",", "a,b")', ['a', 'b']],
  ['sprig.toString(12)', '12'],
  ['sprig.atoi("12")', 12],
  ['sprig.atoi("x")', 0],
  ['sprig.int("7")', 7],
  ['sprig.int64(7.9)', 7],
  ['sprig.float64("1.5")', 1.5],
  ['sprig.add(1, "2", 3)', 6],
  ['sprig.sub(5, 2)', 3],
  ['sprig.mul(2, 3)', 6],
  ['sprig.div(7, 2)', 3],
  ['sprig.mod(7, 2)', 1],
  ['sprig.max(1, 5, 3)', 5],
  ['sprig.min(4, 2)', 2],
  ['sprig.b64enc("hi")', 'aGk='],
  ['sprig.b64dec("aGk=")', 'hi'],
  ['sprig.toJson({a: 1})', '{"a":1}'],
  ['sprig.toJSON([1])', '[1]'],
  ['sprig.fromJson("{\\"a\\":1}").a', 1],
  ['sprig.regexMatch("^a+$", "aaa")', true],
  ['sprig.regexFind("[0-9]+", "ab12cd")', '12'],
  ['sprig.regexReplaceAll("a(x*)b", "-ab-axxb-", "${1}W")', '-W-xxW-'],
  ['sprig.date("2006-01-02", now())', '2024-03-04'],
  ['sprig.list(1, 2)', [1, 2]],
  ['sprig.dict("a", 1).a', 1],
  ['sprig.get({a: 1}, "b")', ''],
  ['sprig.hasKey({a: 1}, "a")', true],
  ['sprig.keys({a: 1}, {b: 2})', ['a', 'b']],
  ['sprig.first([1, 2])', 1],
  ['sprig.last([1, 2])', 2],
  ['sprig.trunc(3, "hello")', 'hel'],
  ['sprig.trunc(-3, "hello")', 'llo'],
  ['sprig.substr(1, 3, "hello")', 'el'],
  ['sprig.nospace("a b\tc")', 'abc'],
  ['sprig.repeat(2, "ab")', 'abab'],
  ['sprig.until(3)', [0, 1, 2]],
  ['sprig.seq(3)', '1 2 3'],
  ['sprig.seq(2, 4)', '2 3 4'],
  ['sprig.ternary("y", "n", true)', 'y'],
  ['sprig.semverCompare(">=1.2.0", "1.3.0")', true],
  ['sprig.semverCompare("~1.2", "1.3.0")', false],
  ['sprig.semverCompare("^1.2.3", "1.9.0")', true],
  ['sprig.semverCompare("1.2.x", "1.2.7")', true],
  // comments
  ['1 + /* two */ 2 // trailing', 3],
];

void describe('expr-lang evaluation', () => {
  for (const [src, want] of cases) {
    void test(src, () => assert.deepEqual(run(src), want));
  }
});

void describe('expr-lang errors carry positions', () => {
  const errors: [string, RegExp][] = [
    ['1 +', /unexpected end of expression \(at position 4\)/],
    ['(1 + 2', /expected \)/],
    ['1 2', /unexpected token "2" \(at position 3\)/],
    ['"abc', /literal not terminated/],
    ['unknownVar', /unknown name unknownVar \(at position 1\)/],
    ['nosuch(1)', /unknown func nosuch/],
    ['"a" + 1', /invalid operation: string \+ int/],
    ['"a" < 1', /invalid operation/],
    ['1 && true', /expects bool/],
    ['nothing.a', /cannot fetch a from nil/],
    ['[1][5]', /index out of range/],
    ['1 % 0', /integer divide by zero/],
    ['1.5 % 2', /invalid operation/],
    ['int("x")', /cannot parse/],
    ['len(1)', /invalid argument/],
    ['upper(1, 2)', /too many arguments/],
    ['jsonpath("{}", "$.missing")', /not found/],
    ['fromJSON("{")', /invalid JSON/],
    ['fromBase64("!!")', /illegal base64/],
    ['date("2023-02-30")', /cannot parse/],
    ['# + 1', /outside of a closure/],
    ['1 ? 2 : 3', /expects bool/],
    ['sortBy([1], #, "sideways")', /unknown order/],
  ];
  for (const [src, re] of errors) void test(src, () => expectError(src, re));
});

void describe('hostile expressions stay inside the sandbox', () => {
  const hostile: [string, RegExp | null][] = [
    ['"x".constructor', /cannot fetch constructor from string/],
    ['{}.constructor', null],
    ['{}["__proto__"]', null],
    ['inputs.__proto__', null],
    ['inputs.parameters.constructor', null],
    ['users.constructor', /cannot fetch/],
    ['[].constructor', /cannot fetch/],
    ['now().constructor', /cannot fetch/],
    ['sprig.constructor', null],
    ['toString', /unknown name/],
    ['constructor(1)', /unknown func/],
    ['$env.constructor', null],
    ['{"__proto__": {"polluted": 1}}.polluted', null],
  ];
  for (const [src, re] of hostile) {
    void test(src, () => (re ? expectError(src, re) : assert.equal(run(src), null)));
  }
  void test('map literal with __proto__ key stays an own property', () => {
    const m = run('{"__proto__": 1}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(m), Object.prototype);
    assert.deepEqual(Object.keys(m), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
  void test('huge range is refused', () => expectError('len(1..100000000)', /larger than/));
  void test('filter over a big range exhausts the step budget', () =>
    assert.throws(() => evaluate('filter(1..900000, # > 0 && # > 1 && # > 2)', {}, { stepBudget: 100_000 }), /step budget/));
  void test('repeat is capped', () => expectError('repeat("x", 100000000)', /longer than/));
  void test('string doubling is capped', () => expectError('let a = repeat("x", 600000); a + a', /longer than/));
  void test('deep nesting is refused at parse time', () =>
    assert.throws(() => parseExpr('('.repeat(500) + '1' + ')'.repeat(500)), /nested deeper/));
  void test('long operator chains are refused by tree depth', () =>
    assert.throws(() => parseExpr('1' + '+1'.repeat(1000)), /nested deeper than 400 operations/));
  void test('huge expressions are refused', () => assert.throws(() => parseExpr('1+'.repeat(6000) + '1'), /too large|nested/));
  void test('catastrophic regex runs in linear time (RE2)', () =>
    assert.equal(run('"aaaaaaaaaaaaaaaaaaaaaaaaaaaa!" matches "(a+)+$"'), false));
  void test('repeated overlapping alternatives run in linear time', () => assert.equal(run('"aaaa" matches "(a|aa)*c"'), false));
  void test('distinct alternatives are allowed', () => assert.equal(run('"foobar" matches "^(foo|bar)+$"'), true));
  void test('long subjects are fine in linear time', () => assert.equal(evaluate('s matches ".*a.*b"', { s: 'x'.repeat(20_000) }), false));
  void test('sprig regex functions use the same engine', () => assert.equal(run('sprig.regexMatch("(x+)+y", "xxxx")'), false));
  void test('long regex is refused', () => expectError(`"a" matches "${'a'.repeat(20000)}"`, /longer than/));
  void test('backreferences are refused like RE2', () => expectError('"aa" matches "(a)\\\\1"', /invalid escape sequence/));
  void test('JS functions in env are not callable', () =>
    assert.throws(() => evaluate('f()', { f: () => 'pwned' }), /not callable|unknown func/));
});

void describe('envFromFlat and renderValue', () => {
  void test('nests dotted keys; parent keys lose to children like Argo', () => {
    assert.deepEqual(envFromFlat({ 'a.b': '1', 'a.c.d': '2', a: '3', ab: '4' }), { a: { b: '1', c: { d: '2' } }, ab: '4' });
  });
  const renders: [unknown, string | undefined][] = [
    ['s', 's'],
    [3, '3'],
    [3.5, '3.5'],
    [true, 'true'],
    [[1, 'a'], '[1,"a"]'],
    [{ b: 1, a: 2 }, '{"a":2,"b":1}'],
    [null, undefined],
  ];
  for (const [v, want] of renders) void test(`render ${JSON.stringify(v)}`, () => assert.equal(renderValue(v), want));
});
