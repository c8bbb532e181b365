// Runs one Sensor: a durable bus consumer (name from namespace + sensor name) feeding each event through the pure
// evaluate(), then the delivery contract: triggers execute (rate limit, retryStrategy) BEFORE their new state is
// saved (compare-and-set) and BEFORE the message is acked, so a crash or failure redelivers the event and the
// deterministic firing key turns the repeat into "deduplicated". Failed triggers nak with backoff until the last
// delivery, then go to the dlqTrigger (dead-lettered) or are recorded as failed; `atLeastOnce: false` acks at once.
// Up to `maxInFlight` events are processed at once; events that may change the same trigger's state run one after
// the other in arrival order (TriggerLanes), so "a && b" still fires once per pair. Events for triggers without `&`
// that queue for the same locks are handled as one batch: firings at once, one state save, then the acks. History
// and ack come after the trigger locks are released; the history is buffered (HistoryWriter), not part of the contract.
import type { BusMessage, EventBus, KeyValueStore } from '../bus/types.js';
import type { Sensor } from '../api/sensor.js';
import type { CloudEvent } from '../core/cloudevent.js';
import { NonRetryableError, isWeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { childLogger } from '../core/log-tap.js';
import type { TriggerPlan, TriggerRuntime } from '../../sensors/triggers/types.js';
import { executePlan } from '../../sensors/triggers/registry.js';
import type { Decision } from './decisions.js';
import { evaluate, independentTriggers, planTrigger, triggersFor } from './evaluate.js';
import type { EvaluateResult, StoreMode } from './evaluate.js';
import type { HistoryRecord, HistoryWriter, RecordedEvent } from './history.js';
import { RateLimiter, withRetries } from './policy.js';
import type { PolicyClock } from './policy.js';
import { saveTriggerState } from './state-store.js';
import { TriggerLanes } from './trigger-lanes.js';

export interface SensorRunnerOptions {
  sensor: Sensor;
  bus: EventBus;
  kv: KeyValueStore;
  history: HistoryWriter;
  runtime: Omit<TriggerRuntime, 'signal' | 'log'>;
  log: Logger;
  clock: PolicyClock;
  /** Deliveries before a failing trigger is dead-lettered or given up. Default 5. */
  maxDeliveries: number;
  /** Delay before redelivery after the n-th failed delivery. Default 1 s doubling, at most 30 s. */
  redeliveryDelayMs: (deliveryCount: number) => number;
  /** The consumer's ack deadline; the runner heartbeats (working) every third of it while it handles an event. */
  ackWaitMs: number;
  /**
   * Events processed at once (the consumer's maxAckPending). Default 256. A batch holds at most half of them, so the
   * next batch can fill while one executes.
   */
  maxInFlight?: number;
  onDecisions?: (records: readonly HistoryRecord[]) => void;
}

type Trig = Sensor['spec']['triggers'][number];

const DEFAULT_MAX_IN_FLIGHT = 256;

/** Events processed together under one set of trigger locks. */
interface Batch {
  msgs: BusMessage[];
  ids: Set<string>;
  done: Promise<void>;
  lock: Promise<() => void>;
}

/** One event of a batch: its decisions, the triggers whose firings failed, and whether it must come again. */
interface Item {
  msg: BusMessage;
  records: HistoryRecord[];
  failed: Set<string>;
  redeliver: boolean;
}

/** One firing of one trigger: the trigger, its plan, and the events (by dependency) it fired for, under `key`. */
interface Firing {
  trig: Trig;
  plan: TriggerPlan;
  key: string;
  events: Record<string, CloudEvent>;
}

/** The delivery a firing belongs to: its message, the stop signal, the decision recorder and the evaluation time. */
interface Delivery {
  msg: BusMessage;
  signal: AbortSignal;
  rec: (d: Decision) => void;
  now: Date;
}

/** A durable consumer name from namespace and sensor name (bus implementations encode it as needed). */
export const durableNameOf = (namespace: string, name: string): string => `sensor-${namespace}-${name}`;

export class SensorRunner {
  readonly namespace: string;
  readonly name: string;
  private readonly limiters = new Map<string, RateLimiter>();
  private readonly lanes = new TriggerLanes();
  /** The batch still waiting for its locks, per set of trigger names. */
  private readonly forming = new Map<string, Batch>();
  private independent: Set<string> | undefined;
  private readonly maxBatch: number;
  /** Planned as the store acts: a runtime that reaches any kind is an API server's. */
  private readonly storeMode: StoreMode;

  constructor(private readonly o: SensorRunnerOptions) {
    this.storeMode = o.runtime.resources.anyKind ? 'kubernetes' : 'embedded';
    this.namespace = o.sensor.metadata.namespace ?? 'default';
    this.name = String(o.sensor.metadata.name);
    this.maxBatch = Math.max(1, Math.ceil((o.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT) / 2));
  }

  async run(signal: AbortSignal): Promise<void> {
    const seen = new Set<string>();
    const filters = this.o.sensor.spec.dependencies
      .map((d) => ({ eventSourceName: d.eventSourceName, eventName: d.eventName }))
      .filter((f) => (seen.has(`${f.eventSourceName}\0${f.eventName}`) ? false : (seen.add(`${f.eventSourceName}\0${f.eventName}`), true)));
    const deliverAll = this.o.sensor.spec.dependencies.some((d) => d.jetStream?.deliverPolicy === 'all');
    const maxInFlight = Math.max(1, this.o.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
    const consumer = this.o.bus.consume({
      durableName: durableNameOf(this.namespace, this.name),
      filters,
      signal,
      ackWaitMs: this.o.ackWaitMs,
      maxAckPending: maxInFlight,
      deliverPolicy: deliverAll ? 'all' : 'new',
    });
    const inFlight = new Set<Promise<void>>();
    try {
      for await (const msg of consumer) {
        if (signal.aborted) break;
        const p: Promise<void> = this.handle(msg, signal).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      }
    } finally {
      await Promise.allSettled([...inFlight]);
    }
  }

  /**
   * Processes one delivery end to end; never throws (problems are decisions and naks). Takes its trigger locks
   * synchronously, so calls made in arrival order are serialised per trigger in that order.
   */
  async handle(msg: BusMessage, signal: AbortSignal): Promise<void> {
    // While this process works on the event (waiting for its trigger lane included) it tells the bus so; the ack
    // deadline can then be short, and after a crash the event is redelivered within ackWait, not much later.
    const beat = setInterval(
      () => {
        try {
          void msg.working().catch(() => undefined);
        } catch {
          // The bus is closing: the event is redelivered after ackWait anyway.
        }
      },
      Math.max(50, Math.floor(this.o.ackWaitMs / 3)),
    );
    try {
      await this.process(msg, signal);
    } finally {
      clearInterval(beat);
    }
  }

  /**
   * Puts the event into a batch: events for the same set of independent triggers (see independentTriggers) that
   * arrive while that set is busy join the batch waiting for it, up to maxInFlight / 2, unless the batch already holds an
   * event with the same id (a re-sent event is evaluated after the first one is settled). Any other event takes its
   * locks alone. The locks are queued when a batch is formed, so batches keep arrival order per trigger.
   */
  private async process(msg: BusMessage, signal: AbortSignal): Promise<void> {
    const names = triggersFor(this.o.sensor, msg.event);
    this.independent ??= independentTriggers(this.o.sensor);
    const independent = this.independent;
    const batchable = names.length > 0 && names.every((n) => independent.has(n));
    const key = names.join('\0');
    if (batchable) {
      const open = this.forming.get(key);
      if (open && open.msgs.length < this.maxBatch && !open.ids.has(msg.event.id)) {
        open.msgs.push(msg);
        open.ids.add(msg.event.id);
        return open.done;
      }
    } else if (names.length > 0) {
      // Later events must not overtake this one by joining a batch formed before it.
      this.forming.clear();
    }
    let settled!: () => void;
    const batch: Batch = {
      msgs: [msg],
      ids: new Set([msg.event.id]),
      done: new Promise<void>((r) => (settled = r)),
      lock: this.lanes.acquire(names),
    };
    if (batchable) this.forming.set(key, batch);
    try {
      const release = await batch.lock;
      if (this.forming.get(key) === batch) this.forming.delete(key);
      await this.runBatch(batch.msgs, names, release, signal);
    } finally {
      settled();
    }
  }

  /**
   * Evaluates the batch's events in order against the trigger states, executes their firings (one event's firings in
   * trigger order, different events' at once), saves each changed trigger state once (compare-and-set) with only the
   * events whose firings of that trigger succeeded, releases the locks, then acks (or naks) each event.
   */
  private async runBatch(msgs: readonly BusMessage[], names: readonly string[], release: () => void, signal: AbortSignal): Promise<void> {
    const { sensor, log } = this.o;
    const now = new Date(this.o.clock.now());
    const items: Item[] = msgs.map((msg) => ({ msg, records: [], failed: new Set<string>(), redeliver: false }));
    const rec = (it: Item, stage: HistoryRecord['stage'], d: Decision): void => void it.records.push({ ...d, stage });
    try {
      const loaded = await this.lanes.load(this.o.kv, this.namespace, this.name, names, (trigger, err) => {
        log.error(
          { sensor: this.name, namespace: this.namespace, trigger, err },
          'stored trigger state is corrupt; the trigger starts again from an empty state',
        );
      });
      let state = loaded.state;
      const changed = new Set<string>();
      const results = items.map((it) => {
        const res = evaluate(sensor, it.msg.event, state, { now, store: this.storeMode });
        state = res.state;
        for (const c of res.changed) changed.add(c);
        for (const d of res.decisions) rec(it, 'evaluate', d);
        return res;
      });
      await Promise.all(items.map((it, i) => this.executeFirings(it, results[i], signal, now, (x) => rec(it, 'execute', x))));
      for (const trig of sensor.spec.triggers) {
        const tname = trig.template.name;
        const failed = items.filter((it) => it.failed.has(tname));
        for (const it of failed) it.redeliver = true;
        let ts = changed.has(tname) ? state.triggers[tname] : undefined;
        if (ts !== undefined && failed.length > 0) {
          // Only the events whose firings succeeded count: evaluate them again without the failed ones.
          let part = loaded.state;
          let partChanged = false;
          for (const it of items) {
            if (it.failed.has(tname)) continue;
            const res = evaluate(sensor, it.msg.event, part, { now, store: this.storeMode });
            part = res.state;
            partChanged ||= res.changed.includes(tname);
          }
          ts = partChanged ? part.triggers[tname] : undefined;
        }
        if (ts === undefined) {
          if (failed.length > 0) this.lanes.forget(tname);
          continue;
        }
        try {
          this.lanes.saved(
            tname,
            ts,
            await saveTriggerState(this.o.kv, this.namespace, this.name, tname, ts, loaded.revisions[tname] ?? 0),
          );
        } catch (e) {
          this.lanes.forget(tname);
          if (!isWeirError(e) || e.code !== 'CONFLICT') throw e;
          log.warn(
            { sensor: this.name, trigger: tname, eventId: msgs[0].event.id, events: msgs.length },
            'sensor state changed concurrently; events will be redelivered',
          );
          for (const it of items) it.redeliver = true;
        }
      }
    } catch (e) {
      log.error(
        { sensor: this.name, eventId: msgs[0].event.id, events: msgs.length, err: errorMessage(e) },
        'sensor could not process event',
      );
      for (const it of items) {
        rec(it, 'execute', {
          type: 'failed',
          at: now.toISOString(),
          eventId: it.msg.event.id,
          trigger: '',
          error: errorMessage(e),
          retry: true,
        });
        it.redeliver = true;
      }
      for (const n of names) this.lanes.forget(n);
    } finally {
      release();
    }
    const at = now.toISOString();
    for (const it of items) {
      const recorded: RecordedEvent = { ...it.msg.event, weirreceivedat: at };
      this.o.history.append(recorded, it.records);
      this.o.onDecisions?.(it.records);
    }
    await Promise.all(
      items.map(async ({ msg, redeliver }) => {
        try {
          if (redeliver) await msg.nak(this.o.redeliveryDelayMs(msg.deliveryCount));
          else await msg.ack();
        } catch (e) {
          log.warn({ sensor: this.name, eventId: msg.event.id, err: errorMessage(e) }, 'could not ack/nak event; it will be redelivered');
        }
      }),
    );
  }

  /** Executes one event's firings, trigger by trigger in spec order; notes the triggers that need a redelivery. */
  private async executeFirings(it: Item, res: EvaluateResult, signal: AbortSignal, now: Date, rec: (d: Decision) => void): Promise<void> {
    for (const trig of this.o.sensor.spec.triggers) {
      const tname = trig.template.name;
      for (const d of res.decisions) {
        if (d.type !== 'triggered' || d.trigger !== tname) continue;
        const firing = { trig, plan: d.plan, key: d.key, events: res.firings[d.key] ?? {} };
        const outcome = await this.execute(firing, { msg: it.msg, signal, rec, now });
        if (outcome === 'redeliver') it.failed.add(tname);
      }
    }
  }

  private limiter(trig: Trig): RateLimiter {
    let l = this.limiters.get(trig.template.name);
    if (!l) {
      l = new RateLimiter(trig.rateLimit, this.o.clock);
      this.limiters.set(trig.template.name, l);
    }
    return l;
  }

  private async runPlan(
    trig: Trig,
    plan: TriggerPlan,
    signal: AbortSignal,
  ): Promise<{ outcome: 'done' | 'deduplicated'; detail?: Record<string, unknown> }> {
    const rt: TriggerRuntime = {
      ...this.o.runtime,
      signal,
      log: childLogger(this.o.log, { sensor: this.name, trigger: trig.template.name }),
    };
    await this.limiter(trig).take(signal);
    return withRetries(trig.retryStrategy as never, this.o.clock, signal, () => executePlan(plan, rt));
  }

  /** Executes one firing; 'redeliver' when the message must come again. */
  private async execute(f: Firing, dv: Delivery): Promise<'ok' | 'redeliver'> {
    const { trig, plan, key, events } = f;
    const { msg, signal, rec, now } = dv;
    const base = { at: now.toISOString(), eventId: msg.event.id, trigger: trig.template.name, key };
    try {
      const r = await this.runPlan(trig, plan, signal);
      const workflow = typeof r.detail?.workflow === 'string' ? r.detail.workflow : undefined;
      this.o.log.info(
        { sensor: this.name, trigger: trig.template.name, eventId: msg.event.id, outcome: r.outcome, workflow },
        r.outcome === 'deduplicated' ? 'trigger already fired for these events' : 'trigger fired',
      );
      if (r.outcome === 'deduplicated') rec({ ...base, type: 'deduplicated', reason: 'the action was already done for these events' });
      else rec({ ...base, type: 'done', ...(r.detail ? { detail: r.detail } : {}) });
      return 'ok';
    } catch (e) {
      const error = errorMessage(e);
      const permanent = e instanceof NonRetryableError || (isWeirError(e) && e.code === 'INVALID_SPEC');
      const last = permanent || msg.deliveryCount >= this.o.maxDeliveries || signal.aborted;
      this.o.log.warn({ sensor: this.name, trigger: trig.template.name, eventId: msg.event.id, err: error }, 'trigger failed');
      if (trig.atLeastOnce === false) {
        rec({ ...base, type: 'failed', error, retry: false });
        return 'ok';
      }
      if (!last) {
        rec({ ...base, type: 'failed', error, retry: true });
        return 'redeliver';
      }
      if (trig.dlqTrigger) {
        try {
          const dlqPlan = planTrigger(this.o.sensor, trig.dlqTrigger, events, key, this.storeMode);
          await this.runPlan(trig.dlqTrigger, dlqPlan, signal);
          rec({ ...base, type: 'dead-lettered', error, plan: dlqPlan });
          return 'ok';
        } catch (e2) {
          rec({ ...base, type: 'failed', error: `${error}; dlqTrigger failed too: ${errorMessage(e2)}`, retry: false });
          return 'ok';
        }
      }
      rec({ ...base, type: 'failed', error, retry: false });
      return 'ok';
    }
  }
}
