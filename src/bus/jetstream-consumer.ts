// Durable pull consumers on the bus stream: created (or updated) from ConsumerOptions with explicit ack, ackWait,
// maxDeliver and maxAckPending; messages are pulled with the client's consume() (which re-pulls after reconnects)
// and handed out as BusMessages. Servers before 2.10 take one filter subject: with several filters the consumer
// reads the whole bus and acks the events that match none. On stop, pulled messages not yet handed out are nakked
// so they are redelivered at once instead of after ackWait (they count as a delivery).
import { nanos } from '@nats-io/nats-core';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import type { ConsumerConfig, ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { CloudEvent } from '../core/cloudevent.js';
import { pause, systemClock } from '../core/clock.js';
import { WeirError, errorMessage } from '../core/errors.js';
import type { ResolvedConsumerOptions } from './bus-options.js';
import { busError, isNotFound, JS_CODES } from './jetstream-errors.js';
import type { JetStreamContext } from './jetstream-bus.js';
import { encodeToken, filterSubject, matchesFilter } from './subject-codec.js';
import type { BusMessage } from './types.js';
import { parseJsonLossless } from '../core/json-lossless.js';

interface FilterPlan {
  /** Server-side filter fields. */
  fields: Pick<ConsumerConfig, 'filter_subject' | 'filter_subjects'>;
  /** True when the server cannot express the filters and the consumer must check each event. */
  clientSide: boolean;
}

function planFilters(ctx: JetStreamContext, o: ResolvedConsumerOptions): FilterPlan {
  const subjects = o.filters.map((f) => filterSubject(ctx.options.name, f));
  if (subjects.length === 1) return { fields: { filter_subject: subjects[0] }, clientSide: false };
  if (ctx.serverAtLeast('2.10.0')) return { fields: { filter_subjects: subjects }, clientSide: false };
  return { fields: { filter_subject: `${encodeToken(ctx.options.name)}.>` }, clientSide: true };
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
  JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());

/** Creates the durable consumer, or updates ackWait/maxDeliver/maxAckPending/filters on an existing one. */
async function ensureConsumer(ctx: JetStreamContext, o: ResolvedConsumerOptions, durable: string, plan: FilterPlan): Promise<void> {
  const stream = ctx.options.streamName;
  const tunables = { ack_wait: nanos(o.ackWaitMs), max_deliver: o.maxDeliver === 0 ? -1 : o.maxDeliver, max_ack_pending: o.maxAckPending };
  try {
    const ci = await ctx.jsm.consumers.info(stream, durable);
    const c = ci.config;
    const filtersSame =
      (c.filter_subject ?? '') === (plan.fields.filter_subject ?? '') && sameList(c.filter_subjects, plan.fields.filter_subjects);
    if (
      c.ack_wait !== tunables.ack_wait ||
      c.max_deliver !== tunables.max_deliver ||
      c.max_ack_pending !== tunables.max_ack_pending ||
      !filtersSame
    ) {
      const filters = plan.fields.filter_subjects
        ? { filter_subjects: plan.fields.filter_subjects }
        : { filter_subject: plan.fields.filter_subject };
      await ctx.jsm.consumers.update(stream, durable, { ...tunables, ...filters });
    }
  } catch (e) {
    if (!isNotFound(e, JS_CODES.consumerNotFound)) throw e;
    await ctx.jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: o.deliverPolicy === 'all' ? DeliverPolicy.All : DeliverPolicy.New,
      ...tunables,
      ...plan.fields,
    });
  }
}

function wrap(ctx: JetStreamContext, o: ResolvedConsumerOptions, m: JsMsg, event: CloudEvent): BusMessage {
  const { metrics, options } = ctx;
  const ensureOpen = (what: string): void => {
    if (ctx.nc.isClosed())
      throw new WeirError('BUS_UNAVAILABLE', `${what}: bus closed`, { details: { reason: 'closed', eventId: event.id } });
  };
  const termWithReason = ctx.serverAtLeast('2.11.0');
  const confirm = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>(
      (_r, reject) => (timer = setTimeout(() => reject(new WeirError('TIMEOUT', 'no answer from NATS')), options.publishTimeoutMs)),
    );
    try {
      await Promise.race([ctx.nc.flush(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  /**
   * Gets an ack/nak/term to the server. One written while disconnected is dropped by the client, and the server would
   * redeliver only after ackWait (stalling a maxAckPending-1 consumer that long), so it waits for the reconnect and
   * sends again; each send is confirmed by a round trip (ackAck, or a flush after the fire-and-forget ones). A send
   * that fails while connected (JetStream stopping or starting: no responders, timeouts) is retried with a short
   * backoff until the server would redeliver anyway (ackWait).
   */
  const settle = async (what: string, send: () => Promise<unknown>): Promise<void> => {
    const deadline = Date.now() + o.ackWaitMs;
    let delay = 100;
    for (;;) {
      ensureOpen(what);
      if (ctx.state() !== 'up' && !(await ctx.untilConnected(o.signal))) {
        const reason = ctx.state() === 'closed' ? 'closed' : 'disconnected';
        throw new WeirError('BUS_UNAVAILABLE', `${what}: not connected to NATS`, { details: { reason, eventId: event.id } });
      }
      try {
        await send();
        return;
      } catch (e) {
        if (o.signal.aborted || ctx.nc.isClosed() || Date.now() + delay > deadline) throw busError(e, what, { eventId: event.id });
        if (ctx.state() === 'up') {
          await pause(systemClock, delay, o.signal);
          delay = Math.min(delay * 2, 2000);
        }
      }
    }
  };
  return {
    event,
    seq: m.seq,
    deliveryCount: m.info.deliveryCount,
    ack: async () => {
      await settle('ack', () => m.ackAck({ timeout: options.publishTimeoutMs }));
      metrics.acked++;
    },
    nak: async (delayMs) => {
      await settle('nak', () => {
        m.nak(Math.max(0, Math.round(delayMs ?? o.ackWaitMs)));
        return confirm();
      });
      metrics.nakked++;
    },
    term: async (reason) => {
      await settle('term', () => {
        if (termWithReason && reason !== undefined) m.term(reason);
        else m.term();
        return confirm();
      });
      metrics.termed++;
    },
    working: () => {
      ensureOpen('working');
      m.working();
      return Promise.resolve();
    },
  };
}

function parseEvent(m: JsMsg): CloudEvent | undefined {
  try {
    const e = parseJsonLossless(m.string()) as CloudEvent | null;
    return e !== null && typeof e === 'object' && typeof e.id === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Pulled messages land in our own queue (consume() in callback mode; the server's maxAckPending bounds it), so that
 * on stop the ones never handed out can be nakked and redelivered at once instead of after ackWait.
 */
class PullQueue {
  readonly items: JsMsg[] = [];
  ended = false;
  private wake: (() => void) | undefined;

  push(m: JsMsg): void {
    this.items.push(m);
    this.poke();
  }

  end(): void {
    this.ended = true;
    this.poke();
  }

  poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Resolves when a message arrives, the pull ends, or poke() is called. */
  waitForMore(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  releaseAll(): void {
    for (const m of this.items.splice(0)) m.nak();
  }
}

export async function* consumeJetStream(ctx: JetStreamContext, o: ResolvedConsumerOptions): AsyncGenerator<BusMessage> {
  const { options, metrics } = ctx;
  const log = options.logger;
  const durable = encodeToken(o.durableName);
  const plan = planFilters(ctx, o);
  let backoff = options.reconnectMinMs;
  let ready = false;
  while (!o.signal.aborted && ctx.state() !== 'closed') {
    let msgs: ConsumerMessages | undefined;
    const q = new PullQueue();
    const onAbort = (): void => q.poke();
    try {
      if (!ready) {
        await ensureConsumer(ctx, o, durable, plan);
        ready = true;
      }
      const consumer = await ctx.js.consumers.get(options.streamName, durable);
      msgs = await consumer.consume({ max_messages: Math.min(o.maxAckPending, 256), callback: (m) => q.push(m) });
      let failure: unknown;
      void msgs.closed().then((err) => {
        failure = err;
        q.end();
      });
      o.signal.addEventListener('abort', onAbort, { once: true });
      backoff = options.reconnectMinMs;
      for (;;) {
        if (o.signal.aborted) break;
        const m = q.items.shift();
        if (m === undefined) {
          if (q.ended) {
            if (failure instanceof Error) throw failure;
            break;
          }
          await q.waitForMore();
          continue;
        }
        const event = parseEvent(m);
        if (event === undefined) {
          log.error({ consumer: o.durableName, seq: m.seq, subject: m.subject }, 'event bus: message is not a CloudEvent; terminating it');
          m.term();
          continue;
        }
        if (plan.clientSide && !o.filters.some((f) => matchesFilter(f, event.source, event.subject))) {
          m.ack();
          continue;
        }
        metrics.delivered++;
        if (m.info.deliveryCount > 1) metrics.redelivered++;
        yield wrap(ctx, o, m, event);
      }
    } catch (e) {
      if (o.signal.aborted || ctx.state() === 'closed') break;
      // The consumer may have been deleted (or the stream re-created): set it up again on the next round.
      ready = false;
      log.warn({ consumer: o.durableName, err: errorMessage(e) }, 'event bus: consumer interrupted; retrying');
    } finally {
      o.signal.removeEventListener('abort', onAbort);
      msgs?.stop();
      if (!ctx.nc.isClosed() && q.items.length > 0) {
        // The UNSUB of the pull inbox must reach the server before the naks, or it redelivers them to the dead pull.
        await ctx.nc.flush().catch(() => undefined);
        q.releaseAll();
      }
    }
    if (!o.signal.aborted && ctx.state() !== 'closed') {
      await pause(systemClock, backoff, o.signal);
      backoff = Math.min(options.reconnectMaxMs, backoff * 2);
    }
  }
  if (ctx.state() === 'closed' && !o.signal.aborted) {
    throw busError(new WeirError('BUS_UNAVAILABLE', 'consume: bus closed', { details: { reason: 'closed' } }), 'consume');
  }
}
