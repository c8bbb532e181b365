// The EventBus on NATS JetStream: one stream per bus (`weir-<bus>` by default) holding subjects
// `<bus>.<eventSourceName>.<eventName>` (tokens encoded by subject-codec.ts). Publishes carry Nats-Msg-Id = event id
// so the server de-duplicates within duplicateWindow; a publish fails fast with BUS_UNAVAILABLE while disconnected
// and after publishTimeoutMs otherwise. The client reconnects forever with capped, jittered exponential backoff.
// Consumers: jetstream-consumer.ts; KV buckets: jetstream-kv.ts.
import { connect } from '@nats-io/transport-node';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { nanos } from '@nats-io/nats-core';
import { DiscardPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import type { CloudEvent } from '../core/cloudevent.js';
import { WeirError, errorMessage } from '../core/errors.js';
import { checkEvent, resolveConsumerOptions, throwIfAborted } from './bus-options.js';
import { busError, isNotFound, JS_CODES } from './jetstream-errors.js';
import { consumeJetStream } from './jetstream-consumer.js';
import { openJetStreamKv } from './jetstream-kv.js';
import { resolveJetStreamBusOptions } from './jetstream-options.js';
import type { JetStreamBusOptions, ResolvedJetStreamBusOptions } from './jetstream-options.js';
import { newBusMetrics, snapshot } from './metrics.js';
import { encodeToken, eventSubject } from './subject-codec.js';
import { JetStreamPublisher } from './jetstream-publisher.js';
import type { OutgoingMessage } from './jetstream-publisher.js';
import type {
  BatchPublishResult,
  BusMessage,
  BusMetrics,
  BusState,
  ConsumerOptions,
  EventBus,
  KeyValueStore,
  PublishAck,
  PublishOptions,
} from './types.js';

/** What the consumer and KV modules need from the bus. */
export interface JetStreamContext {
  readonly options: ResolvedJetStreamBusOptions;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly metrics: BusMetrics;
  /** True when the server is at least this version (e.g. "2.10.0"). */
  serverAtLeast(version: string): boolean;
  state(): BusState;
  /** Resolves true once connected (at once when up), false when the bus closes or `signal` aborts first. */
  untilConnected(signal: AbortSignal): Promise<boolean>;
}

/** The first nats-server with fast-ingest batch publishing. */
export const FAST_INGEST_SERVER = '2.14.0';

/** Compares dotted versions numerically ("2.9.10" < "2.10.0"). */
export function versionAtLeast(have: string | undefined, want: string): boolean {
  if (have === undefined) return false;
  const a = have.split(/[.-]/).map((x) => parseInt(x, 10) || 0);
  const b = want.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < b.length; i++) if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i];
  return true;
}

function streamConfig(o: ResolvedJetStreamBusOptions): Partial<StreamConfig> & { name: string } {
  return {
    name: o.streamName,
    subjects: [`${encodeToken(o.name)}.>`],
    retention: RetentionPolicy.Limits,
    storage: o.storage === 'memory' ? StorageType.Memory : StorageType.File,
    num_replicas: o.replicas,
    max_age: nanos(o.maxAgeMs),
    max_msgs: o.maxMsgs,
    max_bytes: o.maxBytes,
    discard: o.discard === 'new' ? DiscardPolicy.New : DiscardPolicy.Old,
    duplicate_window: nanos(o.duplicateWindowMs),
  };
}

export class JetStreamBus implements EventBus {
  readonly name: string;
  readonly options: ResolvedJetStreamBusOptions;
  private current: BusState = 'connecting';
  private readonly counters = newBusMetrics();
  private readonly ctx: JetStreamContext;
  private readonly advisories: Subscription;
  private readonly publisher: JetStreamPublisher;
  private lastLimitCheck = 0;
  /** When the connection was lost (Date.now()); undefined while connected. */
  private downSince: number | undefined;
  private closing: Promise<void> | undefined;
  /** Waiters of untilConnected(), woken on reconnect and on close. */
  private readonly upWaiters = new Set<() => void>();

  private constructor(options: ResolvedJetStreamBusOptions, nc: NatsConnection, jsm: JetStreamManager) {
    this.options = options;
    this.name = options.name;
    const js = jetstream(nc, { timeout: options.publishTimeoutMs });
    this.ctx = {
      options,
      nc,
      js,
      jsm,
      metrics: this.counters,
      serverAtLeast: (v) => versionAtLeast(nc.info?.version, v),
      state: () => this.current,
      untilConnected: (signal) => this.untilConnected(signal),
    };
    this.publisher = new JetStreamPublisher(nc, options.streamName);
    this.current = 'up';
    void this.watchStatus();
    // The server reports every message a consumer gave up on after max_deliver deliveries.
    this.advisories = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${options.streamName}.*`, {
      callback: (_err, m) => {
        this.counters.maxDeliverExceeded++;
        let info: Record<string, unknown> = {};
        try {
          info = m.json<Record<string, unknown>>();
        } catch {
          // keep the count even when the advisory is unreadable
        }
        options.logger.warn(
          { consumer: info.consumer, seq: info.stream_seq, deliveries: info.deliveries },
          'event bus: message given up after maxDeliver deliveries',
        );
      },
    });
  }

  /** Connects, creates or updates the stream, and returns the bus; BUS_UNAVAILABLE when the server cannot be reached. */
  static async create(opts: JetStreamBusOptions): Promise<JetStreamBus> {
    const o = resolveJetStreamBusOptions(opts);
    let bus: JetStreamBus | undefined;
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: [...o.servers],
        name: `weir-bus-${o.name}`,
        timeout: o.connectTimeoutMs,
        reconnect: true,
        maxReconnectAttempts: -1,
        waitOnFirstConnect: false,
        pingInterval: 10_000,
        maxPingOut: 2,
        reconnectDelayHandler: () => bus?.nextReconnectDelay() ?? o.reconnectMinMs,
        // No async stack trace per request/publish (profiled: ~8% of a webhook server's CPU); errors keep their message.
        noAsyncTraces: true,
      });
    } catch (e) {
      throw new WeirError('BUS_UNAVAILABLE', `cannot connect to NATS at ${o.servers.join(',')}: ${errorMessage(e)}`, {
        cause: e,
        details: { reason: 'disconnected' },
      });
    }
    try {
      const jsm = await jetstreamManager(nc, { timeout: o.publishTimeoutMs });
      bus = new JetStreamBus(o, nc, jsm);
      await bus.ensureStream();
      return bus;
    } catch (e) {
      await nc.close().catch(() => undefined);
      throw busError(e, `cannot set up stream ${o.streamName} on ${o.servers.join(',')}`);
    }
  }

  private untilConnected(signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.current !== 'up' && this.current !== 'closed' && !signal.aborted) return;
        this.upWaiters.delete(check);
        signal.removeEventListener('abort', check);
        resolve(this.current === 'up' && !signal.aborted);
      };
      this.upWaiters.add(check);
      signal.addEventListener('abort', check, { once: true });
      check();
    });
  }

  private wakeWaiters(): void {
    for (const w of [...this.upWaiters]) w();
  }

  /**
   * Delay before the next reconnect attempt: about half the time already spent disconnected (at least
   * reconnectMinMs, at most reconnectMaxMs, ±25% jitter), so attempts back off geometrically and a bus that comes
   * back is found within half the outage again. A function of time, not of a call count: nats.js asks on every turn
   * of its dial loop (also while it only waits), so a counter would double more than once per attempt.
   */
  private nextReconnectDelay(): number {
    const { reconnectMinMs: min, reconnectMaxMs: max } = this.options;
    const now = Date.now();
    this.downSince ??= now;
    const base = Math.min(max, Math.max(min, (now - this.downSince) / 2));
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  private async watchStatus(): Promise<void> {
    const log = this.options.logger;
    for await (const s of this.ctx.nc.status()) {
      if (this.current === 'closed') break;
      switch (s.type) {
        case 'disconnect':
          this.downSince ??= Date.now();
          this.counters.disconnects++;
          this.current = 'down';
          log.warn({ server: s.server }, 'event bus: disconnected from NATS; reconnecting');
          break;
        case 'reconnecting':
          this.current = 'down';
          break;
        case 'reconnect':
          this.downSince = undefined;
          this.current = 'up';
          this.wakeWaiters();
          log.info({ server: s.server }, 'event bus: reconnected to NATS');
          // A memory-storage stream does not survive a server restart; put it back before publishing again.
          this.ensureStream().catch((e: unknown) =>
            log.error({ err: errorMessage(e) }, 'event bus: cannot re-create the stream after reconnecting'),
          );
          break;
        default:
          break;
      }
    }
  }

  /**
   * Creates the stream, or updates its limits when they differ from the options; on nats-server 2.14+ (with the
   * fastIngest option) it also allows fast-ingest batches, and the publisher uses them while the stream allows them.
   */
  async ensureStream(): Promise<void> {
    const batched = this.options.fastIngest && this.ctx.serverAtLeast(FAST_INGEST_SERVER);
    const cfg: Partial<StreamConfig> & { name: string } = { ...streamConfig(this.options), ...(batched ? { allow_batched: true } : {}) };
    let allowed: boolean;
    try {
      const info = await this.ctx.jsm.streams.info(cfg.name);
      const c = info.config;
      const same =
        c.max_age === cfg.max_age &&
        c.max_msgs === cfg.max_msgs &&
        c.max_bytes === cfg.max_bytes &&
        c.discard === cfg.discard &&
        c.duplicate_window === cfg.duplicate_window &&
        c.num_replicas === cfg.num_replicas &&
        (!batched || c.allow_batched === true) &&
        (c.subjects ?? []).includes(cfg.subjects![0]);
      allowed = c.allow_batched === true;
      if (!same) {
        const next = {
          ...cfg,
          ...(allowed ? { allow_batched: true } : {}),
          subjects: [...new Set([...(c.subjects ?? []), ...cfg.subjects!])],
        };
        allowed = (await this.ctx.jsm.streams.update(cfg.name, next)).config.allow_batched === true;
        this.options.logger.info({ stream: cfg.name }, 'event bus: stream limits updated');
      }
    } catch (e) {
      if (!isNotFound(e, JS_CODES.streamNotFound)) throw e;
      allowed = (await this.ctx.jsm.streams.add(cfg)).config.allow_batched === true;
      this.options.logger.info({ stream: cfg.name }, 'event bus: stream created');
    }
    this.publisher.fastIngest = this.options.fastIngest && allowed && this.ctx.serverAtLeast(FAST_INGEST_SERVER);
  }

  /** True while batches go to the stream as fast-ingest batches. */
  fastIngest(): boolean {
    return this.publisher.fastIngest;
  }

  state(): BusState {
    return this.current;
  }

  metrics(): BusMetrics {
    return snapshot(this.counters);
  }

  async publish(event: CloudEvent, opts: PublishOptions = {}): Promise<PublishAck> {
    const [r] = await this.publishBatch([event], opts);
    if (!r.ok) throw r.error;
    return r.ack;
  }

  async publishBatch(events: readonly CloudEvent[], opts: PublishOptions = {}): Promise<BatchPublishResult[]> {
    throwIfAborted(opts.signal, 'publish');
    const out = new Array<BatchPublishResult | undefined>(events.length);
    const fail = (e: unknown, event: CloudEvent | undefined): BatchPublishResult => {
      this.counters.publishFailures++;
      const err = busError(e, 'publish', { eventId: event?.id, eventSource: event?.source, eventName: event?.subject });
      if (err.details?.reason === 'full') this.counters.rejectedFull++;
      return { ok: false, error: err };
    };
    const down =
      this.current === 'up'
        ? undefined
        : new WeirError(
            'BUS_UNAVAILABLE',
            `publish: ${this.current === 'closed' ? 'bus closed' : 'not connected to NATS (reconnecting)'}`,
            { details: { reason: this.current === 'closed' ? 'closed' : 'disconnected' } },
          );
    const sent: number[] = [];
    const messages: OutgoingMessage[] = [];
    events.forEach((event, i) => {
      try {
        checkEvent(event);
      } catch (e) {
        out[i] = { ok: false, error: e instanceof Error ? e : new Error(errorMessage(e)) };
        return;
      }
      if (down !== undefined) {
        out[i] = fail(new WeirError(down.code, down.message, { details: { ...down.details, eventId: event.id } }), event);
        return;
      }
      sent.push(i);
      messages.push({ subject: eventSubject(this.name, event.source, event.subject), payload: JSON.stringify(event), msgId: event.id });
    });
    if (messages.length > 0) {
      const outcomes = await this.publisher.publish(messages, {
        timeoutMs: opts.timeoutMs ?? this.options.publishTimeoutMs,
        signal: opts.signal,
        ackPerBatch: opts.ackPerBatch === true,
      });
      outcomes.forEach((o, k) => {
        const i = sent[k];
        if ('error' in o) {
          out[i] = fail(o.error, events[i]);
          return;
        }
        if (o.duplicate) this.counters.duplicates++;
        else this.counters.published++;
        out[i] = { ok: true, ack: { seq: o.seq, duplicate: o.duplicate, ...(o.batched ? { batched: true } : {}) } };
      });
      this.maybeCheckLimits();
    }
    return out as BatchPublishResult[];
  }

  /** discard: old never drops silently: when the stream sits at its limits, warn (naming lagging consumers) and count. */
  private maybeCheckLimits(): void {
    const o = this.options;
    if (o.discard !== 'old' || (o.maxMsgs < 0 && o.maxBytes < 0)) return;
    const now = Date.now();
    if (now - this.lastLimitCheck < o.limitCheckIntervalMs) return;
    this.lastLimitCheck = now;
    void (async () => {
      const info = await this.ctx.jsm.streams.info(o.streamName);
      const st = info.state;
      const full = (o.maxMsgs > 0 && st.messages >= o.maxMsgs) || (o.maxBytes > 0 && st.bytes >= o.maxBytes * 0.98);
      if (!full) return;
      this.counters.limitWarnings++;
      const lagging: string[] = [];
      for await (const ci of this.ctx.jsm.consumers.list(o.streamName)) {
        if (ci.ack_floor.stream_seq + 1 < st.first_seq && ci.num_pending + ci.num_ack_pending > 0) lagging.push(ci.name);
      }
      o.logger.warn(
        { stream: o.streamName, messages: st.messages, bytes: st.bytes, firstSeq: st.first_seq, laggingConsumers: lagging },
        'event bus: stream is at its limits; the oldest events are discarded (discard: old)' +
          (lagging.length > 0 ? ' before these consumers acked them' : ''),
      );
    })().catch((e: unknown) => o.logger.debug({ err: errorMessage(e) }, 'event bus: limit check failed'));
  }

  consume(opts: ConsumerOptions): AsyncIterable<BusMessage> {
    const o = resolveConsumerOptions(opts);
    return consumeJetStream(this.ctx, o);
  }

  kv(bucket: string): Promise<KeyValueStore> {
    if (this.current === 'closed')
      return Promise.reject(new WeirError('BUS_UNAVAILABLE', 'kv: bus closed', { details: { reason: 'closed' } }));
    return openJetStreamKv(this.ctx, bucket);
  }

  /** Drains the connection (pending acks are flushed; at most 2 s, then closes); idempotent. */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.current = 'closed';
      this.wakeWaiters();
      this.advisories.unsubscribe();
      this.publisher.close();
      const nc = this.ctx.nc;
      if (nc.isClosed()) return;
      // Drain flushes pending acks; while disconnected it could wait for a reconnect, so it is bounded.
      let timer: NodeJS.Timeout | undefined;
      const drained = nc.drain().then(
        () => true,
        () => false,
      );
      const ok = await Promise.race([drained, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 2000)))]);
      clearTimeout(timer);
      if (!ok) await nc.close().catch(() => undefined);
    })());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Connects and prepares the stream; see JetStreamBusOptions for the defaults. */
export function createJetStreamBus(opts: JetStreamBusOptions): Promise<JetStreamBus> {
  return JetStreamBus.create(opts);
}
