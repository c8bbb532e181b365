// The per-event-source / per-sensor log rings behind the .../logs streams: bounded per name and in names, records
// routed by the names the log call carries, and only the listed plain fields copied (no other field, no objects).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRecordingLogger } from '../../src/core/logger.js';
import { tapLogger } from '../../src/core/log-tap.js';
import { ComponentLogs, eventSourceLogTap, sensorLogTap } from '../../src/server/component-logs.js';

test('a ring keeps the last records of each name, and the least recently written names past the bound are dropped', () => {
  const book = new ComponentLogs({ perName: 3, maxNames: 2 });
  for (let i = 1; i <= 5; i++) book.append({ namespace: 'ns', name: 'a', level: 'info', time: 't', msg: `a${i}` });
  assert.deepEqual(
    book.snapshot('ns', 'a').map((e) => e.msg),
    ['a3', 'a4', 'a5'],
  );
  book.append({ namespace: 'ns', name: 'b', level: 'info', time: 't', msg: 'b1' });
  book.append({ namespace: 'other', name: 'a', level: 'info', time: 't', msg: 'c1' });
  assert.deepEqual(book.snapshot('ns', 'a'), [], 'the least recently written name went first');
  assert.deepEqual(
    book.snapshot('ns').map((e) => e.msg),
    ['b1'],
  );
  assert.deepEqual(
    book.snapshot('other', 'a').map((e) => e.msg),
    ['c1'],
  );
});

test('the taps route records by the names they carry and pass every record on to the logger unchanged', () => {
  const es = new ComponentLogs();
  const sn = new ComponentLogs();
  const rec = createRecordingLogger();
  const esLog = tapLogger(rec, eventSourceLogTap(es));
  const snLog = tapLogger(rec, sensorLogTap(sn));
  const config = { password: 'hunter2-secret', url: 'https://user:pw@example.invalid' };
  esLog.info(
    {
      namespace: 'ns',
      eventSource: 'hooks',
      eventName: 'order',
      kind: 'webhook',
      eventId: 'e1',
      seq: 4,
      config,
      password: 'hunter2-secret',
    },
    'event published',
  );
  esLog.warn({ port: 12000 }, 'webhook server listening');
  snLog.info({ sensor: 'ns/intake' }, 'sensor started');
  snLog.info(
    {
      namespace: 'ns',
      sensor: 'intake',
      trigger: 'submit',
      eventId: 'e1',
      outcome: 'done',
      workflow: 'wf-1',
      events: { e: { data: 'payload' } },
    },
    'trigger fired',
  );
  assert.equal(rec.records.length, 4, 'the logger still sees every record');
  assert.deepEqual(rec.records[0].obj.config, config);
  const [published] = es.snapshot('ns', 'hooks');
  assert.equal(published.msg, 'event published (eventId=e1 seq=4)');
  assert.equal(published.eventSourceType, 'webhook');
  assert.equal(published.eventName, 'order');
  assert.equal(es.snapshot('ns').length, 1, 'records naming no event source are not kept');
  assert.doesNotMatch(JSON.stringify(es.snapshot('ns')), /hunter2|pw@/);
  assert.deepEqual(
    sn.snapshot('ns', 'intake').map((e) => [e.msg, e.triggerName]),
    [
      ['sensor started', undefined],
      ['trigger fired (eventId=e1 outcome=done workflow=wf-1)', 'submit'],
    ],
  );
  assert.doesNotMatch(JSON.stringify(sn.snapshot('ns')), /payload/);
});
