// Turns an adapter's `emit()` into a bus publish: EventSource filter expression, CloudEvent envelope with a
// deterministic id (`<namespace>/<eventSource>/<event>/<adapter id>`), bounded or until-acked retries, and the
// per-event counters behind the host's status. `emitBatch` does the same for many events with one bus batch publish.
// Published events are logged through publish-log.ts (one info line each while quiet, a count per window when busy).
import { randomUUID } from 'node:crypto';
import type { BatchPublishResult, EventBus, PublishAck } from '../bus/types.js';
import { makeCloudEvent } from '../core/cloudevent.js';
import type { CloudEvent } from '../core/cloudevent.js';
import { NonRetryableError, toWeirError, WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { evalExpr, parseExpr } from '../expr/expr.js';
import type { ExprNode } from '../expr/expr.js';
import type { Clock } from '../core/clock.js';
import type { Emit, EmitBatch, EmitInput, EmitOptions, EmitResult } from '../api/eventsource-adapter.js';
import { toPlainJson } from '../core/json-lossless.js';
import { createPublishLog } from './publish-log.js';

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

/** The adapter's `emit` and `emitBatch`, sharing one filter, id scheme, counters and retry policy. */
export function createEmitter(o: EmitterOptions): { emit: Emit; emitBatch: EmitBatch } {
  const filter = compileFilter(o.filter);
  const prefix = `${o.namespace}/${o.eventSource}/${o.eventName}/`;
  const fields = { eventSource: o.eventSource, eventName: o.eventName };
  const now = (): string => new Date(o.clock.now()).toISOString();
  // One info line per event at low rates, a count per window at high ones (publish-log.ts).
  const logPublished = createPublishLog({ log: o.log, clock: o.clock, signal: o.signal, fields });

  const passes = (input: EmitInput, id: string): boolean => {
    if (filter === undefined) return true;
    const plain = toPlainJson(input.data);
    const env = plain !== null && typeof plain === 'object' && !Array.isArray(plain) ? (plain as Record<string, unknown>) : {};
    try {
      return evalExpr(filter, env) === true;
    } catch (e) {
      o.counters.lastError = { message: `filter: ${errorMessage(e)}`, time: now() };
      o.log.warn({ ...fields, eventId: id, err: errorMessage(e) }, 'filter expression failed; event dropped');
      return false;
    }
  };

  /** The CloudEvent for an input, or undefined when the filter drops it; `received`: the time of one without its own. */
  const envelope = (input: EmitInput, received?: string): { id: string; event?: CloudEvent } => {
    const id = input.id !== undefined ? prefix + input.id : randomUUID();
    if (!passes(input, id)) {
      o.counters.filtered++;
      o.log.debug({ ...fields, eventId: id }, 'event filtered out');
      return { id };
    }
    const event = makeCloudEvent({
      id,
      source: o.eventSource,
      subject: input.subject ?? o.eventName,
      type: o.kind,
      time: input.time !== undefined ? input.time.toISOString() : (received ?? now()),
      data: input.data,
      ...(input.datacontenttype !== undefined ? { datacontenttype: input.datacontenttype } : {}),
    });
    return { id, event };
  };

  const published = (event: CloudEvent, ack: PublishAck): EmitResult => {
    if (ack.duplicate) o.counters.duplicates++;
    else o.counters.published++;
    o.counters.lastEventTime = event.time;
    o.counters.lastEventId = event.id;
    logPublished(event.id, ack.seq, ack.duplicate);
    return { id: event.id, duplicate: ack.duplicate, filtered: false };
  };

  /** The error as the adapter sees it, and whether no further attempt is made. */
  const judge = (e: unknown, attempt: number, opts: EmitOptions): { err: WeirError; final: boolean } => {
    const err = o.signal.aborted ? new WeirError('CANCELLED', 'event source stopped', { cause: e }) : toWeirError(e, 'BUS_UNAVAILABLE');
    const final = err instanceof NonRetryableError || NOT_RETRIED.has(err.code) || (!opts.untilAcked && attempt >= o.attempts);
    return { err, final };
  };

  const giveUp = (id: string, err: WeirError): WeirError => {
    o.counters.failed++;
    o.counters.lastError = { message: err.message, time: now() };
    o.log.error({ ...fields, eventId: id, code: err.code, err: err.message }, 'event not published');
    return err;
  };

  const pause = (delay: number): Promise<void> =>
    o.clock.sleep(delay, o.signal).catch((sleepErr: unknown) => {
      o.counters.failed++;
      throw toWeirError(sleepErr, 'CANCELLED');
    });

  const publishAll = (events: readonly CloudEvent[]): Promise<BatchPublishResult[]> => {
    // Adapters need each event stored, not its position: the bus may acknowledge the batch as a whole.
    const po = { signal: o.signal, timeoutMs: o.publishTimeoutMs, ackPerBatch: true };
    if (o.bus.publishBatch !== undefined) return o.bus.publishBatch(events, po);
    return Promise.all(
      events.map((e) =>
        o.bus.publish(e, po).then(
          (ack): BatchPublishResult => ({ ok: true, ack }),
          (error: unknown): BatchPublishResult => ({ ok: false, error: error instanceof Error ? error : new Error(errorMessage(error)) }),
        ),
      ),
    );
  };

  const emit: Emit = async (input, opts = {}) => {
    const { id, event } = envelope(input);
    if (event === undefined) return { id, duplicate: false, filtered: true };
    let delay = o.backoffMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return published(event, await o.bus.publish(event, { signal: o.signal, timeoutMs: o.publishTimeoutMs }));
      } catch (e) {
        const { err, final } = judge(e, attempt, opts);
        if (final) throw giveUp(id, err);
        o.log.warn({ ...fields, eventId: id, code: err.code, err: err.message, attempt, retryInMs: delay }, 'publish failed; retrying');
        await pause(delay);
        delay = Math.min(delay * 2, o.maxBackoffMs);
      }
    }
  };

  const emitBatch: EmitBatch = async (inputs, opts = {}) => {
    const results = new Array<EmitResult>(inputs.length);
    let pending: { i: number; event: CloudEvent }[] = [];
    // The events of one batch were received together: one timestamp for those that carry none.
    const received = now();
    inputs.forEach((input, i) => {
      const { id, event } = envelope(input, received);
      if (event === undefined) results[i] = { id, duplicate: false, filtered: true };
      else pending.push({ i, event });
    });
    let delay = o.backoffMs;
    for (let attempt = 1; pending.length > 0; attempt++) {
      let outcomes: BatchPublishResult[];
      try {
        outcomes = await publishAll(pending.map((p) => p.event));
      } catch (e) {
        // Only a cancellation rejects the whole batch.
        throw giveUp(pending[0].event.id, judge(e, attempt, opts).err);
      }
      const again: typeof pending = [];
      let last: WeirError | undefined;
      for (let k = 0; k < pending.length; k++) {
        const r = outcomes[k];
        if (r.ok) {
          results[pending[k].i] = published(pending[k].event, r.ack);
          continue;
        }
        const { err, final } = judge(r.error, attempt, opts);
        if (final) throw giveUp(pending[k].event.id, err);
        again.push(pending[k]);
        last = err;
      }
      if (again.length > 0 && last !== undefined) {
        o.log.warn(
          { ...fields, eventId: again[0].event.id, events: again.length, code: last.code, err: last.message, attempt, retryInMs: delay },
          'publish failed; retrying',
        );
        await pause(delay);
        delay = Math.min(delay * 2, o.maxBackoffMs);
      }
      pending = again;
    }
    return results;
  };

  return { emit, emitBatch };
}
