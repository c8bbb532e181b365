// Test kit for event sources: a fake clock (timers fire only when a test advances time), a tiny in-memory bus for
// host unit tests (de-dup by id, switchable outage), `eventually`, and runAdapter() which starts one adapter with the
// host's real emitter, state scoping and HTTP mux, the way the host does, without a store watch.
import { randomUUID } from 'node:crypto';
import type { BusMessage, EventBus, KeyValueStore, PublishAck } from '../../src/bus/types.js';
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { WeirError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import type { RecordingLogger } from '../../src/core/logger.js';
import { createEmitter } from '../../src/eventsource-host/emitter.js';
import type { EventCounters } from '../../src/eventsource-host/emitter.js';
import { HttpMux } from '../../src/eventsource-host/http-mux.js';
import { memoryKv, scopedState, stateScope } from '../../src/eventsource-host/state.js';
import { systemClock } from '../../src/core/clock.js';
import type { Clock } from '../../src/core/clock.js';
import type { AdapterState, EventSourceAdapter, Secrets } from '../../src/api/eventsource-adapter.js';
import { eventually } from '../helpers/eventually.js';

export { eventually };

/** Lets pending promise chains run (several macrotask turns). */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

/** Every event stored on a real bus for one EventSource (and event name), read by a fresh durable consumer. */
/**
 * Every event of `source` on the bus. Waits (up to 20 s) until at least `atLeast` arrived, then `settleMs` more for
 * any extra (a duplicate would show up then), so a loaded machine's slow delivery is not read as a loss.
 */
export async function busEvents(bus: EventBus, source: string, eventName = '*', settleMs = 300, atLeast = 0): Promise<CloudEvent[]> {
  const ac = new AbortController();
  const out: CloudEvent[] = [];
  const loop = (async () => {
    for await (const m of bus.consume({
      durableName: `read-${randomUUID().slice(0, 8)}`,
      filters: [{ eventSourceName: source, eventName }],
      deliverPolicy: 'all',
      signal: ac.signal,
    })) {
      out.push(m.event);
      await m.ack();
    }
  })();
  // Everything acked before this call is stored; give the consumer time to deliver it.
  const deadline = Date.now() + 20_000;
  while (out.length < atLeast && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, settleMs));
  ac.abort();
  await loop.catch(() => undefined);
  return out;
}

interface Timer {
  at: number;
  resolve: () => void;
}

/** A clock whose sleeps end only when advance() passes their time. */
export class FakeClock implements Clock {
  private timers: Timer[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new WeirError('CANCELLED', 'stopped'));
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer: Timer = {
        at: this.t + ms,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.timers = this.timers.filter((x) => x !== timer);
        reject(new WeirError('CANCELLED', 'stopped'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
    });
  }
  /** Number of sleeps waiting. */
  pending(): number {
    return this.timers.length;
  }
  /** Moves time forward by `ms`, firing due timers in order and letting their continuations run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.resolve();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** In-memory bus for unit tests: stores events, de-duplicates by id, can be switched down. */
export class FakeBus implements EventBus {
  readonly name = 'fake';
  readonly events: CloudEvent[] = [];
  down = false;
  publishes = 0;
  /** Called before each publish is stored; may throw or wait. */
  gate: ((e: CloudEvent) => Promise<void>) | undefined;
  private readonly ids = new Set<string>();
  private readonly kvs = new Map<string, KeyValueStore>();
  state(): 'up' | 'down' {
    return this.down ? 'down' : 'up';
  }
  async publish(e: CloudEvent): Promise<PublishAck> {
    this.publishes++;
    if (this.gate !== undefined) await this.gate(e);
    if (this.down) throw new WeirError('BUS_UNAVAILABLE', 'fake bus is down');
    if (this.ids.has(e.id)) return { seq: this.events.length, duplicate: true };
    this.ids.add(e.id);
    this.events.push(structuredClone(e));
    return { seq: this.events.length, duplicate: false };
  }
  consume(): AsyncIterable<BusMessage> {
    throw new WeirError('INTERNAL', 'the fake bus does not consume');
  }
  kv(bucket: string): Promise<KeyValueStore> {
    let kv = this.kvs.get(bucket);
    if (kv === undefined) this.kvs.set(bucket, (kv = memoryKv()));
    return Promise.resolve(kv);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface RunningAdapter {
  counters: EventCounters;
  log: RecordingLogger;
  state: AdapterState;
  /** Settles when start() returns or throws. */
  done: Promise<void>;
  /** The error start() ended with, if any (set after done). */
  error(): unknown;
  stop(): Promise<void>;
}

export interface RunAdapterOptions {
  adapter: EventSourceAdapter;
  spec: Record<string, unknown>;
  bus: EventBus;
  kind?: string;
  namespace?: string;
  name?: string;
  eventName?: string;
  clock?: Clock;
  kv?: KeyValueStore;
  http?: HttpMux;
  secrets?: Record<string, Record<string, string>>;
  publishTimeoutMs?: number;
  attempts?: number;
  backoffMs?: number;
  /**
   * Log as the server does by default: keep about the newest N records (as its per-source log ring keeps 1,000)
   * instead of all of them, and drop debug records (the server logs them only with WEIR_DEBUG=1). For benchmarks,
   * where tens of thousands of retained per-event records would make the run mostly garbage collection of the test
   * logger.
   */
  maxLogRecords?: number;
}

/** A recording logger that drops debug records and its oldest records beyond about `max`. */
function boundedRecordingLogger(max: number): RecordingLogger {
  const log = createRecordingLogger();
  const trim =
    (fn: RecordingLogger['info']): RecordingLogger['info'] =>
    (obj, msg) => {
      fn(obj, msg);
      if (log.records.length > 2 * max) log.records.splice(0, log.records.length - max);
    };
  return { ...log, debug: () => undefined, info: trim(log.info), warn: trim(log.warn), error: trim(log.error) };
}

/** Starts one adapter as the host would (same emitter, state scope, HTTP mux). */
export function runAdapter(o: RunAdapterOptions): RunningAdapter {
  const ac = new AbortController();
  const log = o.maxLogRecords !== undefined ? boundedRecordingLogger(o.maxLogRecords) : createRecordingLogger();
  const counters: EventCounters = { published: 0, duplicates: 0, filtered: 0, failed: 0 };
  const namespace = o.namespace ?? 'default';
  const name = o.name ?? `es-${randomUUID().slice(0, 8)}`;
  const eventName = o.eventName ?? 'ev';
  const clock = o.clock ?? systemClock;
  const state = scopedState(o.kv ?? memoryKv(), stateScope(namespace, name, eventName));
  const http = o.http ?? new HttpMux({ logger: log });
  const secrets: Secrets = {
    get: (ref) => {
      const v = o.secrets?.[ref.name ?? '']?.[ref.key];
      if (v === undefined && ref.optional !== true)
        return Promise.reject(new WeirError('NOT_FOUND', `secret ${ref.name}/${ref.key} not found`));
      return Promise.resolve(v);
    },
  };
  const filterExpr = (o.spec.filter as { expression?: unknown } | undefined)?.expression;
  const { emit, emitBatch } = createEmitter({
    bus: o.bus,
    namespace,
    eventSource: name,
    eventName,
    kind: o.kind ?? o.adapter.kind,
    counters,
    log,
    clock,
    signal: ac.signal,
    filter: typeof filterExpr === 'string' ? filterExpr : undefined,
    publishTimeoutMs: o.publishTimeoutMs ?? 2000,
    attempts: o.attempts ?? 2,
    backoffMs: o.backoffMs ?? 50,
    maxBackoffMs: 500,
  });
  let err: unknown;
  const done = o.adapter
    .start({ namespace, name, eventName, spec: o.spec, signal: ac.signal, emit, emitBatch, log, state, secrets, clock, http })
    .catch((e: unknown) => {
      err = e;
    });
  return {
    counters,
    log,
    state,
    done,
    error: () => err,
    stop: async () => {
      ac.abort();
      await done;
      if (o.http === undefined) await http.close();
    },
  };
}
