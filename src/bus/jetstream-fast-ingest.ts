// The fast-ingest batch protocol of nats-server 2.14+ (stream `allow_batched`), as the JetStream publisher speaks it:
// every message of a batch is a plain publish whose reply subject names the batch, its position and operation
// (`<inbox>.<batch id>.<flow>.fail.<seq>.<op>.$FI`, op 0 = first, 1 = append, 2 = commit with this message); the server
// stores each message as a normal publish would (Nats-Msg-Id duplicates are skipped, not stored again) and answers
// with one PubAck `{stream, seq, batch, count}` once the messages 1..count are stored, instead of one per message.
// "fail" mode: the first message the server cannot store ends the batch, so 1..count are stored (or were duplicates)
// and the rest are not. What the server does not say is which of 1..count were duplicates, nor their sequences.
import { JetStreamApiError } from '@nats-io/jetstream';

/** Batch operations in the reply subject (nats-server's FastBatchOp*). */
const OP_START = 0;
const OP_APPEND = 1;
const OP_COMMIT = 2;
const SUFFIX = '.$FI';

/** Reply subject of message `seq` (1-based) of `n` in batch `id`; `flow`: acknowledge progress every `flow` messages. */
export function fastReplySubject(prefix: string, id: string, flow: number, seq: number, n: number): string {
  const op = seq === n ? OP_COMMIT : seq === 1 ? OP_START : OP_APPEND;
  return `${prefix}.${id}.${flow}.fail.${seq}.${op}${SUFFIX}`;
}

/** The batch id and message position of a reply subject (without the inbox prefix and its dot); undefined if none. */
export function parseFastReply(rest: string): { id: string; seq: number } | undefined {
  if (!rest.endsWith(SUFFIX)) return undefined;
  const parts = rest.slice(0, -SUFFIX.length).split('.');
  if (parts.length !== 5) return undefined;
  const seq = Number(parts[3]);
  return Number.isInteger(seq) && seq > 0 ? { id: parts[0], seq } : undefined;
}

export interface FastReplyBody {
  /** "ack" (flow control: `seq` stored so far, next one after `msgs` more), "gap" (`last_seq` expected), "err". */
  type?: string;
  msgs?: number;
  last_seq?: number;
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  batch?: string;
  count?: number;
  error?: { code: number; err_code: number; description: string };
}

/** What one reply means for a batch of `n` messages, replying to message `seq`. */
export type FastReply =
  | { kind: 'progress' } // flow-control ack or gap report: informational
  | { kind: 'committed'; seq: number; count: number } // the batch's PubAck: messages 1..count are stored
  | { kind: 'stored'; seq: number; duplicate: boolean } // a plain PubAck for this one message (a server without fast ingest)
  | { kind: 'failed'; error: unknown }; // this message was not stored

/** nats-server errors after which the batch protocol itself is refused (disabled on the stream, unknown batch id...). */
const BATCH_PROTOCOL_ERRORS = new Set([10205, 10206, 10207, 10208, 10211]);

export function isBatchProtocolError(e: unknown): boolean {
  return e instanceof JetStreamApiError && BATCH_PROTOCOL_ERRORS.has(e.code);
}

/** The stream does not take fast-ingest batches (allow_batched off) or the server does not know the pattern. */
export function refusesFastIngest(e: unknown): boolean {
  return e instanceof JetStreamApiError && (e.code === 10205 || e.code === 10206);
}

export function readFastReply(body: FastReplyBody): FastReply {
  if (body.type === 'ack' || body.type === 'gap') return { kind: 'progress' };
  if (body.error !== undefined) return { kind: 'failed', error: new JetStreamApiError(body.error) };
  if (typeof body.seq !== 'number' || typeof body.stream !== 'string' || body.stream === '')
    return { kind: 'failed', error: new Error('invalid publish acknowledgement') };
  if (typeof body.batch === 'string' && typeof body.count === 'number') return { kind: 'committed', seq: body.seq, count: body.count };
  return { kind: 'stored', seq: body.seq, duplicate: body.duplicate === true };
}
