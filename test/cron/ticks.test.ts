// Tick tables for CronWorkflow schedules: merging several schedules, DST gaps and repeats in Europe/Berlin and
// America/New_York, Argo's child names and scheduled-time annotation format, and date parsing for backfill ranges.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  childName,
  compileSchedules,
  formatScheduledTime,
  lastTickBetween,
  nextTick,
  parseTimeInZone,
  scheduleExpressions,
  ticksBetween,
} from '../../src/cron/ticks.js';

const iso = (ds: Date[]): string[] => ds.map((d) => d.toISOString());
const between = (exprs: string[], tz: string | undefined, a: string, b: string): string[] =>
  iso(ticksBetween(compileSchedules(exprs, tz), new Date(a), new Date(b)).ticks);

describe('ticks', () => {
  test('several schedules merge in order and coinciding ticks fire once', () => {
    assert.deepEqual(between(['0 * * * *', '*/30 * * * *', '15 1 * * *'], 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T02:00:00Z'), [
      '2026-01-01T00:30:00.000Z',
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T01:15:00.000Z',
      '2026-01-01T01:30:00.000Z',
      '2026-01-01T02:00:00.000Z',
    ]);
  });

  test('the interval is (after, until]', () => {
    assert.deepEqual(between(['@every 1s'], undefined, '2026-01-01T00:00:00Z', '2026-01-01T00:00:03Z'), [
      '2026-01-01T00:00:01.000Z',
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:03.000Z',
    ]);
    const r = ticksBetween(compileSchedules(['@every 1s']), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:01:00Z'), 5);
    assert.equal(r.ticks.length, 5);
    assert.equal(r.truncated, true);
    const last = lastTickBetween(compileSchedules(['@every 1s']), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:01:00.500Z'));
    assert.equal(last.count, 60);
    assert.equal(last.last?.toISOString(), '2026-01-01T00:01:00.000Z');
  });

  test('Europe/Berlin spring forward: 02:30 does not exist that day and is skipped (robfig), 03:30 still fires', () => {
    assert.deepEqual(between(['30 2 * * *'], 'Europe/Berlin', '2026-03-27T12:00:00Z', '2026-03-31T12:00:00Z'), [
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      // 2026-03-29: clocks go 02:00 -> 03:00, no 02:30
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
    assert.deepEqual(between(['30 3 * * *'], 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z'), [
      '2026-03-29T01:30:00.000Z',
    ]);
  });

  test('Europe/Berlin fall back: the repeated 02:30 fires once; hourly fires every real hour', () => {
    assert.deepEqual(between(['30 2 * * *'], 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z'), [
      '2026-10-25T00:30:00.000Z', // first 02:30 (CEST)
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
    assert.deepEqual(between(['0 * * * *'], 'Europe/Berlin', '2026-10-24T23:30:00Z', '2026-10-25T02:00:00Z'), [
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
    ]);
  });

  test('America/New_York: half-hourly across both changes, daily 02:30 skipped on the spring day', () => {
    assert.deepEqual(between(['*/30 * * * *'], 'America/New_York', '2026-03-08T06:00:00Z', '2026-03-08T07:30:00Z'), [
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT (02:xx never happens)
      '2026-03-08T07:30:00.000Z',
    ]);
    assert.deepEqual(between(['30 2 * * *'], 'America/New_York', '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z'), [
      '2026-03-07T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
    // Fall back (2026-11-01): 01:30 happens twice; a daily 01:30 runs once.
    assert.deepEqual(between(['30 1 * * *'], 'America/New_York', '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z'), [
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  test('CRON_TZ prefix overrides the spec zone', () => {
    const s = compileSchedules(['CRON_TZ=Asia/Tokyo 0 9 * * *'], 'Europe/Berlin');
    assert.equal(nextTick(s, new Date('2026-01-01T00:00:00Z'))?.toISOString(), '2026-01-02T00:00:00.000Z');
  });

  test('@every ticks are the multiples of the interval since the epoch, wherever the enumeration starts', () => {
    const s = compileSchedules(['@every 10s']);
    for (const after of ['2026-01-01T00:00:00Z', '2026-01-01T00:00:03.400Z', '2026-01-01T00:00:09.999Z'])
      assert.equal(nextTick(s, new Date(after))?.toISOString(), '2026-01-01T00:00:10.000Z', `after ${after}`);
    assert.equal(nextTick(s, new Date('2026-01-01T00:00:10Z'))?.toISOString(), '2026-01-01T00:00:20.000Z');
    assert.deepEqual(between(['@every 1h30m'], 'Europe/Berlin', '2026-01-01T00:10:00Z', '2026-01-01T03:00:00Z'), [
      '2026-01-01T01:30:00.000Z',
      '2026-01-01T03:00:00.000Z',
    ]);
  });

  test('child names and scheduled-time annotation follow Argo', () => {
    const t = new Date('2026-03-29T01:00:00Z');
    assert.equal(childName('nightly', t), 'nightly-1774746000');
    assert.equal(formatScheduledTime(t, 'Europe/Berlin'), '2026-03-29T03:00:00+02:00');
    assert.equal(formatScheduledTime(t, 'UTC'), '2026-03-29T01:00:00Z');
    assert.equal(formatScheduledTime(new Date('2026-01-05T06:30:00Z'), 'America/New_York'), '2026-01-05T01:30:00-05:00');
    assert.deepEqual(scheduleExpressions({ schedules: ['0 * * * *', ' @hourly'], schedule: '0 * * * *' }), ['0 * * * *', '@hourly']);
  });

  test('backfill dates are midnight in the zone; --to dates include the whole day', () => {
    assert.equal(parseTimeInZone('2026-01-01', 'Europe/Berlin')?.toISOString(), '2025-12-31T23:00:00.000Z');
    assert.equal(parseTimeInZone('2026-01-31', 'Europe/Berlin', true)?.toISOString(), '2026-01-31T22:59:59.999Z');
    assert.equal(parseTimeInZone('2026-03-29T03:00', 'Europe/Berlin')?.toISOString(), '2026-03-29T01:00:00.000Z');
    assert.equal(parseTimeInZone('2026-07-01', 'America/New_York')?.toISOString(), '2026-07-01T04:00:00.000Z');
    assert.equal(parseTimeInZone('2026-07-01T00:00:00Z', 'America/New_York')?.toISOString(), '2026-07-01T00:00:00.000Z');
    assert.equal(parseTimeInZone('2026-02-30', 'UTC'), undefined);
    assert.equal(parseTimeInZone('yesterday', 'UTC'), undefined);
  });
});
