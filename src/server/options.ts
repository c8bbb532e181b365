// Options of the REST API server, compiled once by resolveServerOptions (validates, names the bad field) into
// readonly ResolvedServerOptions. Security rule: listening on anything but a loopback address needs a bearer token.
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { WeirError } from '../core/errors.js';
import { nullLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { StepExecutor, StepHandle } from '../executor/types.js';
import type { ResourceStore, StoredObject } from '../store/types.js';
import type { EventBus } from '../bus/types.js';
import type { ComponentLogs } from './component-logs.js';
import { LineageIndex } from './ui-lineage-index.js';

/** What the server needs of the workflow controller: a way to make it look at a workflow now. */
export interface WorkflowKicker {
  enqueue(key: string): void;
  /** Queue length, when the controller exposes it (metrics). */
  queueDepth?(): number;
}

/** Access to the steps of workflows (logs; cleanup on retry; kill on delete). */
export interface StepAccess {
  executor: StepExecutor;
  /** The handle of a started step of `workflow`, if known. */
  handleOf(workflow: StoredObject, nodeId: string): StepHandle | undefined | Promise<StepHandle | undefined>;
}

/** Runtime status of the event sources and sensors this process runs (last event time, counts, errors). */
export interface LiveStatus {
  eventSource(namespace: string, name: string): unknown;
  sensor(namespace: string, name: string): unknown;
}

export interface ApiServerOptions {
  store: ResourceStore;
  /** Shown as `status.weir` on event sources and sensors read through the API. */
  live?: LiveStatus;
  /** Recent log records of the event sources and sensors this process runs (the .../logs streams); none: empty streams. */
  componentLogs?: { eventSources: ComponentLogs; sensors: ComponentLogs };
  /** Enqueued after every change the API makes to a workflow. */
  controller?: WorkflowKicker;
  steps?: StepAccess;
  /** The event bus: the server indexes its events for lineage search (src/server/ui-lineage-index.ts). */
  bus?: EventBus;
  /** Weir's data directory: artifact downloads read the local repository (`<dataDir>/artifacts`) and stage there. */
  dataDir?: string;
  logger?: Logger;
  /** Default 127.0.0.1. Any non-loopback address requires `authToken`. */
  host?: string;
  /** Default 2746 (argo-server's port). 0 picks a free port. */
  port?: number;
  /** When set, every request except /healthz needs `Authorization: Bearer <authToken>`. */
  authToken?: string;
  /** Largest accepted request body. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Namespace reported by /api/v1/info and used by `weir server` for manifests without one. Default "default". */
  namespace?: string;
  /** Reported by /api/v1/version. Default "0.0.0". */
  version?: string;
  /** The step executor for /api/v1/version (e.g. `container (podman 4.3.1)`). */
  executorInfo?: string;
  /** Milliseconds since the epoch (`now`). Default: the system clock. */
  clock?: Clock;
  /** How long close() waits for in-flight requests before cutting connections. Default 5000 ms. */
  drainTimeoutMs?: number;
  /** Also export Node.js process metrics on /metrics. Default false. */
  processMetrics?: boolean;
}

export interface ResolvedServerOptions {
  readonly store: ResourceStore;
  readonly live: LiveStatus | undefined;
  readonly componentLogs: { eventSources: ComponentLogs; sensors: ComponentLogs } | undefined;
  readonly controller: WorkflowKicker | undefined;
  readonly steps: StepAccess | undefined;
  readonly dataDir: string | undefined;
  /** The bus-wide lineage index, when the server has a bus. */
  readonly lineage: LineageIndex | undefined;
  readonly logger: Logger;
  readonly host: string;
  readonly port: number;
  readonly authToken: string | undefined;
  readonly maxBodyBytes: number;
  readonly namespace: string;
  readonly version: string;
  /** The step executor as shown by /api/v1/version (e.g. `container (podman 4.3.1)`). */
  readonly executorInfo: string | undefined;
  readonly clock: Clock;
  readonly drainTimeoutMs: number;
  readonly processMetrics: boolean;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 2746;
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
export const DEFAULT_NAMESPACE = 'default';

const invalid = (field: string, why: string): WeirError =>
  new WeirError('INVALID_ARGUMENT', `ApiServerOptions.${field} ${why}`, { details: { field } });

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function resolveServerOptions(o: ApiServerOptions): ResolvedServerOptions {
  if (!o.store) throw invalid('store', 'is required');
  const host = o.host ?? DEFAULT_HOST;
  if (host.trim() === '') throw invalid('host', 'must not be empty');
  const port = o.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalid('port', `must be an integer from 0 to 65535, got ${String(port)}`);
  const token = o.authToken === undefined || o.authToken === '' ? undefined : o.authToken;
  if (token !== undefined && /\s/.test(token)) throw invalid('authToken', 'must not contain whitespace');
  if (token === undefined && !isLoopback(host)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `refusing to listen on ${host} without an auth token: set --auth-token or WEIR_AUTH_TOKEN (or listen on 127.0.0.1)`,
      { details: { field: 'authToken' } },
    );
  }
  const maxBodyBytes = o.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) throw invalid('maxBodyBytes', 'must be a positive integer');
  const namespace = o.namespace ?? DEFAULT_NAMESPACE;
  if (!DNS_LABEL.test(namespace)) throw invalid('namespace', `must be a DNS label, got ${JSON.stringify(namespace)}`);
  const drainTimeoutMs = o.drainTimeoutMs ?? 5000;
  if (!Number.isFinite(drainTimeoutMs) || drainTimeoutMs < 0) throw invalid('drainTimeoutMs', 'must be a non-negative number');
  return Object.freeze({
    store: o.store,
    live: o.live,
    componentLogs: o.componentLogs,
    controller: o.controller,
    steps: o.steps,
    dataDir: o.dataDir,
    lineage: o.bus ? new LineageIndex({ bus: o.bus, logger: o.logger ?? nullLogger }) : undefined,
    logger: o.logger ?? nullLogger,
    host,
    port,
    authToken: token,
    maxBodyBytes,
    namespace,
    version: o.version ?? '0.0.0',
    executorInfo: o.executorInfo,
    clock: o.clock ?? systemClock,
    drainTimeoutMs,
    processMetrics: o.processMetrics === true,
  });
}

/** Namespace and object names as Kubernetes accepts them. */
export function isValidNamespace(ns: string): boolean {
  return ns.length <= 63 && DNS_LABEL.test(ns);
}

export function isValidName(name: string): boolean {
  return name.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name);
}
