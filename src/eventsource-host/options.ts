// Options of the event source host: EventSourceHostOptions (all optional but store and bus, documented defaults)
// compiled once by resolveHostOptions into a readonly ResolvedHostOptions.
import type { EventBus, KeyValueStore } from '../bus/types.js';
import { WeirError } from '../core/errors.js';
import { nullLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { ResourceStore } from '../store/types.js';
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import type { EventSourceFactory } from '../api/eventsource-adapter.js';

export interface EventSourceHostOptions {
  store: ResourceStore;
  bus: EventBus;
  logger?: Logger;
  /** Default: the real clock. */
  clock?: Clock;
  /** Adapters by kind. Default: the registry in eventsources/index.ts. */
  registry?: Readonly<Record<string, EventSourceFactory>>;
  /** Checkpoint store. Default: the bus KV bucket `weir-eventsource-state`. */
  kv?: KeyValueStore;
  /** Only EventSources of this namespace. Default: all namespaces. */
  namespace?: string;
  /** Listen address of webhook ports. Default 127.0.0.1 (the server passes its --host). */
  webhookHost?: string;
  /** Wait for one bus acknowledgement at most this long. Default 5000. */
  publishTimeoutMs?: number;
  /** Attempts of a plain emit (webhook) before it fails with BUS_UNAVAILABLE. Default 3. */
  publishAttempts?: number;
  /** First publish retry delay, doubling up to maxPublishBackoffMs. Defaults 200 and 10000. */
  publishBackoffMs?: number;
  maxPublishBackoffMs?: number;
  /** First restart delay of a failed source, doubling up to maxRestartBackoffMs. Defaults 1000 and 60000. */
  restartBackoffMs?: number;
  maxRestartBackoffMs?: number;
}

export interface ResolvedHostOptions {
  readonly store: ResourceStore;
  readonly bus: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly registry: Readonly<Record<string, EventSourceFactory>> | undefined;
  readonly kv: KeyValueStore | undefined;
  readonly namespace: string | undefined;
  readonly webhookHost: string;
  readonly publishTimeoutMs: number;
  readonly publishAttempts: number;
  readonly publishBackoffMs: number;
  readonly maxPublishBackoffMs: number;
  readonly restartBackoffMs: number;
  readonly maxRestartBackoffMs: number;
}

function positive(name: string, v: number | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < min)
    throw new WeirError('INVALID_ARGUMENT', `event source host option ${name} must be a number >= ${min}, got ${v}`);
  return v;
}

export function resolveHostOptions(o: EventSourceHostOptions): ResolvedHostOptions {
  return Object.freeze({
    store: o.store,
    bus: o.bus,
    logger: o.logger ?? nullLogger,
    clock: o.clock ?? systemClock,
    registry: o.registry,
    kv: o.kv,
    namespace: o.namespace,
    webhookHost: o.webhookHost ?? '127.0.0.1',
    publishTimeoutMs: positive('publishTimeoutMs', o.publishTimeoutMs, 5000),
    publishAttempts: positive('publishAttempts', o.publishAttempts, 3),
    publishBackoffMs: positive('publishBackoffMs', o.publishBackoffMs, 200, 0),
    maxPublishBackoffMs: positive('maxPublishBackoffMs', o.maxPublishBackoffMs, 10_000),
    restartBackoffMs: positive('restartBackoffMs', o.restartBackoffMs, 1000, 0),
    maxRestartBackoffMs: positive('maxRestartBackoffMs', o.maxRestartBackoffMs, 60_000),
  });
}
