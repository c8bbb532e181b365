// Maps errors from the nats.js client to WeirError: connection loss, timeouts and missing responders are
// BUS_UNAVAILABLE with a `reason` detail; a full stream (discard: new) is BUS_UNAVAILABLE with reason `full`.
import {
  ClosedConnectionError,
  ConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/nats-core';
import { JetStreamApiError } from '@nats-io/jetstream';
import { WeirError, errorMessage } from '../core/errors.js';

/** JetStream API error codes Weir reacts to. */
export const JS_CODES = {
  wrongLastSequence: 10071,
  wrongLastSequenceUnknown: 10164,
  maxMessagesExceeded: 10077,
  maxBytesExceeded: 10078,
  streamNotFound: 10059,
  consumerNotFound: 10014,
} as const;

export type BusFailureReason = 'disconnected' | 'timeout' | 'full' | 'no-stream' | 'closed' | 'error';

export function isFullError(e: unknown): boolean {
  if (e instanceof JetStreamApiError)
    return e.code === JS_CODES.maxMessagesExceeded || e.code === JS_CODES.maxBytesExceeded || /maximum (messages|bytes)/i.test(e.message);
  return e instanceof Error && /maximum (messages|bytes)/i.test(e.message);
}

export function isWrongSequence(e: unknown): boolean {
  if (e instanceof JetStreamApiError && (e.code === JS_CODES.wrongLastSequence || e.code === JS_CODES.wrongLastSequenceUnknown))
    return true;
  return e instanceof Error && /wrong last sequence|key exists/i.test(e.message);
}

export function isNotFound(e: unknown, code: number): boolean {
  return e instanceof JetStreamApiError && e.code === code;
}

export function failureReason(e: unknown): BusFailureReason {
  if (isFullError(e)) return 'full';
  if (e instanceof TimeoutError) return 'timeout';
  if (e instanceof RequestError && e.isNoResponders()) return 'no-stream';
  if (e instanceof NoRespondersError) return 'no-stream';
  if (e instanceof ClosedConnectionError || e instanceof DrainingConnectionError) return 'closed';
  if (e instanceof ConnectionError) return 'disconnected';
  if (e instanceof RequestError && e.cause instanceof TimeoutError) return 'timeout';
  return 'error';
}

/** A nats.js failure as a WeirError; `what` says which operation failed. */
export function busError(e: unknown, what: string, details: Record<string, unknown> = {}): WeirError {
  if (e instanceof WeirError) return e;
  const reason = failureReason(e);
  const msg = errorMessage(e);
  if (reason === 'error' && e instanceof JetStreamApiError) {
    return new WeirError('INTERNAL', `${what}: ${msg}`, { cause: e, details: { ...details, jsCode: e.code } });
  }
  const text = reason === 'full' ? `${what}: bus full (${msg})` : `${what}: ${reason === 'error' ? msg : `${reason} (${msg})`}`;
  return new WeirError('BUS_UNAVAILABLE', text, { cause: e, details: { ...details, reason } });
}
