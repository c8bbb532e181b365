// Logs of event sources and sensors as argo-server streams them (NDJSON, `{"result": LogEntry}` per line):
//   GET /api/v1/stream/event-sources/{ns}/logs  name, eventSourceType, eventName, grep, podLogOptions.*
//   GET /api/v1/stream/sensors/{ns}/logs        name, triggerName, grep, podLogOptions.*
// podLogOptions: follow (stay open for new records until the client leaves or the server drains), tailLines (the
// last N records that pass the filters), sinceSeconds. Without `name`, every event source / sensor of the namespace.
// As in Argo (which selects pods by label), an unknown namespace or name is no error: the stream is empty (and with
// follow stays open, showing records once such an event source or sensor logs). Unlike Argo, `grep` is a plain
// substring, never a regular expression built from the request.
import { WeirError } from '../core/errors.js';
import type { ComponentLogEntry, ComponentLogs } from './component-logs.js';
import { boolParam, intParam } from './http.js';
import { startStream, writeResult } from './ndjson.js';
import { STREAMED } from './router.js';
import type { RouteContext, Router } from './router.js';
import { namespaceOf } from './routes-common.js';

/** Records queued for a slow follower before the oldest are dropped. */
const MAX_FOLLOW_QUEUE = 10_000;

interface Kind {
  book(ctx: RouteContext): ComponentLogs | undefined;
  /** Query parameters compared for equality with entry fields. */
  fields: Readonly<Record<string, keyof ComponentLogEntry>>;
  result(e: ComponentLogEntry): Record<string, unknown>;
}

const opt = <K extends string>(k: K, v: string | undefined): Partial<Record<K, string>> =>
  v === undefined ? {} : ({ [k]: v } as Record<K, string>);

const EVENT_SOURCES: Kind = {
  book: (ctx) => ctx.opts.componentLogs?.eventSources,
  fields: { eventSourceType: 'eventSourceType', eventName: 'eventName' },
  result: (e) => ({
    namespace: e.namespace,
    eventSourceName: e.name,
    ...opt('eventSourceType', e.eventSourceType),
    ...opt('eventName', e.eventName),
    level: e.level,
    time: e.time,
    msg: e.msg,
  }),
};

const SENSORS: Kind = {
  book: (ctx) => ctx.opts.componentLogs?.sensors,
  fields: { triggerName: 'triggerName' },
  result: (e) => ({
    namespace: e.namespace,
    sensorName: e.name,
    ...opt('triggerName', e.triggerName),
    ...opt('dependencyName', e.dependencyName),
    level: e.level,
    time: e.time,
    msg: e.msg,
  }),
};

/** Resolves when the function handed to `arm` is called or the signal aborts. */
function waitFor(signal: AbortSignal, arm: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    arm(done);
  });
}

async function streamComponentLogs(ctx: RouteContext, kind: Kind): Promise<typeof STREAMED> {
  const ns = namespaceOf(ctx);
  const q = ctx.query;
  const name = q.get('name') || undefined;
  const equal = Object.entries(kind.fields).flatMap(([param, field]) => {
    const v = q.get(param);
    return v === null || v === '' ? [] : [[field, v] as const];
  });
  const grep = q.get('grep') ?? '';
  const follow = boolParam(q, 'podLogOptions.follow');
  const tail = intParam(q, 'podLogOptions.tailLines');
  const sinceSeconds = intParam(q, 'podLogOptions.sinceSeconds');
  if (q.get('podLogOptions.sinceTime'))
    throw new WeirError('INVALID_ARGUMENT', 'podLogOptions.sinceTime is not supported here; use podLogOptions.sinceSeconds');
  const since = sinceSeconds === undefined ? undefined : new Date(ctx.opts.clock.now() - sinceSeconds * 1000).toISOString();
  const matches = (e: ComponentLogEntry): boolean =>
    e.namespace === ns &&
    (name === undefined || e.name === name) &&
    equal.every(([f, v]) => e[f] === v) &&
    (since === undefined || e.time >= since) &&
    (grep === '' || e.msg.includes(grep));

  const book = kind.book(ctx);
  const signal = ctx.signal;
  const queue: ComponentLogEntry[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe =
    follow && book !== undefined
      ? book.subscribe((e) => {
          if (!matches(e)) return;
          queue.push(e);
          if (queue.length > MAX_FOLLOW_QUEUE) queue.shift();
          wake?.();
        })
      : undefined;
  startStream(ctx.res);
  try {
    const past = (book?.snapshot(ns, name) ?? []).filter(matches);
    const seen = past.length > 0 ? past[past.length - 1].seq : 0;
    for (const e of tail === undefined ? past : tail === 0 ? [] : past.slice(-tail)) await writeResult(ctx.res, kind.result(e), signal);
    if (!follow) return STREAMED;
    while (!signal.aborted) {
      const e = queue.shift();
      if (e === undefined) {
        await waitFor(signal, (w) => (wake = w));
        wake = undefined;
        continue;
      }
      if (e.seq > seen) await writeResult(ctx.res, kind.result(e), signal);
    }
  } finally {
    unsubscribe?.();
    if (!ctx.res.writableEnded) ctx.res.end();
  }
  return STREAMED;
}

export function componentLogRoutes(r: Router): void {
  r.get('/api/v1/stream/event-sources/:namespace/logs', (ctx) => streamComponentLogs(ctx, EVENT_SOURCES));
  r.get('/api/v1/stream/sensors/:namespace/logs', (ctx) => streamComponentLogs(ctx, SENSORS));
}
