// Pipelined JetStream publishing for the JetStream bus: every message is a core NATS publish whose reply subject is a
// token under ONE long-lived inbox subscription of the bus, so a batch of N events costs N writes (flushed together),
// one timer, one abort listener and one headers object, and each event still gets its own stream acknowledgement
// (seq, duplicate) or error.
// nats.js's js.publish() does the same over its request mux but pays a timer, a deferred and a discarded error object
// per message (profiled: about half of the client's CPU per publish). Durability is unchanged: a result is a PubAck
// the server sent after storing the message, exactly what js.publish() waits for.
// With `fastIngest` (set by the bus when the server is 2.14+ and the stream has allow_batched), a batch of two or more
// goes as one fast-ingest batch (src/bus/jetstream-fast-ingest.ts): the same messages and Nats-Msg-Id de-duplication,
// one PubAck for the batch once all are stored instead of one per message; what the batch did not store is published
// again one by one.
import { createInbox, headers, NoRespondersError, TimeoutError } from '@nats-io/nats-core';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { JetStreamApiError, PubHeaders } from '@nats-io/jetstream';
import { WeirError } from '../core/errors.js';
import { fastReplySubject, isBatchProtocolError, parseFastReply, readFastReply, refusesFastIngest } from './jetstream-fast-ingest.js';
import type { FastReply, FastReplyBody } from './jetstream-fast-ingest.js';

export interface OutgoingMessage {
  subject: string;
  payload: string;
  /** Nats-Msg-Id (the server de-duplicates on it). */
  msgId: string;
}

/**
 * The server's acknowledgement, or the error for this message (a nats.js error type, mapped by busError()). `batched`:
 * stored by a fast-ingest batch, whose one PubAck carries the batch's last stream sequence (`seq`, 0 when every
 * message was a duplicate) and does not say which messages were duplicates (`duplicate` is false).
 */
export type PublishOutcome = { seq: number; duplicate: boolean; batched?: true } | { error: unknown };

interface ApiReply {
  stream?: string;
  seq?: number;
  duplicate?: boolean;
  error?: { code: number; err_code: number; description: string };
}

/** One publish() call: its messages' tokens are the consecutive numbers first, first + 1, ... */
interface Batch {
  first: number;
  settle(i: number, o: PublishOutcome): void;
}

export class JetStreamPublisher {
  private readonly prefix: string;
  private readonly sub: Subscription;
  /** Batches by the token (base 36) of each of their messages still waiting. */
  private readonly waiting = new Map<string, Batch>();
  private next = 0;
  /** Fast-ingest batches waiting for their PubAck, by batch id. */
  private readonly fast = new Map<string, (seq: number, reply: FastReply) => void>();
  private nextFast = 0;
  /** This publisher's part of every fast-ingest batch id (ids must be unique on the stream across clients). */
  private readonly uid: string;
  /** Send batches of two or more as fast-ingest batches (set by the bus; cleared when the server refuses one). */
  fastIngest = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly streamName: string,
  ) {
    this.prefix = createInbox();
    this.uid = this.prefix.slice(this.prefix.lastIndexOf('.') + 1);
    // nats.js re-subscribes after a reconnect; replies that arrive after their batch timed out are dropped.
    this.sub = nc.subscribe(`${this.prefix}.>`, { callback: (_err, m) => this.onReply(m) });
  }

  /**
   * Publishes all messages (one flush) and resolves, in order, with each message's outcome once every one has its
   * ack, error or the batch's timeout. Rejects only with CANCELLED when `signal` aborts first. `ackPerBatch`: two or
   * more messages may go as one fast-ingest batch (when `fastIngest` is set).
   */
  async publish(
    messages: readonly OutgoingMessage[],
    { timeoutMs, signal, ackPerBatch = false }: { timeoutMs: number; signal?: AbortSignal; ackPerBatch?: boolean },
  ): Promise<PublishOutcome[]> {
    if (!ackPerBatch || !this.fastIngest || messages.length < 2) return this.publishEach(messages, timeoutMs, signal);
    const out = await this.publishFast(messages, timeoutMs, signal);
    // Not stored by the batch (after the first message it could not store, or the server refused the protocol): once
    // more, one by one. A message that was stored after all comes back as a duplicate.
    const again: number[] = [];
    for (let i = 0; i < out.length; i++) {
      const o = out[i];
      if (o === undefined || ('error' in o && isBatchProtocolError(o.error))) again.push(i);
    }
    if (again.length === 0) return out as PublishOutcome[];
    // Until the bus checks the stream again (after a reconnect).
    if (again.some((i) => refusesFastIngest((out[i] as { error?: unknown } | undefined)?.error))) this.fastIngest = false;
    const each = await this.publishEach(
      again.map((i) => messages[i]),
      timeoutMs,
      signal,
    );
    again.forEach((i, k) => (out[i] = each[k]));
    return out as PublishOutcome[];
  }

  /** One fast-ingest batch; an outcome is undefined for a message the batch did not store (or not say so of). */
  private publishFast(
    messages: readonly OutgoingMessage[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<(PublishOutcome | undefined)[]> {
    if (signal?.aborted) return Promise.reject(new WeirError('CANCELLED', 'publish cancelled', { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      const n = messages.length;
      const out = new Array<PublishOutcome | undefined>(n);
      const id = `${this.uid}${(this.nextFast++).toString(36)}`;
      let open = n;
      const set = (i: number, o: PublishOutcome): void => {
        if (out[i] !== undefined) return;
        out[i] = o;
        open--;
      };
      const finish = (): void => {
        this.fast.delete(id);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const end = (): void => {
        finish();
        resolve(out);
      };
      const onAbort = (): void => {
        finish();
        reject(new WeirError('CANCELLED', 'publish cancelled', { cause: signal?.reason }));
      };
      const timer = setTimeout(() => {
        for (let i = 0; i < n; i++) set(i, { error: new TimeoutError() });
        end();
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.fast.set(id, (seq, r) => {
        if (r.kind === 'progress' || seq > n) return;
        if (r.kind === 'committed') {
          for (let i = 0; i < Math.min(r.count, n); i++) set(i, { seq: r.seq, duplicate: false, batched: true });
          return end();
        }
        set(seq - 1, r.kind === 'stored' ? { seq: r.seq, duplicate: r.duplicate } : { error: r.error });
        // Replies come in message order: one for the last message ends the batch.
        if (open === 0 || seq === n) end();
      });
      const flow = Math.min(n, 0xffff);
      const h = headers();
      h.set(PubHeaders.ExpectedStreamHdr, this.streamName);
      for (let i = 0; i < n; i++) {
        const m = messages[i];
        h.set(PubHeaders.MsgIdHdr, m.msgId);
        try {
          this.nc.publish(m.subject, m.payload, { reply: fastReplySubject(this.prefix, id, flow, i + 1, n), headers: h });
        } catch (e) {
          // The connection is closed: nothing more goes out; what went before is published again one by one.
          for (let k = i; k < n; k++) set(k, { error: e });
          return end();
        }
      }
    });
  }

  private publishEach(messages: readonly OutgoingMessage[], timeoutMs: number, signal?: AbortSignal): Promise<PublishOutcome[]> {
    if (signal?.aborted) return Promise.reject(new WeirError('CANCELLED', 'publish cancelled', { cause: signal.reason }));
    if (messages.length === 0) return Promise.resolve([]);
    return new Promise<PublishOutcome[]>((resolve, reject) => {
      const out = new Array<PublishOutcome | undefined>(messages.length);
      const first = this.next;
      this.next += messages.length;
      let open = messages.length;
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      // A reply removes its own token; a message that ends without one removes it here.
      const forgetUnsettled = (): void => {
        for (let i = 0; i < messages.length; i++) if (out[i] === undefined) this.waiting.delete((first + i).toString(36));
      };
      const settle = (i: number, o: PublishOutcome): void => {
        if (out[i] !== undefined) return;
        out[i] = o;
        if (--open === 0) {
          finish();
          resolve(out as PublishOutcome[]);
        }
      };
      const batch: Batch = { first, settle };
      const onAbort = (): void => {
        forgetUnsettled();
        finish();
        reject(new WeirError('CANCELLED', 'publish cancelled', { cause: signal?.reason }));
      };
      const timer = setTimeout(() => {
        forgetUnsettled();
        for (let i = 0; i < messages.length; i++) if (out[i] === undefined) settle(i, { error: new TimeoutError() });
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      // One headers object for the batch: publish() encodes it before it returns, so the next message may change it.
      const h = headers();
      h.set(PubHeaders.ExpectedStreamHdr, this.streamName);
      for (let i = 0; i < messages.length; i++) {
        const m = messages[i];
        const token = (first + i).toString(36);
        h.set(PubHeaders.MsgIdHdr, m.msgId);
        this.waiting.set(token, batch);
        try {
          this.nc.publish(m.subject, m.payload, { reply: `${this.prefix}.${token}`, headers: h });
        } catch (e) {
          this.waiting.delete(token);
          settle(i, { error: e });
        }
      }
    });
  }

  close(): void {
    this.sub.unsubscribe();
  }

  private onReply(m: Msg): void {
    const token = m.subject.slice(this.prefix.length + 1);
    if (token.includes('.')) {
      const f = parseFastReply(token);
      const waiter = f !== undefined ? this.fast.get(f.id) : undefined;
      if (f !== undefined && waiter !== undefined) waiter(f.seq, fastOutcomeOf(m));
      return;
    }
    const batch = this.waiting.get(token);
    if (batch === undefined) return;
    this.waiting.delete(token);
    batch.settle(parseInt(token, 36) - batch.first, outcomeOf(m));
  }
}

function fastOutcomeOf(m: Msg): FastReply {
  if (m.data.length === 0 && m.headers?.code === 503) return { kind: 'failed', error: new NoRespondersError(m.subject) };
  try {
    return readFastReply(m.json<FastReplyBody>());
  } catch (e) {
    return { kind: 'failed', error: new Error(`unreadable publish acknowledgement`, { cause: e }) };
  }
}

function outcomeOf(m: Msg): PublishOutcome {
  if (m.data.length === 0 && m.headers?.code === 503) return { error: new NoRespondersError(m.subject) };
  let r: ApiReply;
  try {
    r = m.json<ApiReply>();
  } catch (e) {
    return { error: new Error(`unreadable publish acknowledgement`, { cause: e }) };
  }
  if (r.error !== undefined) return { error: new JetStreamApiError(r.error) };
  if (typeof r.seq !== 'number' || typeof r.stream !== 'string' || r.stream === '')
    return { error: new Error('invalid publish acknowledgement') };
  return { seq: r.seq, duplicate: r.duplicate === true };
}
