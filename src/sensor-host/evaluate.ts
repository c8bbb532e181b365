// The pure heart of a sensor: evaluate(sensor, event, state) → { decisions, state }. Matches the event to
// dependencies (eventSourceName/eventName = CloudEvent source/subject), applies transforms and filters, then per
// trigger combines it with the saved partial state under the trigger's `conditions` (Argo Events' JetStream
// semantics: without `&` a trigger fires on each matching event; with `&` the latest event per dependency is kept
// until the conditions hold, then the trigger fires with all of them and its state is cleared). Firing plans the
// action (parameters resolved) with a deterministic key. Time comes from `opts.now`; no I/O.
import type { CloudEvent } from '../core/cloudevent.js';
import { parseSchedule } from '../core/cron.js';
import type { Schedule } from '../core/cron.js';
import { evaluateWithParams } from '../expr/govaluate.js';
import type { Sensor, EventDependency } from '../api/sensor.js';
import { KIND_IDENTITY, isKindName } from '../core/kinds.js';
import { conditionNames, evaluateConditions, parseConditions } from '../api/sensor-conditions.js';
import type { ConditionsAst } from '../api/sensor-conditions.js';
import { applyFilters } from '../../sensors/filters/registry.js';
import { applyTransform } from '../../sensors/filters/transform.js';
import { loadLua } from '../../sensors/common/lua-sandbox.js';
import { loadJq } from '../../sensors/common/jq.js';
import type { FilterContext } from '../../sensors/filters/types.js';
import { applyParams } from '../../sensors/parameters.js';
import type { Parameter } from '../../sensors/parameters.js';
import { triggerAdapterFor } from '../../sensors/triggers/registry.js';
import type { Decision, SensorState, TriggerState } from './decisions.js';
import { MAX_CONSUMED, MAX_FIRED, emptyTriggerState } from './decisions.js';
import { firingKey, lineageOf } from './lineage.js';
import type { TriggerPlan } from '../../sensors/triggers/types.js';
import { errorMessage } from '../core/errors.js';

export interface EvaluateOptions {
  /** The processing time (decides conditionsReset and is stamped on decisions). */
  now: Date;
  /**
   * The store the triggers act on: `embedded` (default; `k8s` triggers only create Weir's kinds) or `kubernetes` (an
   * API server: any kind, every operation). The server passes its own; `weir sensor test --store kubernetes` too.
   */
  store?: StoreMode;
}

export type StoreMode = 'embedded' | 'kubernetes';

/** What the embedded store holds: Weir's kinds (by kind, and apiVersion when given). */
const embeddedStore = {
  holds: (apiVersion: string, kind: string): boolean =>
    isKindName(kind) && (apiVersion === '' || KIND_IDENTITY[kind].apiVersion === apiVersion),
};

export interface EvaluateResult {
  decisions: Decision[];
  state: SensorState;
  /** Names of the triggers whose state changed (the host persists only those). */
  changed: string[];
  /** The events behind each `triggered` decision, by firing key (for execution and dead-letter triggers). */
  firings: Record<string, Record<string, CloudEvent>>;
}

const filterContext: FilterContext = { evalExpr: (src, env) => evaluateWithParams(src, env) };

const iso = (d: Date): string => d.toISOString();

interface CompiledTrigger {
  name: string;
  deps: string[];
  ast: ConditionsAst;
  requiresAnd: boolean;
  resets: Schedule[];
}

const compiled = new WeakMap<object, CompiledTrigger[]>();

/** Parses conditions and reset schedules once per sensor spec object. */
function compileTriggers(sensor: Sensor): CompiledTrigger[] {
  const hit = compiled.get(sensor.spec);
  if (hit) return hit;
  const allDeps = sensor.spec.dependencies.map((d) => d.name);
  const out = sensor.spec.triggers.map((t): CompiledTrigger => {
    const cond = (t.template.conditions ?? '').trim() || allDeps.join(' && ');
    const ast = parseConditions(cond);
    const resets = (t.template.conditionsReset ?? [])
      .map((r) => r.byTime)
      .filter((b): b is { cron: string; timezone?: string } => typeof b?.cron === 'string' && b.cron !== '')
      .map((b) => parseSchedule(b.cron, b.timezone || undefined));
    const deps = t.template.conditions?.trim() ? conditionNames(ast).map((n) => n.name) : allDeps;
    return { name: t.template.name, deps, ast, requiresAnd: cond.includes('&'), resets };
  });
  compiled.set(sensor.spec, out);
  return out;
}

/** Loads what a sensor's filters and transforms need before its first event (the Lua VM, the jq worker). */
export async function prepareSensor(sensor: Sensor): Promise<void> {
  const deps = sensor.spec.dependencies;
  if (deps.some((d) => (typeof d.filters?.script === 'string' && d.filters.script !== '') || !!d.transform?.script)) await loadLua();
  if (deps.some((d) => !!d.transform?.jq)) await loadJq();
}

const push = (list: string[], items: readonly string[], max: number): string[] =>
  [...list.filter((x) => !items.includes(x)), ...items].slice(-max);

/** True when a reset tick fell between the oldest saved dependency and now. */
function resetDue(ts: TriggerState, resets: readonly Schedule[], now: Date): boolean {
  const times = Object.values(ts.deps).map((d) => new Date(d.at).getTime());
  if (times.length === 0 || resets.length === 0) return false;
  const oldest = new Date(Math.min(...times));
  return resets.some((s) => {
    const next = s.next(oldest);
    return next !== undefined && next.getTime() <= now.getTime();
  });
}

type SensorTrigger = Sensor['spec']['triggers'][number];

/** Plans one trigger for a set of events (trigger parameters first, then the kind's own). Throws on bad specs. */
export function planTrigger(
  sensor: Sensor,
  trig: SensorTrigger,
  events: Record<string, CloudEvent>,
  key: string,
  store: StoreMode = 'embedded',
): TriggerPlan {
  const id = { namespace: sensor.metadata.namespace ?? 'default', name: String(sensor.metadata.name) };
  const eventIds = Object.fromEntries(Object.entries(events).map(([d, e]) => [d, e.id]));
  // Trigger parameters rewrite a copy of the template; without them the adapters only read it (they copy what they
  // change, e.g. readSource), so the spec's own object is passed and no per-event deep copy is made.
  const params = trig.parameters as Parameter[] | undefined;
  const own: Record<string, unknown> = trig.template;
  const template = params !== undefined && params.length > 0 ? applyParams(structuredClone(own), params, events) : own;
  const adapter = triggerAdapterFor(template);
  return adapter.plan({
    sensor: id,
    triggerName: trig.template.name,
    template,
    events,
    key,
    lineage: lineageOf(id, trig.template.name, eventIds, key),
    ...(store === 'embedded' ? { embedded: embeddedStore } : {}),
    ...(trig.policy ? { policy: trig.policy } : {}),
  });
}

function fire(
  sensor: Sensor,
  trig: SensorTrigger,
  ts: TriggerState,
  events: Record<string, CloudEvent>,
  event: CloudEvent,
  at: string,
  store: StoreMode,
): { decision: Decision; state: TriggerState } {
  const id = { namespace: sensor.metadata.namespace ?? 'default', name: String(sensor.metadata.name) };
  const eventIds = Object.fromEntries(Object.entries(events).map(([d, e]) => [d, e.id]));
  const key = firingKey(id, trig.template.name, eventIds);
  const consumed = push(ts.consumed, Object.values(eventIds), MAX_CONSUMED);
  const state: TriggerState = { deps: {}, fired: push(ts.fired, [key], MAX_FIRED), consumed };
  if (ts.fired.includes(key)) {
    return {
      decision: { type: 'deduplicated', at, eventId: event.id, trigger: trig.template.name, key, reason: 'already fired for these events' },
      state,
    };
  }
  try {
    const plan = planTrigger(sensor, trig, events, key, store);
    return { decision: { type: 'triggered', at, eventId: event.id, trigger: trig.template.name, key, events: eventIds, plan }, state };
  } catch (e) {
    return { decision: { type: 'failed', at, eventId: event.id, trigger: trig.template.name, key, error: errorMessage(e) }, state };
  }
}

/**
 * Names of the triggers whose state evaluating this event may change (those that depend on a dependency the event
 * is for); events for disjoint sets can be processed concurrently. All triggers when the spec does not compile.
 */
export function triggersFor(sensor: Sensor, event: Pick<CloudEvent, 'source' | 'subject'>): string[] {
  const deps = sensor.spec.dependencies
    .filter((d) => d.eventSourceName === event.source && d.eventName === event.subject)
    .map((d) => d.name);
  if (deps.length === 0) return [];
  try {
    return compileTriggers(sensor)
      .filter((ct) => ct.deps.some((d) => deps.includes(d)))
      .map((ct) => ct.name);
  } catch {
    return sensor.spec.triggers.map((t) => t.template.name);
  }
}

/**
 * Names of the triggers that fire on each matching event by itself (no `&` in their conditions): they never keep
 * saved dependencies, so their firings for different events depend on one another only through the de-duplication
 * lists. Empty when the spec does not compile.
 */
export function independentTriggers(sensor: Sensor): Set<string> {
  try {
    return new Set(
      compileTriggers(sensor)
        .filter((ct) => !ct.requiresAnd)
        .map((ct) => ct.name),
    );
  } catch {
    return new Set();
  }
}

/** Evaluates one event against a sensor. Never throws for bad events or specs; problems become decisions. */
export function evaluate(sensor: Sensor, event: CloudEvent, state: SensorState, opts: EvaluateOptions): EvaluateResult {
  const at = iso(opts.now);
  const decisions: Decision[] = [];
  const next: SensorState = { triggers: { ...state.triggers } };
  const changed = new Set<string>();
  const firings: Record<string, Record<string, CloudEvent>> = {};

  const candidates = sensor.spec.dependencies.filter((d) => d.eventSourceName === event.source && d.eventName === event.subject);
  if (candidates.length === 0) {
    decisions.push({ type: 'ignored', at, eventId: event.id, reason: `no dependency waits for ${event.source}/${event.subject}` });
    return { decisions, state: next, changed: [], firings };
  }
  const matched: { dep: EventDependency; event: CloudEvent }[] = [];
  for (const dep of candidates) {
    const t = applyTransform(dep.transform, event);
    if (!t.ok) {
      decisions.push({
        type: 'filtered-out',
        at,
        eventId: event.id,
        dependency: dep.name,
        filter: 'transform',
        reason: t.error,
        error: true,
      });
      continue;
    }
    const r = applyFilters(dep.filters, dep.filtersLogicalOperator, t.event, filterContext);
    if (r.pass) {
      decisions.push({ type: 'matched', at, eventId: event.id, dependency: dep.name });
      matched.push({ dep, event: t.event });
    } else {
      decisions.push({
        type: 'filtered-out',
        at,
        eventId: event.id,
        dependency: dep.name,
        filter: r.filter ?? 'filters',
        reason: r.reason ?? 'did not pass',
        ...(r.error ? { error: true } : {}),
      });
    }
  }

  let triggers: CompiledTrigger[];
  try {
    triggers = compileTriggers(sensor);
  } catch (e) {
    for (const t of sensor.spec.triggers)
      decisions.push({ type: 'failed', at, eventId: event.id, trigger: t.template.name, error: errorMessage(e) });
    return { decisions, state: next, changed: [], firings };
  }

  sensor.spec.triggers.forEach((trig, i) => {
    const ct = triggers[i];
    let ts = next.triggers[ct.name] ?? emptyTriggerState();
    for (const { dep, event: depEvent } of matched) {
      if (!ct.deps.includes(dep.name)) continue;
      if (ts.consumed.includes(event.id)) {
        decisions.push({
          type: 'deduplicated',
          at,
          eventId: event.id,
          trigger: ct.name,
          reason: `event already consumed by a firing of this trigger`,
        });
        continue;
      }
      if (resetDue(ts, ct.resets, opts.now)) {
        decisions.push({ type: 'reset', at, eventId: event.id, trigger: ct.name, dropped: Object.keys(ts.deps).sort() });
        ts = { ...ts, deps: {} };
        changed.add(ct.name);
      }
      if (!ct.requiresAnd) {
        const r = fire(sensor, trig, ts, { [dep.name]: depEvent }, event, at, opts.store ?? 'embedded');
        if (r.decision.type === 'triggered') firings[r.decision.key] = { [dep.name]: depEvent };
        decisions.push(r.decision);
        ts = r.state;
        changed.add(ct.name);
        continue;
      }
      const satisfied = new Set([...Object.keys(ts.deps), dep.name]);
      if (evaluateConditions(ct.ast, (n) => satisfied.has(n))) {
        const events: Record<string, CloudEvent> = {};
        for (const [d, saved] of Object.entries(ts.deps)) events[d] = saved.event;
        events[dep.name] = depEvent;
        const r = fire(sensor, trig, ts, events, event, at, opts.store ?? 'embedded');
        if (r.decision.type === 'triggered') firings[r.decision.key] = events;
        decisions.push(r.decision);
        ts = r.state;
      } else {
        ts = { ...ts, deps: { ...ts.deps, [dep.name]: { event: depEvent, at } } };
        const sat = [...satisfied].sort();
        decisions.push({
          type: 'waiting',
          at,
          eventId: event.id,
          trigger: ct.name,
          dependency: dep.name,
          satisfied: sat,
          waitingFor: ct.deps.filter((d) => !satisfied.has(d)),
        });
      }
      changed.add(ct.name);
    }
    next.triggers[ct.name] = ts;
  });
  return { decisions, state: next, changed: [...changed], firings };
}
