// The fast-ingest reply subjects and replies as src/bus/jetstream-fast-ingest.ts reads them (no server: the replies
// are the shapes nats-server 2.14+ sends; test/bus/jetstream-fast-ingest.test.ts runs the protocol against one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JetStreamApiError } from '@nats-io/jetstream';
import {
  fastReplySubject,
  isBatchProtocolError,
  parseFastReply,
  readFastReply,
  refusesFastIngest,
} from '../../src/bus/jetstream-fast-ingest.js';

test('reply subjects: start, append and commit operations, and back to batch id and position', () => {
  const prefix = '_INBOX.abc';
  assert.equal(fastReplySubject(prefix, 'b1', 3, 1, 3), '_INBOX.abc.b1.3.fail.1.0.$FI');
  assert.equal(fastReplySubject(prefix, 'b1', 3, 2, 3), '_INBOX.abc.b1.3.fail.2.1.$FI');
  assert.equal(fastReplySubject(prefix, 'b1', 3, 3, 3), '_INBOX.abc.b1.3.fail.3.2.$FI');
  const s = fastReplySubject(prefix, 'b1', 3, 2, 3);
  assert.deepEqual(parseFastReply(s.slice(prefix.length + 1)), { id: 'b1', seq: 2 });
  assert.equal(parseFastReply('b1.3.fail.2.1'), undefined, 'no $FI suffix');
  assert.equal(parseFastReply('b1.3.fail.x.1.$FI'), undefined, 'no position');
  assert.equal(parseFastReply('3.fail.2.1.$FI'), undefined, 'a token short');
});

test('replies: flow acks and gaps are progress, the batch PubAck commits, errors fail the message', () => {
  assert.deepEqual(readFastReply({ type: 'ack', seq: 0, msgs: 100 }), { kind: 'progress' });
  assert.deepEqual(readFastReply({ type: 'gap', last_seq: 3, seq: 5 }), { kind: 'progress' });
  assert.deepEqual(readFastReply({ stream: 'S', seq: 42, batch: 'b1', count: 100 }), { kind: 'committed', seq: 42, count: 100 });
  assert.deepEqual(readFastReply({ stream: 'S', seq: 0, batch: 'b1', count: 100 }), { kind: 'committed', seq: 0, count: 100 });
  assert.deepEqual(readFastReply({ stream: 'S', seq: 7 }), { kind: 'stored', seq: 7, duplicate: false });
  assert.deepEqual(readFastReply({ stream: 'S', seq: 7, duplicate: true }), { kind: 'stored', seq: 7, duplicate: true });
  const disabled = readFastReply({ stream: 'S', error: { code: 400, err_code: 10205, description: 'batch publish is disabled' } });
  assert.equal(disabled.kind, 'failed');
  const e = (disabled as { error: unknown }).error;
  assert.ok(e instanceof JetStreamApiError && isBatchProtocolError(e) && refusesFastIngest(e));
  const unknown = readFastReply({ stream: 'S', error: { code: 400, err_code: 10208, description: 'batch publish ID unknown' } });
  const u = (unknown as { error: unknown }).error;
  assert.ok(isBatchProtocolError(u) && !refusesFastIngest(u), 'unknown batch id: published again, fast ingest stays on');
  const stored = readFastReply({ type: 'err', seq: 4, error: { code: 500, err_code: 10077, description: 'store failed' } });
  assert.ok(stored.kind === 'failed' && !isBatchProtocolError(stored.error), 'a storage error stays the message’s own');
  assert.equal(readFastReply({ seq: 1 }).kind, 'failed', 'no stream: not an acknowledgement');
});
