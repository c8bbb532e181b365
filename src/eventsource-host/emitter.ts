// Turns an adapter's `emit()` into a bus publish: EventSource filter expression, CloudEvent envelope with a
// deterministic id (`<namespace>/<eventSource>/<event>/<adapter id>`), bounded or until-acked retries, and the
// per-event counters behind the host's status.
import { randomUUID } from 'node:crypto';
import type { EventBus } from '../bus/types.js';
import { makeCloudEvent } from '../core/cloudevent.js';
import { NonRetryableError, toWeirError, WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { evalExpr, parseExpr } from '../expr/expr.js';
import type { ExprNode } from '../expr/expr.js';
import type { Clock } from '../core/clock.js';
import type { Emit, EmitInput } from '../api/eventsource-adapter.js';
import { toPlainJson } from '../core/json-lossless.js';

/** Counters and last-seen facts of one running event. */
export interface EventCounters {
  published: number;
  duplicates: number;
  filtered: number;
  failed: number;
  lastEventTime?: string;
  lastEventId?: string;
  lastError?: { message: string; time: string };
}

export interface EmitterOptions {
  bus: EventBus;
  namespace: string;
  eventSource: string;
  eventName: string;
  kind: string;
  /** Argo EventSourceFilter expression over the payload; false (or an evaluation error) drops the event. */
  filter?: string;
  counters: EventCounters;
  log: Logger;
  clock: Clock;
  signal: AbortSignal;
  publishTimeoutMs: number;
  /** Quick attempts for a plain emit. */
  attempts: number;
  /** First retry delay; doubles up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
}

const NOT_RETRIED = new Set(['INVALID_SPEC', 'CANCELLED', 'EXPRESSION_ERROR']);

/** Parses a filter expression once; INVALID_SPEC naming the problem. */
export function compileFilter(expression: string | undefined): ExprNode | undefined {
  if (expression === undefined || expression.trim() === '') return undefined;
  try {
    return parseExpr(expression);
  } catch (e) {
    throw new WeirError('INVALID_SPEC', `filter.expression: ${errorMessage(e)}`, { cause: e });
  }
}

export function createEmit(o: EmitterOptions): Emit {
  const filter = compileFilter(o.filter);
  const prefix = `${o.namespace}/${o.eventSource}/${o.eventName}/`;
  const fields = { eventSource: o.eventSource, eventName: o.eventName };

  const passes = (input: EmitInput, id: string): boolean => {
    if (filter === undefined) return true;
    const plain = toPlainJson(input.data);
    const env = plain !== null && typeof plain === 'object' && !Array.isArray(plain) ? (plain as Record<string, unknown>) : {};
    try {
      return evalExpr(filter, env) === true;
    } catch (e) {
      o.counters.lastError = { message: `filter: ${errorMessage(e)}`, time: new Date(o.clock.now()).toISOString() };
      o.log.warn({ ...fields, eventId: id, err: errorMessage(e) }, 'filter expression failed; event dropped');
      return false;
    }
  };

  return async (input, opts = {}) => {
    const id = input.id !== undefined ? prefix + input.id : randomUUID();
    if (!passes(input, id)) {
      o.counters.filtered++;
      o.log.debug({ ...fields, eventId: id }, 'event filtered out');
      return { id, duplicate: false, filtered: true };
    }
    const time = input.time ?? new Date(o.clock.now());
    const event = makeCloudEvent({
      id,
      source: o.eventSource,
      subject: input.subject ?? o.eventName,
      type: o.kind,
      time: time.toISOString(),
      data: input.data,
      ...(input.datacontenttype !== undefined ? { datacontenttype: input.datacontenttype } : {}),
    });
    let delay = o.backoffMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const ack = await o.bus.publish(event, { signal: o.signal, timeoutMs: o.publishTimeoutMs });
        if (ack.duplicate) o.counters.duplicates++;
        else o.counters.published++;
        o.counters.lastEventTime = event.time;
        o.counters.lastEventId = id;
        o.log.info({ ...fields, eventId: id, seq: ack.seq, duplicate: ack.duplicate || undefined }, 'event published');
        return { id, duplicate: ack.duplicate, filtered: false };
      } catch (e) {
        const err = o.signal.aborted ? new WeirError('CANCELLED', 'event source stopped', { cause: e }) : toWeirError(e, 'BUS_UNAVAILABLE');
        const final = err instanceof NonRetryableError || NOT_RETRIED.has(err.code) || (!opts.untilAcked && attempt >= o.attempts);
        if (final) {
          o.counters.failed++;
          o.counters.lastError = { message: err.message, time: new Date(o.clock.now()).toISOString() };
          o.log.error({ ...fields, eventId: id, code: err.code, err: err.message }, 'event not published');
          throw err;
        }
        o.log.warn({ ...fields, eventId: id, code: err.code, err: err.message, attempt, retryInMs: delay }, 'publish failed; retrying');
        await o.clock.sleep(delay, o.signal).catch((sleepErr: unknown) => {
          o.counters.failed++;
          throw toWeirError(sleepErr, 'CANCELLED');
        });
        delay = Math.min(delay * 2, o.maxBackoffMs);
      }
    }
  };
}
