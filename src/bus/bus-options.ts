// Option and input checks shared by both bus implementations: durations and byte sizes from EventBus specs,
// consumer options with their defaults, and the event checks done before a publish.
import type { CloudEvent } from '../core/cloudevent.js';
import { parseGoDuration } from '../core/duration.js';
import { WeirError, errorMessage } from '../core/errors.js';
import type { ConsumerOptions } from './types.js';

export function badOption(component: string, field: string, why: string): WeirError {
  return new WeirError('INVALID_ARGUMENT', `${component} option ${field}: ${why}`, { details: { field } });
}

/** A Go duration string ("72h") or a number of milliseconds; undefined stays undefined. */
export function durationMs(component: string, field: string, v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw badOption(component, field, 'must be a non-negative number of milliseconds');
    return v;
  }
  try {
    const ms = parseGoDuration(v);
    if (ms < 0) throw badOption(component, field, 'must not be negative');
    return ms;
  } catch (e) {
    throw e instanceof WeirError && e.code === 'INVALID_ARGUMENT' ? e : badOption(component, field, errorMessage(e));
  }
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
  Ti: 1024 ** 4,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
};

/** Bytes from an integer or a Kubernetes-style quantity ("1Gi", "500M"); -1 means unlimited. */
export function byteSize(component: string, field: string, v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < -1) throw badOption(component, field, 'must be an integer (-1 = unlimited)');
    return v;
  }
  const m = /^\s*(-1|\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(v);
  const unit = m ? SIZE_UNITS[m[2]] : undefined;
  if (!m || unit === undefined) throw badOption(component, field, `cannot read size ${JSON.stringify(v)} (use bytes or e.g. 512Mi, 1Gi)`);
  return m[1] === '-1' ? -1 : Math.floor(Number(m[1]) * unit);
}

/** An integer limit where -1 (or undefined) means unlimited; returns -1 for unlimited. */
export function limit(component: string, field: string, v: number | undefined): number {
  if (v === undefined) return -1;
  if (!Number.isSafeInteger(v) || v < -1 || v === 0) throw badOption(component, field, 'must be a positive integer or -1 (unlimited)');
  return v;
}

/** Array check without narrowing (Array.isArray turns a readonly array type into any[]). */
const isList = (v: unknown): boolean => Array.isArray(v);

export interface ResolvedConsumerOptions {
  readonly durableName: string;
  readonly filters: readonly { eventSourceName: string; eventName: string }[];
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly deliverPolicy: 'all' | 'new';
  readonly maxAckPending: number;
  readonly signal: AbortSignal;
}

export function resolveConsumerOptions(o: ConsumerOptions): ResolvedConsumerOptions {
  const c = 'consumer';
  if (typeof o.durableName !== 'string' || o.durableName === '') throw badOption(c, 'durableName', 'a non-empty name is required');
  const given: ConsumerOptions['filters'] = o.filters;
  if (!isList(given) || given.length === 0) throw badOption(c, 'filters', 'at least one { eventSourceName, eventName } pair is required');
  for (const f of given) {
    if (typeof f?.eventSourceName !== 'string' || f.eventSourceName === '' || typeof f.eventName !== 'string' || f.eventName === '') {
      throw badOption(c, 'filters', "each filter needs a non-empty eventSourceName and eventName ('*' for any)");
    }
  }
  const ackWaitMs = o.ackWaitMs ?? 30_000;
  if (!Number.isFinite(ackWaitMs) || ackWaitMs < 1) throw badOption(c, 'ackWaitMs', 'must be a positive number of milliseconds');
  const maxDeliver = o.maxDeliver ?? 0;
  if (!Number.isSafeInteger(maxDeliver) || maxDeliver < 0) throw badOption(c, 'maxDeliver', 'must be 0 (unlimited) or a positive integer');
  const deliverPolicy = o.deliverPolicy ?? 'new';
  if (deliverPolicy !== 'all' && deliverPolicy !== 'new') throw badOption(c, 'deliverPolicy', "must be 'all' or 'new'");
  const maxAckPending = o.maxAckPending ?? 64;
  if (!Number.isSafeInteger(maxAckPending) || maxAckPending < 1) throw badOption(c, 'maxAckPending', 'must be a positive integer');
  if (!(o.signal instanceof AbortSignal)) throw badOption(c, 'signal', 'an AbortSignal is required');
  const seen = new Set<string>();
  const filters = given
    .filter((f) => {
      const k = `${f.eventSourceName}\0${f.eventName}`;
      return seen.has(k) ? false : (seen.add(k), true);
    })
    .map((f) => Object.freeze({ eventSourceName: f.eventSourceName, eventName: f.eventName }));
  return Object.freeze({
    durableName: o.durableName,
    filters: Object.freeze(filters),
    ackWaitMs,
    maxDeliver,
    deliverPolicy,
    maxAckPending,
    signal: o.signal,
  });
}

/** Checks the fields the bus relies on; INVALID_ARGUMENT names the bad one. */
export function checkEvent(e: CloudEvent): void {
  const bad = (field: string, why: string): WeirError =>
    new WeirError('INVALID_ARGUMENT', `cannot publish event: ${field} ${why}`, { details: { field, eventId: e?.id } });
  if (e === null || typeof e !== 'object') throw bad('event', 'must be an object');
  if (typeof e.id !== 'string' || e.id === '') throw bad('id', 'must be a non-empty string');
  if (/[\r\n]/.test(e.id)) throw bad('id', 'must not contain line breaks');
  if (typeof e.source !== 'string' || e.source === '') throw bad('source', 'must be the non-empty EventSource name');
  if (typeof e.subject !== 'string' || e.subject === '') throw bad('subject', 'must be the non-empty event name');
}

/** Rejects with CANCELLED when the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new WeirError('CANCELLED', `${what} cancelled`, { cause: signal.reason });
}
