// Sensor routes for the web UI: the decision log (GET /api/v1/ui/sensors/{ns}/{name}/history, the ConfigMap the
// sensor host writes), an in-browser sensor test (POST .../test with {events: [...]}: the same pure evaluate() the
// host runs, replayed in order as `weir sensor test` does; nothing is created), and lineage search
// (GET /api/v1/ui/lineage?q=TEXT: events on the bus with that id, Idempotency-Key or S3 key — the server's lineage
// index — and events the sensors recorded whose id or payload contains TEXT; each with the sensors' decisions
// about it and the workflows it started, found by the events.weir.dev/events annotation).
import type { Sensor } from '../api/sensor.js';
import type { CloudEvent } from '../core/cloudevent.js';
import { WeirError } from '../core/errors.js';
import { emptySensorState } from '../sensor-host/decisions.js';
import type { Decision } from '../sensor-host/decisions.js';
import { evaluate } from '../sensor-host/evaluate.js';
import { readHistory } from '../sensor-host/history.js';
import type { HistoryRecord, RecordedEvent } from '../sensor-host/history.js';
import { ANNOTATION_EVENTS, LABEL_SENSOR } from '../sensor-host/lineage.js';
import type { Router, RouteContext } from './router.js';
import { getResource, nameOf, namespaceOf } from './routes-common.js';
import { summarise } from './ui-summary.js';
import type { IndexedEvent } from './ui-lineage-index.js';
import type { WorkflowSummary } from './ui-summary.js';

const MAX_TEST_EVENTS = 200;

/** One event of a test request: a CloudEvent, or {eventSourceName, eventName, data}. */
function testEvent(v: unknown, i: number, now: Date): CloudEvent {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new WeirError('INVALID_ARGUMENT', `events[${i}] must be an object`);
  const o = v as Record<string, unknown>;
  const source = typeof o.source === 'string' ? o.source : o.eventSourceName;
  const subject = typeof o.subject === 'string' ? o.subject : o.eventName;
  if (typeof source !== 'string' || typeof subject !== 'string' || source === '' || subject === '') {
    throw new WeirError('INVALID_ARGUMENT', `events[${i}] needs source and subject (or eventSourceName and eventName)`);
  }
  return {
    specversion: '1.0',
    id: typeof o.id === 'string' && o.id !== '' ? o.id : `test-${i + 1}`,
    source,
    subject,
    type: typeof o.type === 'string' ? o.type : 'webhook',
    time: typeof o.time === 'string' ? o.time : now.toISOString(),
    datacontenttype: 'application/json',
    data: o.data,
  };
}

async function sensorTest(ctx: RouteContext): Promise<unknown> {
  const sensor: Sensor = await getResource(ctx, 'Sensor', namespaceOf(ctx), nameOf(ctx));
  const body = await ctx.body();
  if (!Array.isArray(body.events) || body.events.length === 0)
    throw new WeirError('INVALID_ARGUMENT', 'request body needs "events": a non-empty list of events');
  if (body.events.length > MAX_TEST_EVENTS) throw new WeirError('INVALID_ARGUMENT', `at most ${MAX_TEST_EVENTS} events per test`);
  const now = new Date(ctx.opts.clock.now());
  let state = emptySensorState();
  const results: { event: CloudEvent; decisions: Decision[] }[] = [];
  (body.events as unknown[]).forEach((v, i) => {
    const event = testEvent(v, i, now);
    const r = evaluate(sensor, event, state, { now, store: ctx.opts.store.anyKind ? 'kubernetes' : 'embedded' });
    state = r.state;
    results.push({ event, decisions: r.decisions });
  });
  return { results };
}

interface LineageHit {
  /** The sensor that recorded or decided about the event; '' for an event found only on the bus. */
  sensor: string;
  namespace: string;
  event: RecordedEvent | (Omit<IndexedEvent, 'excerpt'> & { data: unknown });
  /** Where the event was found: a sensor's history, the bus-wide index, or both. */
  onBus?: { seq: number };
  decisions: HistoryRecord[];
  workflows: WorkflowSummary[];
}

const MAX_HITS = 50;

/** An indexed event with its excerpt parsed back (a cut excerpt stays a string). */
function busEvent(e: IndexedEvent): Omit<IndexedEvent, 'excerpt'> & { data: unknown } {
  const { excerpt, ...rest } = e;
  let data: unknown = excerpt;
  if (e.truncated !== true) {
    try {
      data = JSON.parse(excerpt);
    } catch {
      data = excerpt;
    }
  }
  return { ...rest, data };
}

async function lineage(ctx: RouteContext): Promise<unknown> {
  const q = (ctx.query.get('q') ?? '').trim();
  if (q.length < 2)
    throw new WeirError(
      'INVALID_ARGUMENT',
      'query parameter q needs at least 2 characters (an event id, S3 key, topic:partition:offset or Idempotency-Key)',
    );
  // The bus-wide index first (exact id, Idempotency-Key or S3 key), then the sensors' histories (also substrings).
  const onBus = new Map((await (ctx.opts.lineage?.lookup(q) ?? Promise.resolve([]))).map((e) => [e.id, e]));
  const sensors = await ctx.opts.store.list('Sensor');
  const hits: LineageHit[] = [];
  const decided = new Set<string>();
  for (const s of sensors.items) {
    const ns = s.metadata.namespace ?? 'default';
    const h = await readHistory(ctx.opts.store, ns, s.metadata.name);
    const recorded = new Map(h.events.map((ev) => [ev.id, ev]));
    const ids = new Set<string>();
    for (const ev of h.events) if (ev.id.includes(q) || JSON.stringify(ev.data ?? null).includes(q)) ids.add(ev.id);
    for (const d of h.decisions) if (onBus.has(d.eventId)) ids.add(d.eventId);
    for (const id of ids) {
      if (hits.length >= MAX_HITS) break;
      const indexed = onBus.get(id);
      const event = recorded.get(id) ?? (indexed ? busEvent(indexed) : undefined);
      if (!event) continue;
      decided.add(id);
      hits.push({
        sensor: s.metadata.name,
        namespace: ns,
        event,
        ...(indexed ? { onBus: { seq: indexed.seq } } : {}),
        decisions: h.decisions.filter((d) => d.eventId === id),
        workflows: [],
      });
    }
  }
  for (const e of onBus.values()) {
    if (hits.length >= MAX_HITS) break;
    if (!decided.has(e.id))
      hits.push({ sensor: '', namespace: '', event: busEvent(e), onBus: { seq: e.seq }, decisions: [], workflows: [] });
  }
  if (hits.length > 0) {
    const ids = new Set(hits.map((h) => h.event.id));
    const wfs = await ctx.opts.store.list('Workflow', { labelSelector: LABEL_SENSOR, order: 'newest', limit: 5000 });
    for (const wf of wfs.items) {
      let events: Record<string, string>;
      try {
        events = JSON.parse(wf.metadata.annotations?.[ANNOTATION_EVENTS] ?? '{}') as Record<string, string>;
      } catch {
        continue;
      }
      for (const id of Object.values(events)) {
        if (!ids.has(id)) continue;
        for (const h of hits) if (h.event.id === id) h.workflows.push(summarise(wf));
      }
    }
  }
  return { query: q, indexed: ctx.opts.lineage !== undefined, hits };
}

export function uiSensorRoutes(r: Router): void {
  r.get('/api/v1/ui/sensors/:namespace/:name/history', async (ctx) => {
    const ns = namespaceOf(ctx);
    const name = nameOf(ctx);
    await getResource(ctx, 'Sensor', ns, name);
    return readHistory(ctx.opts.store, ns, name);
  });
  r.post('/api/v1/ui/sensors/:namespace/:name/test', sensorTest);
  r.get('/api/v1/ui/lineage', lineage);
}
