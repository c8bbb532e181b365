// The event bus contract: publish a CloudEvent and wait for the durable acknowledgement (de-duplicated by event
// id), durable named consumers with ack / nak-with-delay / term, and a key-value store for sensor state.
// Implementations: NATS JetStream (src/bus/jetstream-bus.ts) and embedded SQLite (src/bus/embedded-bus.ts); both
// run the conformance suite in test/bus/.
import type { CloudEvent } from '../core/cloudevent.js';

export interface PublishOptions {
  signal?: AbortSignal;
  /** How long to wait for the durable acknowledgement before failing with BUS_UNAVAILABLE. */
  timeoutMs?: number;
  /**
   * publishBatch only: the caller needs to know that each event is stored, not its position nor whether it was a
   * duplicate, so the bus may acknowledge the batch as a whole (the JetStream bus on nats-server 2.14+ then sends it
   * as one fast-ingest batch; such acks say `batched: true`). Default false: exact per-event acks.
   */
  ackPerBatch?: boolean;
}

export interface PublishAck {
  /** Position of the event in the bus's log. */
  seq: number;
  /** True when an event with the same id was already stored within the de-duplication window (nothing new stored). */
  duplicate: boolean;
  /**
   * Stored as part of a fast-ingest batch (JetStream bus, nats-server 2.14+, publishBatch with `ackPerBatch`): the
   * server acknowledges the batch, not each event, so `seq` is the batch's last stream sequence (0 when every event was a duplicate) and `duplicate` is
   * false even for an event the server skipped as a duplicate. Storage and de-duplication are as for any event.
   */
  batched?: true;
}

/** One event's outcome in a batch publish: its ack, or the error (a WeirError, as publish() would have thrown). */
export type BatchPublishResult = { ok: true; ack: PublishAck } | { ok: false; error: Error };

export interface BusMessage {
  event: CloudEvent;
  /** Stream position. */
  seq: number;
  /** 1 on first delivery, then 2, 3... on redeliveries. */
  deliveryCount: number;
  /** Done: never deliver again to this consumer. */
  ack(): Promise<void>;
  /** Not now: deliver again after `delayMs` (default: the consumer's ackWait). */
  nak(delayMs?: number): Promise<void>;
  /** Give up on this message for this consumer (poison); it is not redelivered. */
  term(reason?: string): Promise<void>;
  /** Still working: extend the ack deadline. */
  working(): Promise<void>;
}

export interface ConsumerOptions {
  /** Durable name; a restarted consumer with the same name resumes where it left off. */
  durableName: string;
  /** Which events: pairs of EventSource name and event name ('*' matches any). */
  filters: readonly { eventSourceName: string; eventName: string }[];
  /** Redeliver when not acked within this time. Default 30 s. */
  ackWaitMs?: number;
  /** Give up after this many deliveries (0 = unlimited). Default 0. */
  maxDeliver?: number;
  /** Where a NEW durable consumer starts: all retained events or only new ones. Default 'new'. */
  deliverPolicy?: 'all' | 'new';
  /** Messages in flight at once. Default 64. */
  maxAckPending?: number;
  signal: AbortSignal;
}

export interface KvEntry {
  value: string;
  revision: number;
}

/** A bucket of string values with compare-and-set, for sensor state that must survive restarts. */
export interface KeyValueStore {
  get(key: string): Promise<KvEntry | undefined>;
  /** With `expectedRevision` (0 = must not exist) the write fails with CONFLICT if the entry changed. Returns the new revision. */
  put(key: string, value: string, opts?: { expectedRevision?: number }): Promise<number>;
  delete(key: string): Promise<void>;
  keys(prefix?: string): Promise<string[]>;
}

export type BusState = 'connecting' | 'up' | 'down' | 'closed';

/** Counters since the bus was created (for /metrics and tests). */
export interface BusMetrics {
  /** Events stored (duplicates excluded). */
  published: number;
  /** Publishes answered `duplicate: true`. */
  duplicates: number;
  /** Publishes that failed (BUS_UNAVAILABLE and others). */
  publishFailures: number;
  /** Publishes refused because the bus was full (discard: new). */
  rejectedFull: number;
  /** Times the bus was found at its limits with discard: old (a warning is logged each time). */
  limitWarnings: number;
  /** Events removed by the limits before every consumer acked them (discard: old; embedded bus counts exactly). */
  droppedUnconsumed: number;
  /** Messages handed to consumers, first deliveries and redeliveries. */
  delivered: number;
  redelivered: number;
  acked: number;
  nakked: number;
  termed: number;
  /** Messages given up after maxDeliver deliveries. */
  maxDeliverExceeded: number;
  /** Times the connection was lost (JetStream). */
  disconnects: number;
}

export interface EventBus {
  readonly name: string;
  state(): BusState;
  /** Stores the event durably (subject `<bus>.<source>.<subject>`) and resolves with the ack; BUS_UNAVAILABLE otherwise. */
  publish(event: CloudEvent, opts?: PublishOptions): Promise<PublishAck>;
  /**
   * Stores several events with the same guarantee per event as publish() (each result is an ack only once that
   * event is durable), at the cost of about one round trip / one commit for the batch. Results are in input order;
   * one event failing does not fail the others. Rejects only with CANCELLED when `opts.signal` aborts. Optional so
   * test fakes need not (callers fall back to publish() per event).
   */
  publishBatch?(events: readonly CloudEvent[], opts?: PublishOptions): Promise<BatchPublishResult[]>;
  /** Delivers matching events until `opts.signal` aborts; each message must be acked, nakked or termed by the handler. */
  consume(opts: ConsumerOptions): AsyncIterable<BusMessage>;
  kv(bucket: string): Promise<KeyValueStore>;
  /** A snapshot of the counters (both implementations provide it; optional so test fakes need not). */
  metrics?(): BusMetrics;
  close(): Promise<void>;
}
