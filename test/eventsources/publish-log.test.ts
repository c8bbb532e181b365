// The bounded "event published" log: one info line per event while a source is quiet, a count per window once it is
// busy (the rest at debug level), and the count of a window cut short by a stop is not lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecordingLogger } from '../../src/core/logger.js';
import { createPublishLog } from '../../src/eventsource-host/publish-log.js';
import { FakeClock } from './kit.js';

const fields = { eventSource: 'src', eventName: 'ev' };

test('a busy window logs its first events at info, the rest at debug, and their count when the window ends', async () => {
  const clock = new FakeClock(1_000_000);
  const log = createRecordingLogger();
  const ac = new AbortController();
  const record = createPublishLog({ log, clock, signal: ac.signal, fields, windowMs: 10_000, perWindow: 3 });
  for (let i = 0; i < 8; i++) record(`e${i}`, i + 1, i === 6);
  assert.deepEqual(
    log.at('info', 'event published').map((r) => r.obj.eventId),
    ['e0', 'e1', 'e2'],
  );
  assert.deepEqual(
    log.at('debug', 'event published').map((r) => r.obj.eventId),
    ['e3', 'e4', 'e5', 'e6', 'e7'],
  );
  assert.equal(log.at('info', 'more events published').length, 0, 'the window is still open');
  await clock.advance(10_000);
  const [summary, ...more] = log.at('info', 'more events published');
  assert.equal(more.length, 0);
  assert.equal(summary.obj.events, 5);
  assert.equal(summary.obj.duplicates, 1);
  assert.equal(summary.obj.eventSource, 'src');
  // The next window starts with single lines again.
  record('e8', 9, false);
  assert.equal(log.at('info', 'event published').at(-1)?.obj.eventId, 'e8');
  ac.abort();
});

test('a quiet source logs every event at info and no summary', async () => {
  const clock = new FakeClock(0);
  const log = createRecordingLogger();
  const ac = new AbortController();
  const record = createPublishLog({ log, clock, signal: ac.signal, fields, windowMs: 1000, perWindow: 2 });
  for (let i = 0; i < 6; i++) {
    record(`e${i}`, i + 1, false);
    await clock.advance(600);
  }
  assert.equal(log.at('info', 'event published').length, 6);
  assert.equal(log.at('debug').length, 0);
  assert.equal(log.at('info', 'more events published').length, 0);
  assert.equal(clock.pending(), 0, 'no timer without folded events');
  ac.abort();
});

test('a stop logs the count of the window it cut short', async () => {
  const clock = new FakeClock(0);
  const log = createRecordingLogger();
  const ac = new AbortController();
  const record = createPublishLog({ log, clock, signal: ac.signal, fields, windowMs: 60_000, perWindow: 1 });
  record('a', 1, false);
  record('b', 2, false);
  record('c', 3, false);
  ac.abort();
  await clock.advance(0);
  assert.deepEqual(
    log.at('info', 'more events published').map((r) => r.obj.events),
    [2],
  );
  record('d', 4, false);
  assert.deepEqual(
    log.at('info', 'more events published').map((r) => r.obj.events),
    [2, 1],
    'after the stop a folded event is counted at once',
  );
});
