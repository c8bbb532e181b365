// Calendar event source with an injected clock (no real sleeps): cron and interval ticks, Argo's payload, ids derived
// from the scheduled tick, no double fire across a restart, catch-up of missed ticks bounded by maxDuration,
// exclusion dates, time zones, and the conformance suite.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCalendarSource, calendarTicker, LAST_TICK_KEY, startingPoint } from '../../eventsources/calendar.js';
import { goTimeString } from '../../src/core/adapter-kit.js';
import { memoryKv } from '../../src/eventsource-host/state.js';
import { runEventSourceConformance } from './conformance.js';
import { FakeBus, FakeClock, eventually, runAdapter } from './kit.js';

const T0 = Date.parse('2025-03-01T10:00:30Z');

runEventSourceConformance({
  kind: 'calendar',
  adapter: createCalendarSource,
  spec: () => ({ interval: '10s', metadata: { team: 'a' } }),
  invalid: {
    'neither schedule nor interval': {},
    'bad cron': { schedule: '61 * * * *' },
    'bad interval': { interval: 'ten seconds' },
    'unknown time zone': { schedule: '@hourly', timezone: 'Mars/Olympus' },
    'bad exclusion date': { interval: '1m', exclusionDates: ['yesterday'] },
  },
  clock: () => new FakeClock(T0),
  ready: async () => {},
  trigger: async (_spec, n, clock) => {
    await (clock as FakeClock).advance(10_000 * n);
  },
});

describe('calendar event source', () => {
  test('cron schedule fires on each scheduled minute with Argo payload and tick-derived ids', async () => {
    const bus = new FakeBus();
    const clock = new FakeClock(T0);
    const r = runAdapter({
      adapter: createCalendarSource(),
      spec: { schedule: '* * * * *', metadata: { a: 'b' } },
      bus,
      clock,
      name: 'cal',
      eventName: 'minutely',
    });
    await clock.advance(3 * 60_000);
    await r.stop();
    assert.deepEqual(
      bus.events.map((e) => e.time),
      ['2025-03-01T10:01:00.000Z', '2025-03-01T10:02:00.000Z', '2025-03-01T10:03:00.000Z'],
    );
    assert.deepEqual(bus.events[0].data, { eventTime: '2025-03-01 10:01:00 +0000 UTC', metadata: { a: 'b' } });
    assert.equal(bus.events[0].id, 'default/cal/minutely/2025-03-01T10:01:00.000Z');
    assert.equal(await r.state.get(LAST_TICK_KEY), '2025-03-01T10:03:00.000Z');
  });

  test('a restart never fires a tick twice; without catch-up missed ticks are skipped', async () => {
    const bus = new FakeBus();
    const kv = memoryKv();
    const clock = new FakeClock(T0);
    const spec = { schedule: '* * * * *' };
    let r = runAdapter({ adapter: createCalendarSource(), spec, bus, clock, kv, name: 'cal', eventName: 'e' });
    await clock.advance(2 * 60_000);
    await r.stop();
    assert.equal(bus.events.length, 2);
    // Down for 5 minutes; on restart the next tick is the first one after now.
    clock.t += 5 * 60_000;
    r = runAdapter({ adapter: createCalendarSource(), spec, bus, clock, kv, name: 'cal', eventName: 'e' });
    await clock.advance(60_000);
    await r.stop();
    assert.deepEqual(
      bus.events.map((e) => e.time),
      ['2025-03-01T10:01:00.000Z', '2025-03-01T10:02:00.000Z', '2025-03-01T10:08:00.000Z'],
    );
    assert.equal(bus.publishes, 3, 'nothing was published twice');
  });

  test('catch-up replays missed ticks at once, bounded by maxDuration, with the same ids', async () => {
    const bus = new FakeBus();
    const kv = memoryKv();
    const clock = new FakeClock(T0);
    const spec = { schedule: '* * * * *', persistence: { catchup: { enabled: true, maxDuration: '3m' } } };
    let r = runAdapter({ adapter: createCalendarSource(), spec, bus, clock, kv, name: 'cal', eventName: 'e' });
    await clock.advance(60_000);
    await r.stop();
    assert.equal(bus.events.length, 1); // 10:01
    clock.t = Date.parse('2025-03-01T10:10:30Z');
    r = runAdapter({ adapter: createCalendarSource(), spec, bus, clock, kv, name: 'cal', eventName: 'e' });
    await eventually(() => bus.events.length === 4);
    await r.stop();
    // maxDuration 3m: ticks after 10:07:30 only (10:08, 10:09, 10:10), not 10:02..10:07.
    assert.deepEqual(
      bus.events.slice(1).map((e) => e.time),
      ['2025-03-01T10:08:00.000Z', '2025-03-01T10:09:00.000Z', '2025-03-01T10:10:00.000Z'],
    );
    assert.equal(bus.events[3].id, 'default/cal/e/2025-03-01T10:10:00.000Z');
  });

  test('catch-up without maxDuration replays every missed tick; a crash before the checkpoint is de-duplicated by id', async () => {
    const bus = new FakeBus();
    const kv = memoryKv();
    const clock = new FakeClock(T0);
    const spec = { interval: '1m', persistence: { catchup: { enabled: true } } };
    let r = runAdapter({ adapter: createCalendarSource(), spec, bus, clock, kv, name: 'cal', eventName: 'e' });
    await clock.advance(60_000);
    await r.stop();
    assert.deepEqual(
      bus.events.map((e) => e.time),
      ['2025-03-01T10:01:30.000Z'],
    );
    // Simulate a crash after the publish but before the checkpoint: the old checkpoint is back.
    await r.state.delete(LAST_TICK_KEY);
    await r.state.put(LAST_TICK_KEY, '2025-03-01T10:00:30.000Z');
    clock.t = Date.parse('2025-03-01T10:04:00Z');
    r = runAdapter({ adapter: createCalendarSource(), spec, bus, clock, kv, name: 'cal', eventName: 'e' });
    await eventually(() => bus.events.length === 3);
    await r.stop();
    assert.deepEqual(
      bus.events.map((e) => e.time),
      ['2025-03-01T10:01:30.000Z', '2025-03-01T10:02:30.000Z', '2025-03-01T10:03:30.000Z'],
    );
    assert.equal(r.counters.duplicates, 1, 'the replayed 10:01:30 tick was a duplicate on the bus');
  });

  test('the tick is retried until the bus acknowledges; the checkpoint only moves after the ack', async () => {
    const bus = new FakeBus();
    bus.down = true;
    const clock = new FakeClock(T0);
    const r = runAdapter({ adapter: createCalendarSource(), spec: { schedule: '* * * * *' }, bus, clock, name: 'cal', eventName: 'e' });
    await clock.advance(60_000);
    await clock.advance(2_000);
    assert.equal(bus.events.length, 0);
    assert.ok(bus.publishes >= 2, 'retried');
    assert.equal(await r.state.get(LAST_TICK_KEY), undefined);
    bus.down = false;
    await clock.advance(2_000);
    await eventually(() => bus.events.length === 1);
    assert.equal(await r.state.get(LAST_TICK_KEY), '2025-03-01T10:01:00.000Z');
    await r.stop();
  });

  test('exclusion dates skip whole days in the schedule time zone; timezone shifts cron and eventTime', () => {
    const t = calendarTicker({ schedule: '0 9 * * *', timezone: 'Europe/Berlin', exclusionDates: ['2025-03-02T00:00:00+01:00'] });
    const first = t.next(new Date(T0)) ?? new Date(0);
    assert.equal(
      first.toISOString(),
      '2025-03-03T08:00:00.000Z',
      '09:00 Berlin on March 3rd; March 2nd excluded, March 1st 09:00 already passed',
    );
    assert.equal(goTimeString(first, 'Europe/Berlin').slice(0, 25), '2025-03-03 09:00:00 +0100');
    assert.equal(goTimeString(new Date('2025-07-01T12:00:00.250Z')), '2025-07-01 12:00:00.25 +0000 UTC');
  });

  test('@every and interval forms; starting point rules', () => {
    assert.equal(calendarTicker({ schedule: '@every 90s' }).next(new Date(T0))?.toISOString(), '2025-03-01T10:02:00.000Z');
    assert.equal(
      calendarTicker({ interval: '1m30s' })
        .next(new Date(T0 + 400))
        ?.toISOString(),
      '2025-03-01T10:02:00.000Z',
    );
    assert.equal(startingPoint(100, undefined, true, undefined), 100);
    assert.equal(startingPoint(100, 40, false, undefined), 100);
    assert.equal(startingPoint(100, 40, true, undefined), 40);
    assert.equal(startingPoint(100, 40, true, 30), 70);
  });
});
