// The event source host: lists and watches EventSource objects in the store and runs every event of every kind it
// has an adapter for. A created EventSource starts its events, an updated one restarts only the events whose
// configuration changed, a deleted one stops them. Status per event for the API via status().
// Drain order on abort: the watch ends, every event's signal aborts and its adapter returns (webhook routes are
// removed, consumers disconnect), then the shared webhook servers close.
import type { KeyValueStore } from '../bus/types.js';
import { pause } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { Lifecycle } from '../core/lifecycle.js';
import type { LifecycleState } from '../core/lifecycle.js';
import type { StoredObject } from '../store/types.js';
import { listThenWatch, objectKey as keyOf } from '../store/list-watch.js';
import { eventSourceRegistry } from '../../eventsources/index.js';
import { HttpMux } from './http-mux.js';
import { resolveHostOptions } from './options.js';
import type { EventSourceHostOptions, ResolvedHostOptions } from './options.js';
import { EventRunner } from './runner.js';
import type { EventStatus } from './runner.js';
import { STATE_BUCKET } from './state.js';
import type { EventSourceFactory } from '../api/eventsource-adapter.js';

/** Status of one EventSource object: its events. */
export interface EventSourceStatus {
  namespace: string;
  name: string;
  events: EventStatus[];
}

/** Keys of EventSource.spec that are not event source kinds. */
const NON_KIND_KEYS = new Set(['eventBusName', 'template', 'service', 'replicas']);

interface Running {
  runner: EventRunner;
  config: string;
}

export class EventSourceHost {
  readonly name = 'eventsource-host';
  private readonly o: ResolvedHostOptions;
  private readonly registry: Readonly<Record<string, EventSourceFactory>>;
  private readonly http: HttpMux;
  /** ns/name -> (kind/event -> running) */
  private readonly sources = new Map<string, Map<string, Running>>();
  private readonly life = new Lifecycle('the event source host');

  constructor(opts: EventSourceHostOptions) {
    this.o = resolveHostOptions(opts);
    this.registry = this.o.registry ?? eventSourceRegistry;
    this.http = new HttpMux({ host: this.o.webhookHost, logger: this.o.logger });
  }

  state(): LifecycleState {
    return this.life.state;
  }

  /** Settles when run() has returned (or at once after a stop() before run()). */
  get closed(): Promise<void> {
    return this.life.closed;
  }

  /** Every event of every EventSource the host knows, grouped by EventSource, sorted by namespace/name. */
  status(): EventSourceStatus[] {
    return [...this.sources]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, events]) => {
        const [namespace, name] = key.split('/');
        return { namespace, name, events: [...events.values()].map((r) => ({ ...r.runner.status })) };
      });
  }

  /** Status of one EventSource, or undefined when the host does not run it. */
  eventSourceStatus(namespace: string, name: string): EventSourceStatus | undefined {
    return this.status().find((s) => s.namespace === namespace && s.name === name);
  }

  /** Webhook ports open now and their endpoints. */
  webhookRoutes(): { port: number; paths: string[] }[] {
    return this.http.routes();
  }

  /** Runs every event source until `signal` aborts or stop(); a host runs once (a second run() is refused). */
  run(signal: AbortSignal): Promise<void> {
    return this.life.run(signal, {
      body: async (inner) => {
        const kv = this.o.kv ?? (await this.openKv(inner));
        if (kv !== undefined) await this.watchLoop(kv, inner);
      },
      drain: async () => {
        await Promise.all([...this.sources.values()].flatMap((m) => [...m.values()].map((r) => r.runner.stop())));
        await this.http.close();
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

  private async openKv(signal: AbortSignal): Promise<KeyValueStore | undefined> {
    let delay = this.o.restartBackoffMs;
    while (!signal.aborted) {
      try {
        return await this.o.bus.kv(STATE_BUCKET);
      } catch (e) {
        this.o.logger.warn({ err: errorMessage(e), retryInMs: delay }, 'event source state bucket unavailable; retrying');
        await pause(this.o.clock, delay, signal);
        delay = Math.min(Math.max(delay * 2, 1), this.o.maxRestartBackoffMs);
      }
    }
    return undefined;
  }

  /** List, then watch from the list's version; after a watch failure, list again (level-triggered). */
  private watchLoop(kv: KeyValueStore, signal: AbortSignal): Promise<void> {
    const { clock, logger, namespace } = this.o;
    return listThenWatch(
      this.o.store,
      'EventSource',
      {
        signal,
        clock,
        logger,
        minDelayMs: this.o.restartBackoffMs,
        maxDelayMs: this.o.maxRestartBackoffMs,
        ...(namespace !== undefined ? { namespace } : {}),
      },
      {
        apply: (obj) => this.apply(kv, obj, signal),
        remove: (obj) => this.remove(keyOf(obj)),
        listed: async (keys) => {
          for (const key of [...this.sources.keys()]) if (!keys.has(key)) await this.remove(key);
          this.life.markRunning();
        },
      },
    );
  }

  /** Starts, restarts or stops the events of one EventSource to match its spec. */
  private async apply(kv: KeyValueStore, obj: StoredObject, signal: AbortSignal): Promise<void> {
    const key = keyOf(obj);
    const namespace = obj.metadata.namespace ?? 'default';
    const eventSource = obj.metadata.name;
    const wanted = new Map<string, { kind: string; eventName: string; spec: Record<string, unknown>; config: string }>();
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    for (const [kind, entries] of Object.entries(spec)) {
      if (NON_KIND_KEYS.has(kind) || entries === null || typeof entries !== 'object' || Array.isArray(entries)) continue;
      for (const [eventName, cfg] of Object.entries(entries as Record<string, unknown>)) {
        const s = cfg !== null && typeof cfg === 'object' && !Array.isArray(cfg) ? (cfg as Record<string, unknown>) : {};
        wanted.set(`${kind}/${eventName}`, { kind, eventName, spec: s, config: JSON.stringify(s) });
      }
    }
    const current = this.sources.get(key) ?? new Map<string, Running>();
    const stale = [...current].filter(([k, r]) => wanted.get(k)?.config !== r.config);
    await Promise.all(stale.map(([, r]) => r.runner.stop()));
    for (const [k] of stale) current.delete(k);
    for (const [k, w] of wanted) {
      if (current.has(k)) continue;
      const factory = Object.hasOwn(this.registry, w.kind) ? this.registry[w.kind] : undefined;
      const runner = new EventRunner(
        { o: this.o, kv, http: this.http, store: this.o.store },
        { namespace, eventSource, eventName: w.eventName, kind: w.kind },
        w.spec,
        factory?.(),
      );
      current.set(k, { runner, config: w.config });
      runner.start(signal);
    }
    if (current.size > 0) this.sources.set(key, current);
    else this.sources.delete(key);
  }

  private async remove(key: string): Promise<void> {
    const current = this.sources.get(key);
    if (current === undefined) return;
    this.sources.delete(key);
    await Promise.all([...current.values()].map((r) => r.runner.stop()));
  }
}

/** Builds a host; the composition root runs it as a BackgroundService (`run(signal)`). */
export function createEventSourceHost(opts: EventSourceHostOptions): EventSourceHost {
  return new EventSourceHost(opts);
}
