// Expression forms Argo's examples use that Weir once rejected: sprig date functions over a workflow timestamp (Argo
// passes timestamps to expressions as RFC 3339 strings) and JSONPath filters with &&, ||, !, =~ and parentheses
// (Argo's jsonpath() is PaesslerAG/jsonpath, whose filters are full gval expressions). Our own inputs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { envFromFlat, evaluate } from '../../src/expr/expr.js';
import { WeirError } from '../../src/core/errors.js';

const staff = JSON.stringify({
  team: 'core',
  limit: 40,
  people: [
    { who: 'Ines', years: 29, role: 'dev' },
    { who: 'Omar', years: 41, role: 'ops' },
    { who: 'Lena', years: 43, role: 'dev', lead: true },
    { who: 'Tariq', years: 52, role: 'qa' },
  ],
});
const env = envFromFlat({
  'workflow.creationTimestamp': '2019-12-31T23:30:00Z',
  'workflow.parameters.staff': staff,
  'inputs.parameters.n': '7',
});
const now = (): Date => new Date('2024-03-04T05:06:07Z');
const run = (src: string): unknown => evaluate(src, env, { now });

describe('sprig date functions on Argo timestamps', () => {
  const cases: [string, unknown][] = [
    ["sprig.date('2006', workflow.creationTimestamp)", '2019'],
    ["sprig.date('2006-01-02 15:04', workflow.creationTimestamp)", '2019-12-31 23:30'],
    ["sprig.dateInZone('01/02', workflow.creationTimestamp, 'UTC')", '12/31'],
    ['sprig.unixEpoch(workflow.creationTimestamp)', String(Date.parse('2019-12-31T23:30:00Z') / 1000)],
    // the form Argo's expression-tag-template example uses, inside a larger expression
    ["'n=' + string(asInt(inputs.parameters.n) * 10) + ' @ ' + sprig.date('2006', workflow.creationTimestamp)", 'n=70 @ 2019'],
    // sprig: a value that is not a time is the current time
    ["sprig.date('2006', 'not a time')", '2024'],
  ];
  for (const [src, want] of cases) test(src, () => assert.deepEqual(run(src), want));
});

describe('jsonpath filter expressions', () => {
  const q = (path: string): unknown => run(`jsonpath(workflow.parameters.staff, '${path}')`);
  const cases: [string, unknown][] = [
    ['$.people[?(@.years>42 && @.years<44)].who', ['Lena']],
    ['$.people[?(@.years > 42&&@.years < 44)].years', [43]],
    ['$.people[?(@.role == "qa" || @.years < 30)].who', ['Ines', 'Tariq']],
    ['$.people[?(@.role == "dev" && (@.years > 40 || @.who == "Ines"))].who', ['Ines', 'Lena']],
    ['$.people[?(!(@.role == "dev"))].who', ['Omar', 'Tariq']],
    ['$.people[?(@.lead)].who', ['Lena']],
    ['$.people[?(!@.lead && @.role == "dev")].who', ['Ines']],
    ['$.people[?(@.who =~ "^[LO]")].who', ['Omar', 'Lena']],
    ['$.people[?(@.years > $.limit)].who', ['Omar', 'Lena', 'Tariq']],
    ['$.people[?(@.missing == null)].who', ['Ines', 'Omar', 'Lena', 'Tariq']],
    ['$.people[?(@.missing > 1)].who', []],
    ['$.people[?(@["role"] != "dev")].who', ['Omar', 'Tariq']],
  ];
  for (const [path, want] of cases) test(path, () => assert.deepEqual(q(path), want));

  test('a malformed filter is an expression error, not a crash', () => {
    for (const bad of ['$.people[?(@.years > )]', '$.people[?((@.years > 1)]', '$.people[?(@.years >> 1)]']) {
      assert.throws(
        () => q(bad),
        (e: unknown) => e instanceof WeirError && e.code === 'EXPRESSION_ERROR' && /jsonpath/.test(e.message),
        bad,
      );
    }
  });

  test('deeply nested parentheses are refused, not a stack overflow', () => {
    const deep = `$.people[?(${'('.repeat(5000)}@.lead${')'.repeat(5000)})].who`;
    assert.throws(() => q(deep), /nested too deeply/);
  });
});
