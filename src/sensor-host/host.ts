// The sensor host: lists and watches Sensor objects in the store and runs one SensorRunner (one durable bus
// consumer) per sensor; a changed spec restarts its runner, a deleted sensor stops it and drops its partial state.
// Lifecycle (src/core/lifecycle.ts): run(signal) once, until aborted or stop(); status() reports per-sensor counts for the API and CLI.
// Options: store, bus, logger, onWorkflow (controller enqueue), clock, maxDeliveries, ackWaitMs, history bounds.
import type { Sensor } from '../api/sensor.js';
import type { EventBus, KeyValueStore } from '../bus/types.js';
import type { Logger } from '../core/logger.js';
import { childLogger } from '../core/log-tap.js';
import type { ObjectOf, ResourceStore } from '../store/types.js';
import type { HistoryRecord } from './history.js';
import { HistoryWriter } from './history.js';
import type { SensorStatus } from './history.js';
import { realClock } from './policy.js';
import type { PolicyClock } from './policy.js';
import { kafkaPublisher, natsPublisher, storeResourceOps } from './runtime.js';
import { amqpPublisher, mqttPublisher } from './broker-publishers.js';
import { SensorRunner } from './sensor-runner.js';
import { STATE_BUCKET, dropState } from './state-store.js';
import { prepareSensor } from './evaluate.js';
import { errorMessage } from '../core/errors.js';
import { listThenWatch, objectKey as keyOf } from '../store/list-watch.js';
import { Lifecycle } from '../core/lifecycle.js';
import type { LifecycleState } from '../core/lifecycle.js';

export interface SensorHostOptions {
  store: ResourceStore;
  bus: EventBus;
  logger: Logger;
  /** Called when a trigger created or changed a Workflow (the controller's enqueue). */
  onWorkflow?: (namespace: string, name: string) => void;
  /** Default: the real clock. */
  clock?: PolicyClock;
  /** Deliveries before a failing trigger is dead-lettered or given up. Default 5. */
  maxDeliveries?: number;
  /** Default 1 s doubling per delivery, at most 30 s. */
  redeliveryDelayMs?: (deliveryCount: number) => number;
  /** Ack deadline of the sensors' consumers; runners heartbeat while they work, so this bounds only how long an event
   *  that was in flight in a crashed process waits before it is redelivered. Default 10 s. */
  ackWaitMs?: number;
  /** Bound of the decision history per sensor. Default 500. */
  maxDecisions?: number;
  /** Events one sensor processes at once (different triggers run in parallel, one trigger in order, or in batches for triggers without `&`). Default 256. */
  maxInFlight?: number;
  /** Observer of every decision recorded (tests, metrics). */
  onDecisions?: (sensor: string, records: readonly HistoryRecord[]) => void;
}

interface Running {
  specJson: string;
  ac: AbortController;
  done: Promise<void>;
  status: SensorStatus;
  history: HistoryWriter;
}

/** Backoff of a failed list/watch: 1 s doubling, at most 30 s. */
const LIST_RETRY_MIN_MS = 1000;
const LIST_RETRY_MAX_MS = 30_000;

export class SensorHost {
  private readonly running = new Map<string, Running>();
  private kvPromise: Promise<KeyValueStore> | undefined;
  private readonly kafka;
  private readonly nats;
  private readonly amqp;
  private readonly mqtt;
  private readonly life = new Lifecycle('the sensor host');

  constructor(private readonly o: SensorHostOptions) {
    this.kafka = kafkaPublisher(o.logger);
    this.nats = natsPublisher(o.logger);
    this.amqp = amqpPublisher(o.logger);
    this.mqtt = mqttPublisher(o.logger);
  }

  state(): LifecycleState {
    return this.life.state;
  }

  /** Per-sensor status (namespace/name → counts, last event, errors) of the sensors running in this process. */
  status(): Record<string, SensorStatus> {
    return Object.fromEntries([...this.running].map(([k, r]) => [k, structuredClone(r.status)]));
  }

  private kv(): Promise<KeyValueStore> {
    return (this.kvPromise ??= this.o.bus.kv(STATE_BUCKET));
  }

  /** Runs every stored sensor until `signal` aborts or stop(); a host runs once (a second run() is refused). */
  run(signal: AbortSignal): Promise<void> {
    return this.life.run(signal, {
      body: (inner) => this.watchLoop(inner),
      drain: async () => {
        for (const k of [...this.running.keys()]) await this.remove(k, false);
        await this.kafka.close();
        await this.nats.close();
        await this.amqp.close();
        await this.mqtt.close();
      },
    });
  }

  /**
   * List, then watch from the list's version; after a failed or ended watch (an API server restart, a watch the
   * server timed out, a version it no longer keeps) list again, so the running sensors match the store
   * (level-triggered, as the event-source host and the controller do). Sensors gone from the new list stop; their
   * state is kept, as it would be for a restart (only a DELETED event drops it).
   */
  private watchLoop(signal: AbortSignal): Promise<void> {
    const o = {
      signal,
      clock: this.o.clock ?? realClock,
      logger: this.o.logger,
      minDelayMs: LIST_RETRY_MIN_MS,
      maxDelayMs: LIST_RETRY_MAX_MS,
    };
    return listThenWatch(this.o.store, 'Sensor', o, {
      apply: (obj) => this.apply(obj),
      remove: (obj) => this.remove(keyOf(obj), true),
      listed: async (keys) => {
        for (const key of [...this.running.keys()]) if (!keys.has(key)) await this.remove(key, false);
        this.life.markRunning();
      },
    });
  }

  /** Stops the host and waits for the drain; idempotent, and allowed before run(). */
  stop(): Promise<void> {
    return this.life.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.life.stop();
  }

  private async apply(obj: ObjectOf<'Sensor'>): Promise<void> {
    const key = keyOf(obj);
    const specJson = JSON.stringify(obj.spec ?? {});
    const cur = this.running.get(key);
    if (cur && cur.specJson === specJson) return;
    if (cur) await this.remove(key, false);
    const sensor: Sensor = structuredClone(obj);
    await prepareSensor(sensor);
    const namespace = obj.metadata.namespace ?? 'default';
    const status: SensorStatus = { events: 0, counts: {}, errors: 0 };
    const ac = new AbortController();
    // Every record of this sensor names it (namespace + sensor), so the server's per-sensor log ring can keep it.
    const log = childLogger(this.o.logger, { namespace, sensor: obj.metadata.name });
    const history = new HistoryWriter({ store: this.o.store, log, maxDecisions: this.o.maxDecisions }, namespace, obj.metadata.name);
    const kv = await this.kv();
    const runner = new SensorRunner({
      sensor,
      bus: this.o.bus,
      kv,
      history,
      log,
      clock: this.o.clock ?? realClock,
      runtime: {
        resources: storeResourceOps({
          store: this.o.store,
          log: this.o.logger,
          onWorkflow: this.o.onWorkflow,
          clock: this.o.clock ?? realClock,
        }),
        fetch: globalThis.fetch,
        kafka: this.kafka,
        nats: this.nats,
        amqp: this.amqp,
        mqtt: this.mqtt,
      },
      maxDeliveries: this.o.maxDeliveries ?? 5,
      redeliveryDelayMs: this.o.redeliveryDelayMs ?? ((n) => Math.min(30_000, 1000 * 2 ** Math.max(0, n - 1))),
      ackWaitMs: this.o.ackWaitMs ?? 10_000,
      ...(this.o.maxInFlight !== undefined ? { maxInFlight: this.o.maxInFlight } : {}),
      onDecisions: (records) => {
        status.events++;
        for (const r of records) {
          status.counts[r.type] = (status.counts[r.type] ?? 0) + 1;
          status.lastEventTime = r.at;
          const err = r.type === 'failed' ? r.error : undefined;
          if (err !== undefined) {
            status.errors++;
            status.lastError = err;
            status.lastErrorTime = r.at;
          }
        }
        this.o.onDecisions?.(key, records);
      },
    });
    const done = runner.run(ac.signal).catch((e: unknown) => {
      if (!ac.signal.aborted) this.o.logger.error({ sensor: key, err: errorMessage(e) }, 'sensor stopped with an error');
    });
    this.running.set(key, { specJson, ac, done, status, history });
    this.o.logger.info({ sensor: key }, 'sensor started');
  }

  private async remove(key: string, deleted: boolean): Promise<void> {
    const r = this.running.get(key);
    if (r) {
      r.ac.abort();
      await r.done;
      await r.history.close();
      this.running.delete(key);
    }
    if (deleted) {
      const [ns, name] = key.split('/');
      await dropState(await this.kv(), ns, name).catch((e: unknown) =>
        this.o.logger.warn({ sensor: key, err: errorMessage(e) }, 'could not drop sensor state'),
      );
    }
  }
}
