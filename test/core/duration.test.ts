// Tests for the Go-style duration parser shared by calendar intervals, backoffs and bus settings.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration, tryParseGoDuration } from '../../src/core/duration.js';
import { WeirError } from '../../src/core/errors.js';

void describe('parseGoDuration', () => {
  const good: [string, number][] = [
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1h30m', 5_400_000],
    ['2h45m30.5s', 9_930_500],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['250ms', 250],
    ['1500us', 1.5],
    ['1500\u00b5s', 1.5],
    ['1500\u03bcs', 1.5],
    ['2000000ns', 2],
    ['-250ms', -250],
    ['+3s', 3000],
    ['0', 0],
    ['0s', 0],
    ['30', 30_000],
    ['2.5', 2500],
    ['-1', -1000],
    ['  15m  ', 900_000],
    ['1h1h', 7_200_000],
  ];
  for (const [input, ms] of good) {
    void test(`${JSON.stringify(input)} is ${ms} ms`, () => {
      assert.ok(Math.abs(parseGoDuration(input) - ms) < 1e-9, `got ${parseGoDuration(input)}`);
    });
  }

  const bad = ['', '   ', 's', 'abc', '10x', '1h 30m', '1d', '--1s', '-', '1m30', 'h1', '1.2.3s', '10S', 'ten seconds'];
  for (const input of bad) {
    void test(`${JSON.stringify(input)} is rejected with INVALID_SPEC`, () => {
      assert.throws(
        () => parseGoDuration(input),
        (e: unknown) => {
          assert.ok(e instanceof WeirError);
          assert.equal(e.code, 'INVALID_SPEC');
          assert.ok(e.message.includes(JSON.stringify(input)), e.message);
          return true;
        },
      );
    });
  }

  void test('a number without a unit inside a combination names the missing unit', () => {
    assert.throws(() => parseGoDuration('1m30'), /missing unit after "30"/);
  });

  void test('tryParseGoDuration returns undefined instead of throwing', () => {
    assert.equal(tryParseGoDuration('5s'), 5000);
    assert.equal(tryParseGoDuration('soon'), undefined);
  });
});
