// Runs one event (one named configuration of one kind) of one EventSource: validates it, starts the adapter with its
// context, restarts it after failures with a capped exponential backoff, and stops it when its signal aborts.
import { setMaxListeners } from 'node:events';
import type { KeyValueStore } from '../bus/types.js';
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ResourceStore } from '../store/types.js';
import { compileFilter, createEmitter } from './emitter.js';
import type { EventCounters } from './emitter.js';
import type { HttpMux } from './http-mux.js';
import type { ResolvedHostOptions } from './options.js';
import { storeSecrets } from './secrets.js';
import { scopedState, stateScope } from './state.js';
import type { EventSourceAdapter } from '../api/eventsource-adapter.js';
import { validateConfig } from './validate.js';

export type EventState = 'starting' | 'running' | 'backoff' | 'invalid' | 'unsupported' | 'stopped';

/** What the API can show about one event of an EventSource. */
export interface EventStatus extends EventCounters {
  namespace: string;
  eventSource: string;
  eventName: string;
  kind: string;
  state: EventState;
  /** Failed starts or runs so far. */
  errors: number;
  restarts: number;
  since: string;
}

export interface RunnerDeps {
  o: ResolvedHostOptions;
  kv: KeyValueStore;
  http: HttpMux;
  store: ResourceStore;
}

const logWith = (log: Logger, fields: Record<string, unknown>): Logger => ({
  debug: (obj, msg) => log.debug({ ...fields, ...obj }, msg),
  info: (obj, msg) => log.info({ ...fields, ...obj }, msg),
  warn: (obj, msg) => log.warn({ ...fields, ...obj }, msg),
  error: (obj, msg) => log.error({ ...fields, ...obj }, msg),
});

export class EventRunner {
  readonly status: EventStatus;
  private readonly ac = new AbortController();
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: RunnerDeps,
    readonly key: { namespace: string; eventSource: string; eventName: string; kind: string },
    private readonly spec: Record<string, unknown>,
    private readonly adapter: EventSourceAdapter | undefined,
  ) {
    this.status = {
      ...key,
      state: 'starting',
      published: 0,
      duplicates: 0,
      filtered: 0,
      failed: 0,
      errors: 0,
      restarts: 0,
      since: new Date(deps.o.clock.now()).toISOString(),
    };
  }

  start(parent: AbortSignal): void {
    // Every concurrent emit (one per webhook request in flight) races this signal: no listener limit.
    setMaxListeners(0, this.ac.signal);
    const onAbort = (): void => this.ac.abort();
    if (parent.aborted) this.ac.abort();
    else parent.addEventListener('abort', onAbort, { once: true });
    this.done = this.loop().finally(() => parent.removeEventListener('abort', onAbort));
  }

  async stop(): Promise<void> {
    this.ac.abort();
    await this.done;
  }

  private fail(state: EventState, message: string): void {
    this.status.state = state;
    this.status.errors++;
    this.status.lastError = { message, time: new Date(this.deps.o.clock.now()).toISOString() };
  }

  private async loop(): Promise<void> {
    const { o } = this.deps;
    const { namespace, eventSource, eventName, kind } = this.key;
    const log = logWith(o.logger, { eventSource, eventName, namespace, kind });
    const signal = this.ac.signal;
    if (this.adapter === undefined) {
      this.fail('unsupported', `no adapter for event source kind ${JSON.stringify(kind)}`);
      log.warn({ code: 'UNKNOWN_KIND' }, `event source kind ${kind} is not run by Weir; ignoring this event`);
      return;
    }
    const errors = validateConfig(this.adapter, this.spec).filter((f) => f.severity === 'error');
    let filter: string | undefined;
    try {
      const f = (this.spec.filter as { expression?: unknown } | undefined)?.expression;
      filter = typeof f === 'string' ? f : undefined;
      compileFilter(filter);
    } catch (e) {
      errors.push({ severity: 'error', rule: 'filter', path: ['filter', 'expression'], message: errorMessage(e) });
    }
    if (errors.length > 0) {
      const msg = errors.map((f) => `${f.path.join('.')}: ${f.message}`).join('; ');
      this.fail('invalid', msg);
      log.error({ code: 'INVALID_SPEC', err: msg }, 'event source configuration is invalid; not starting it');
      return;
    }
    let backoff = o.restartBackoffMs;
    while (!signal.aborted) {
      const startedAt = o.clock.now();
      this.status.state = 'running';
      try {
        await this.adapter.start({
          namespace,
          name: eventSource,
          eventName,
          spec: this.spec,
          signal,
          log,
          ...createEmitter({
            bus: o.bus,
            namespace,
            eventSource,
            eventName,
            kind,
            filter,
            counters: this.status,
            log,
            clock: o.clock,
            signal,
            publishTimeoutMs: o.publishTimeoutMs,
            attempts: o.publishAttempts,
            backoffMs: o.publishBackoffMs,
            maxBackoffMs: o.maxPublishBackoffMs,
          }),
          state: scopedState(this.deps.kv, stateScope(namespace, eventSource, eventName)),
          secrets: storeSecrets(this.deps.store, namespace),
          clock: o.clock,
          http: this.deps.http,
        });
        if (signal.aborted) break;
        throw new WeirError('INTERNAL', 'event source stopped by itself');
      } catch (e) {
        if (signal.aborted) break;
        const err = e as Error & { code?: string };
        this.fail('backoff', err.message);
        this.status.restarts++;
        if (o.clock.now() - startedAt > o.maxRestartBackoffMs) backoff = o.restartBackoffMs;
        log.error({ code: err.code, err: err.message, retryInMs: backoff }, 'event source failed; restarting after a delay');
        try {
          await o.clock.sleep(backoff, signal);
        } catch {
          break;
        }
        backoff = Math.min(Math.max(backoff * 2, 1), o.maxRestartBackoffMs);
      }
    }
    this.status.state = 'stopped';
    log.info({}, 'event source stopped');
  }
}
