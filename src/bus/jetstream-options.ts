// JetStreamBusOptions → ResolvedJetStreamBusOptions, compiled once: from `--bus nats://...` or from an EventBus
// resource's `jetstreamExotic` spec (url, streamName, maxAge, maxMsgs, maxBytes, discard, duplicateWindow, storage,
// replicas). Durations become ms; -1 means unlimited.
import type { EventBus as EventBusResource } from '../api/eventbus.js';
import type { Logger } from '../core/logger.js';
import { nullLogger } from '../core/logger.js';
import { WeirError } from '../core/errors.js';
import { badOption, byteSize, durationMs, limit } from './bus-options.js';
import { encodeToken } from './subject-codec.js';

export interface JetStreamBusOptions {
  /** NATS URL(s), comma separated: `nats://127.0.0.1:4222`. Required. */
  url: string;
  /** Bus name (the first subject token). Default `default` (Argo's default EventBus name). */
  name?: string;
  /** Stream name. Default `weir-<name>` (encoded as a NATS token). */
  streamName?: string;
  /** Keep events at most this long: Go duration or ms. Default unlimited. */
  maxAge?: string | number;
  /** Keep at most this many events (-1 = unlimited, the default). */
  maxMsgs?: number;
  /** Keep at most this many bytes: integer or quantity like 1Gi (-1 = unlimited, the default). */
  maxBytes?: string | number;
  /** When full: drop the oldest events (`old`, default; warned and counted) or refuse new ones (`new`). */
  discard?: 'old' | 'new';
  /** De-duplication window on event id. Default 2m. */
  duplicateWindow?: string | number;
  /** Default `file`. */
  storage?: 'file' | 'memory';
  /** Default 1. */
  replicas?: number;
  /** How long publish waits for the stream's ack before BUS_UNAVAILABLE. Default 5000 ms. */
  publishTimeoutMs?: number;
  /** How long the first connection may take before createJetStreamBus fails with BUS_UNAVAILABLE. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** Reconnect backoff: shortest wait; each wait is about half the time disconnected so far, up to the cap, ±25% jitter.
   *  Attempts are unlimited. */
  reconnectMinMs?: number;
  /** Default 5000 ms. */
  reconnectMaxMs?: number;
  /** How often (at most) a publish checks the stream against its limits for the discard-old warning. Default 5000 ms. */
  limitCheckIntervalMs?: number;
  /**
   * Publish batches of events as fast-ingest batches when the server is nats-server 2.14 or later (the stream gets
   * `allow_batched`): one acknowledgement per batch instead of one per event. Default true; on older servers the
   * bus publishes one by one whatever this says.
   */
  fastIngest?: boolean;
  logger?: Logger;
}

export interface ResolvedJetStreamBusOptions {
  readonly servers: readonly string[];
  readonly name: string;
  readonly streamName: string;
  /** 0 = unlimited. */
  readonly maxAgeMs: number;
  readonly maxMsgs: number;
  readonly maxBytes: number;
  readonly discard: 'old' | 'new';
  readonly duplicateWindowMs: number;
  readonly storage: 'file' | 'memory';
  readonly replicas: number;
  readonly publishTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly limitCheckIntervalMs: number;
  readonly fastIngest: boolean;
  readonly logger: Logger;
}

const C = 'jetstream bus';

function positiveMs(field: string, v: number | undefined, dflt: number): number {
  const ms = v ?? dflt;
  if (!Number.isFinite(ms) || ms <= 0) throw badOption(C, field, 'must be a positive number of milliseconds');
  return ms;
}

export function resolveJetStreamBusOptions(o: JetStreamBusOptions): ResolvedJetStreamBusOptions {
  if (typeof o.url !== 'string' || o.url.trim() === '') throw badOption(C, 'url', 'a nats:// URL is required');
  const servers = o.url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of servers) {
    if (!/^(nats|tls):\/\/[^\s/]+\/?$/.test(s) && !/^[^\s/:]+:\d+$/.test(s))
      throw badOption(C, 'url', `not a NATS URL: ${JSON.stringify(s)} (use nats://host:port)`);
  }
  const name = o.name ?? 'default';
  if (typeof name !== 'string' || name === '') throw badOption(C, 'name', 'must be a non-empty string');
  const streamName = o.streamName ?? `weir-${encodeToken(name)}`;
  if (!/^[A-Za-z0-9_-]+$/.test(streamName)) throw badOption(C, 'streamName', 'may hold only letters, digits, - and _');
  const discard = o.discard ?? 'old';
  if (discard !== 'old' && discard !== 'new') throw badOption(C, 'discard', "must be 'old' or 'new'");
  const storage = o.storage ?? 'file';
  if (storage !== 'file' && storage !== 'memory') throw badOption(C, 'storage', "must be 'file' or 'memory'");
  const replicas = o.replicas ?? 1;
  if (![1, 3, 5].includes(replicas)) throw badOption(C, 'replicas', 'must be 1, 3 or 5');
  const duplicateWindowMs = durationMs(C, 'duplicateWindow', o.duplicateWindow) ?? 120_000;
  if (duplicateWindowMs <= 0) throw badOption(C, 'duplicateWindow', 'must be positive');
  const reconnectMinMs = positiveMs('reconnectMinMs', o.reconnectMinMs, 250);
  const reconnectMaxMs = positiveMs('reconnectMaxMs', o.reconnectMaxMs, 5000);
  if (reconnectMaxMs < reconnectMinMs) throw badOption(C, 'reconnectMaxMs', 'must not be below reconnectMinMs');
  return Object.freeze({
    servers: Object.freeze(servers),
    name,
    streamName,
    maxAgeMs: durationMs(C, 'maxAge', o.maxAge) ?? 0,
    maxMsgs: limit(C, 'maxMsgs', o.maxMsgs),
    maxBytes: limit(C, 'maxBytes', byteSize(C, 'maxBytes', o.maxBytes)),
    discard,
    duplicateWindowMs,
    storage,
    replicas,
    publishTimeoutMs: positiveMs('publishTimeoutMs', o.publishTimeoutMs, 5000),
    connectTimeoutMs: positiveMs('connectTimeoutMs', o.connectTimeoutMs, 5000),
    reconnectMinMs,
    reconnectMaxMs,
    limitCheckIntervalMs: positiveMs('limitCheckIntervalMs', o.limitCheckIntervalMs, 5000),
    fastIngest: o.fastIngest ?? true,
    logger: o.logger ?? nullLogger,
  });
}

/** Options from an EventBus resource with `spec.jetstreamExotic`; `url` overrides the spec's URL when given. */
export function jetStreamOptionsFromResource(bus: EventBusResource, extra: Partial<JetStreamBusOptions> = {}): JetStreamBusOptions {
  const x = bus.spec.jetstreamExotic;
  const name = bus.metadata.name ?? 'default';
  if (x === undefined) {
    throw new WeirError(
      'INVALID_SPEC',
      `EventBus ${name}: Weir runs only the jetstreamExotic bus (an existing NATS JetStream server); nats, jetstream and kafka buses are not supported`,
      { details: { eventBus: name } },
    );
  }
  const url = extra.url ?? x.url;
  if (url === undefined)
    throw new WeirError('INVALID_SPEC', `EventBus ${name}: spec.jetstreamExotic.url is required`, { details: { eventBus: name } });
  const drop = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return drop({
    name,
    streamName: x.streamName,
    maxAge: x.maxAge,
    maxMsgs: x.maxMsgs,
    maxBytes: x.maxBytes,
    discard: x.discard,
    duplicateWindow: x.duplicateWindow,
    storage: x.storage,
    replicas: x.replicas,
    ...extra,
    url,
  });
}
