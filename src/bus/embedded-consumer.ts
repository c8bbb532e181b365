// Durable consumers of the embedded bus: each round hands out a batch from EventLog.dispatch (due redeliveries
// first, then new events after the consumer's cursor, within maxAckPending) and then sleeps until the next commit,
// the next pending message falls due, or the poll interval. ack/nak/term/working are group-committed writes.
// Messages of a batch not yet handed out when the consumer stops are made due at once (like a nak without delay).
import type { CloudEvent } from '../core/cloudevent.js';
import { WeirError } from '../core/errors.js';
import type { ResolvedConsumerOptions } from './bus-options.js';
import type { EmbeddedBus } from './embedded-bus.js';
import type { Delivery } from './embedded-log.js';
import type { BusMessage } from './types.js';
import { parseJsonLossless } from '../core/json-lossless.js';

const BATCH = 32;
/** Consumer bookkeeping: losing it to a power cut means a redelivery, never a lost event (see group-commit.ts). */
const ND = { durable: false } as const;

function message(bus: EmbeddedBus, o: ResolvedConsumerOptions, d: Delivery, event: CloudEvent): BusMessage {
  const { counters, log, writes, options } = bus;
  const name = o.durableName;
  return {
    event,
    seq: d.seq,
    deliveryCount: d.deliveries,
    ack: async () => {
      await writes.submit(() => log.settle(name, d.seq), ND);
      counters.acked++;
    },
    nak: async (delayMs) => {
      const delay = Math.max(0, delayMs ?? o.ackWaitMs);
      await writes.submit(() => log.reschedule(name, d.seq, options.clock.now() + delay), ND);
      counters.nakked++;
    },
    term: async (reason) => {
      await writes.submit(() => log.settle(name, d.seq), ND);
      counters.termed++;
      options.logger.debug({ consumer: name, eventId: event.id, seq: d.seq, reason }, 'event bus: message terminated');
    },
    working: async () => {
      await writes.submit(() => log.reschedule(name, d.seq, options.clock.now() + o.ackWaitMs), ND);
    },
  };
}

export async function* consumeEmbedded(bus: EmbeddedBus, o: ResolvedConsumerOptions): AsyncGenerator<BusMessage> {
  const { log, writes, options, counters } = bus;
  const cfg = { name: o.durableName, ackWaitMs: o.ackWaitMs, maxDeliver: o.maxDeliver, maxAckPending: o.maxAckPending };
  await writes.submit(() => log.upsertConsumer(o.durableName, [...o.filters], o.deliverPolicy, options.clock.now()));
  let batch: Delivery[] = [];
  try {
    while (!o.signal.aborted && !bus.isClosed()) {
      const r = await writes.submit(() => log.dispatch(cfg, o.filters, BATCH, options.clock.now()), ND);
      for (const seq of r.gaveUp) {
        counters.maxDeliverExceeded++;
        options.logger.warn(
          { consumer: o.durableName, seq, deliveries: o.maxDeliver },
          'event bus: message given up after maxDeliver deliveries',
        );
      }
      const got = r.out.length;
      batch = [...r.out];
      while (batch.length > 0) {
        if (o.signal.aborted) return;
        const d = batch.shift()!;
        let event: CloudEvent;
        try {
          event = parseJsonLossless(d.body) as CloudEvent;
        } catch {
          options.logger.error({ consumer: o.durableName, seq: d.seq }, 'event bus: stored event is not JSON; terminating it');
          await writes.submit(() => log.settle(o.durableName, d.seq), ND);
          continue;
        }
        counters.delivered++;
        if (d.deliveries > 1) counters.redelivered++;
        yield message(bus, o, d, event);
      }
      if (got > 0 || r.gaveUp.length > 0) continue;
      const untilDue = r.nextDue === undefined ? Infinity : r.nextDue - options.clock.now();
      await bus.waitForChange(Math.min(options.pollIntervalMs, untilDue), o.signal);
    }
  } catch (e) {
    if (bus.isClosed() && !o.signal.aborted)
      throw new WeirError('BUS_UNAVAILABLE', 'consume: bus closed', { cause: e, details: { reason: 'closed' } });
    if (!o.signal.aborted) throw e;
  } finally {
    if (batch.length > 0 && !bus.isClosed()) {
      const left = batch.map((d) => d.seq);
      await writes
        .submit(() => {
          for (const seq of left) log.reschedule(o.durableName, seq, 0);
        }, ND)
        .catch(() => undefined);
    }
  }
  if (bus.isClosed() && !o.signal.aborted) throw new WeirError('BUS_UNAVAILABLE', 'consume: bus closed', { details: { reason: 'closed' } });
}
