// Table tests for Argo's enhanced DAG `depends` logic: parsing, every task result, loops, undecided states.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dependenciesToDepends, dependsTaskNames, evaluateDepends, parseDepends } from '../../src/expr/depends.js';
import type { TaskResult } from '../../src/expr/depends.js';

const tasks: Record<string, TaskResult> = {
  ok: { phase: 'Succeeded' },
  bad: { phase: 'Failed' },
  err: { phase: 'Error' },
  skip: { phase: 'Skipped' },
  omit: { phase: 'Omitted' },
  daemon: { phase: 'Running', daemoned: true },
  'my-task': { phase: 'Succeeded' },
  'loop-some': { phase: 'Failed', childPhases: ['Failed', 'Succeeded'] },
  'loop-fail': { phase: 'Failed', childPhases: ['Failed', 'Failed'] },
  'loop-empty': { phase: 'Succeeded', childPhases: [] },
  'bad-continue': { phase: 'Failed', continueOn: { failed: true } },
  'err-continue': { phase: 'Error', continueOn: { error: true } },
  running: { phase: 'Running' },
  pending: { phase: 'Pending', daemoned: true },
};
const lookup = (t: string): TaskResult | undefined => tasks[t];
const evalSrc = (src: string): boolean | undefined => evaluateDepends(parseDepends(src), lookup);

const table: [string, boolean | undefined][] = [
  ['ok', true],
  ['bad', false],
  ['err', false],
  ['skip', true],
  ['omit', false],
  ['daemon', true],
  ['my-task', true],
  ['ok.Succeeded', true],
  ['bad.Failed', true],
  ['err.Errored', true],
  ['skip.Skipped', true],
  ['omit.Omitted', true],
  ['daemon.Daemoned', true],
  ['ok.Failed', false],
  ['bad.Succeeded', false],
  ['ok.Daemoned', false],
  ['my-task.Succeeded', true],
  ['loop-some.AnySucceeded', true],
  ['loop-fail.AnySucceeded', false],
  ['loop-fail.AllFailed', true],
  ['loop-some.AllFailed', false],
  ['loop-empty.AllFailed', false],
  ['ok.AnySucceeded', false],
  ['bad-continue', true],
  ['err-continue', true],
  ['ok && bad', false],
  ['ok || bad', true],
  ['!bad.Succeeded', true],
  ['!(ok && bad)', true],
  ['ok && (bad.Succeeded || err.Errored) && !skip.Failed', true],
  ['ok.Succeeded || bad.Succeeded && err.Succeeded', true],
  ['(ok.Succeeded || bad.Succeeded) && err.Succeeded', false],
  ['bad.Failed&&err.Errored', true],
  ['running', undefined],
  ['ok || running', undefined],
  ['ok && unknown-task', undefined],
  ['pending.Daemoned', undefined],
];

void describe('evaluateDepends', () => {
  for (const [src, want] of table) void test(src, () => assert.equal(evalSrc(src), want));
});

void describe('parseDepends', () => {
  void test('task names in order, deduplicated, with hyphens', () =>
    assert.deepEqual(dependsTaskNames(parseDepends('a-1 && (b.Failed || a-1.Succeeded) && !c')), ['a-1', 'b', 'c']));
  const errors: [string, RegExp][] = [
    ['A.Finished', /task result 'Finished' for task 'A' is invalid \(at position 3\)/],
    ['A &&', /unexpected end/],
    ['(A', /expected \)/],
    ['A B', /unexpected "B"/],
    ['A & B', /unexpected character "&"/],
    ['', /empty/],
    ['('.repeat(100) + 'A' + ')'.repeat(100), /nested deeper/],
  ];
  for (const [src, re] of errors) void test(src.slice(0, 30) || '(empty)', () => assert.throws(() => parseDepends(src), re));
});

void test('dependenciesToDepends joins with &&', () => {
  assert.equal(dependenciesToDepends(['A', 'b-c']), 'A && b-c');
  assert.equal(evalSrc(dependenciesToDepends(['ok', 'skip'])), true);
});
