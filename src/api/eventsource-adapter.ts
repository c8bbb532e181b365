// The event source adapter contract. An adapter (eventsources/<kind>.ts) reads one named configuration of its kind,
// calls `emit()` for every event and awaits the bus acknowledgement; the host (this folder) builds the CloudEvent
// envelope and id, applies the filter, publishes, retries, counts metrics and owns shared resources (HTTP ports,
// checkpoint state, secrets, clock) and runs the manifest linter's checks for the kind before `validate`. Adapters
// import only from src/core (src/core/adapter-kit.ts has their helpers) and types from src/api (this file).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Finding } from './findings.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

/** What an adapter hands to `emit`. The host turns it into a CloudEvent. */
export interface EmitInput {
  /**
   * Source-local deterministic id (e.g. the scheduled tick, `topic:partition:offset`, a hash of an idempotency key).
   * The host prefixes it with namespace/EventSource/event so ids are unique on the bus, which de-duplicates by id.
   * Omitted: a random id.
   */
  id?: string;
  /** The event payload (Argo's event data shape for the kind). */
  data: unknown;
  /** When the event happened; default now. */
  time?: Date;
  /** Overrides the CloudEvent subject (default: the event name). */
  subject?: string;
  /** Default application/json. */
  datacontenttype?: string;
}

export interface EmitOptions {
  /**
   * Keep retrying (capped exponential backoff) until the bus acknowledges or the adapter's signal aborts. For sources
   * whose position must not advance past an unpublished event (calendar tick, Kafka offset, S3 checkpoint).
   * Default false: a few quick attempts, then the error (BUS_UNAVAILABLE) is thrown, e.g. so a webhook answers 503.
   */
  untilAcked?: boolean;
}

export interface EmitResult {
  /** The CloudEvent id that was published. */
  id: string;
  /** The bus already had an event with this id (nothing new stored). */
  duplicate: boolean;
  /** The EventSource filter expression rejected the event; nothing was published. */
  filtered: boolean;
}

/** Resolves only after the bus acknowledged (or the filter dropped the event); throws WeirError otherwise. */
export type Emit = (event: EmitInput, opts?: EmitOptions) => Promise<EmitResult>;

/**
 * Emits several events as one bus batch (about one bus round trip / commit for all), each with the same guarantee as
 * `emit`. Resolves with the results in input order once every event is acknowledged or filtered out; failed events
 * are retried as a smaller batch (until acknowledged with `untilAcked`, else a few quick attempts). Throws the first
 * error that no retry can fix; events of the batch acknowledged before that are on the bus (ids de-duplicate a resend).
 * The bus may acknowledge the batch as a whole (JetStream fast ingest): a result's `duplicate` is then false even for
 * an event the bus already had (it is still stored once).
 */
export type EmitBatch = (events: readonly EmitInput[], opts?: EmitOptions) => Promise<EmitResult[]>;

/** A small key-value store for adapter checkpoints, scoped to one event of one EventSource. Keys are any strings. */
export interface AdapterState {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys (as given to put) starting with `prefix`. */
  keys(prefix?: string): Promise<string[]>;
}

/** Kubernetes SecretKeySelector as written in manifests. */
export interface SecretRef {
  name?: string;
  key: string;
  optional?: boolean;
}

export interface Secrets {
  /** The value of one key of a Secret in the EventSource's namespace; NOT_FOUND when missing (undefined if optional). */
  get(ref: SecretRef): Promise<string | undefined>;
}

export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export interface HttpRoute {
  port: number;
  /** Exact URL path, e.g. "/push". */
  path: string;
  handler: HttpHandler;
  /** The route is removed when this aborts (the port's server closes with its last route). */
  signal: AbortSignal;
}

/** Shared HTTP servers: one per port, many endpoints per port, `/health` on every port. */
export interface HttpRoutes {
  /** Resolves once the route is served; CONFLICT when the port and path are taken, IO_ERROR when the port is busy. */
  serve(route: HttpRoute): Promise<void>;
}

export interface StartContext<TSpec = Record<string, unknown>> {
  namespace: string;
  /** EventSource name (the CloudEvent source). */
  name: string;
  /** Event name inside the EventSource (the CloudEvent subject). */
  eventName: string;
  spec: TSpec;
  /** Aborts when the source must stop (EventSource changed or deleted, process draining). */
  signal: AbortSignal;
  emit: Emit;
  /** `emit` for many events at once (a broker read of N messages). */
  emitBatch: EmitBatch;
  /** Already carries eventSource and eventName fields. */
  log: Logger;
  state: AdapterState;
  secrets: Secrets;
  clock: Clock;
  http: HttpRoutes;
}

export interface EventSourceAdapter<TSpec = Record<string, unknown>> {
  /** The EventSource spec key, e.g. "webhook"; also the CloudEvent type. */
  readonly kind: string;
  /**
   * Problems in one named configuration beyond its schema (the host has already run the manifest linter's checks
   * for the kind); paths are relative to the configuration.
   */
  validate?(spec: TSpec): Finding[] | void;
  /**
   * Runs the source until `ctx.signal` aborts, then resolves after releasing everything. Throwing (or rejecting)
   * means the source failed; the host logs it, counts it and starts it again after a backoff.
   */
  start(ctx: StartContext<TSpec>): Promise<void>;
}

/** What eventsources/<kind>.ts exports; options are adapter-specific test seams (all optional). */
export type EventSourceFactory = () => EventSourceAdapter;
