// Shared pieces of the EventBus conformance suite (conformance.ts and its themed files): the bus factory type,
// CloudEvent builder, a background consumer that records what it receives, and small assertion helpers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { WeirError } from '../../src/core/errors.js';
import type { BusMessage, ConsumerOptions, EventBus } from '../../src/bus/types.js';
import { eventually } from '../helpers/eventually.js';

export type MakeBus = (key: string) => Promise<EventBus>;

export { eventually };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function event(source: string, name: string, data: unknown = {}, id: string = randomUUID()): CloudEvent {
  return makeCloudEvent({ id, source, subject: name, type: 'webhook', time: new Date().toISOString(), data });
}

export interface Received {
  msg: BusMessage;
  at: number;
}

export interface Collector {
  readonly received: Received[];
  ids(): string[];
  /** Resolves when the consumer loop has ended (after stop()). */
  stop(): Promise<void>;
  /** The error the loop ended with, if any. */
  error(): unknown;
}

/** Consumes in the background; `handle` decides what to do with each message (default: ack). */
export function collect(
  bus: EventBus,
  opts: Omit<ConsumerOptions, 'signal'>,
  handle: (m: BusMessage) => Promise<void> = (m) => m.ack(),
): Collector {
  const ac = new AbortController();
  const received: Received[] = [];
  let failure: unknown;
  const loop = (async () => {
    for await (const msg of bus.consume({ ...opts, signal: ac.signal })) {
      received.push({ msg, at: Date.now() });
      await handle(msg);
    }
  })().catch((e: unknown) => {
    failure = e;
  });
  return {
    received,
    ids: () => received.map((r) => r.msg.event.id),
    stop: async () => {
      ac.abort();
      await loop;
    },
    error: () => failure,
  };
}

/** Every event: a consumer filter that selects all. */
export const all = [{ eventSourceName: '*', eventName: '*' }];

/** A short unique suffix for bus keys, durable names and sources. */
export const uniq = (): string => randomUUID().slice(0, 8);

export async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof WeirError && e.code === code);
}
