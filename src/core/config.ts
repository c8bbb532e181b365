// The one module that reads Weir's environment variables (WEIR_DATA_DIR, WEIR_AUTH_TOKEN, WEIR_PORT, WEIR_HOST, WEIR_BUS,
// WEIR_ALLOW_HOST_PATH, WEIR_MAX_LOG_BYTES, WEIR_EXECUTOR, WEIR_STORE, WEIR_LEASE_DURATION, WEIR_OFFLOAD_DB for the server and
// `weir run`; WEIR_SERVER, WEIR_AUTH_TOKEN, WEIR_NAMESPACE for the CLI client) and merges them with command-line flags: precedence is flags > environment > defaults. Values are checked here so
// a bad one is reported with its source (flag or variable name).
import { isAbsolute, normalize, resolve } from 'node:path';
import { WeirError } from './errors.js';

export const ENV = {
  dataDir: 'WEIR_DATA_DIR',
  authToken: 'WEIR_AUTH_TOKEN',
  port: 'WEIR_PORT',
  host: 'WEIR_HOST',
  server: 'WEIR_SERVER',
  namespace: 'WEIR_NAMESPACE',
  /** Event bus: `embedded` (default) or a NATS JetStream URL `nats://host:4222`. */
  bus: 'WEIR_BUS',
  /** Host path prefixes hostPath volumes may mount: `PREFIX[:rw]`, comma-separated. Default: none. */
  allowHostPath: 'WEIR_ALLOW_HOST_PATH',
  executor: 'WEIR_EXECUTOR',
  /** Resource store of `weir server`: `sqlite` (default) or `kubernetes`. */
  store: 'WEIR_STORE',
  /** Kubernetes store: seconds a leader Lease lasts without renewal (default 15). */
  leaseDuration: 'WEIR_LEASE_DURATION',
  /** Kubernetes store: PostgreSQL URL for the node status of workflows too big for etcd even compressed. */
  offloadDb: 'WEIR_OFFLOAD_DB',
  /** Bytes of stdout (and of stderr) kept per step, e.g. `64Mi` (default) or `1Gi`: the head and the tail. */
  maxLogBytes: 'WEIR_MAX_LOG_BYTES',
} as const;

export const STORE_KINDS = ['sqlite', 'kubernetes'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export const DEFAULT_DATA_DIR = '.weir';

export interface ServerFlags {
  dataDir?: string;
  authToken?: string;
  port?: string;
  host?: string;
  /** `--bus`: `embedded` or `nats://host:port` (see src/bus/factory.ts). */
  bus?: string;
  /** `--store`: `sqlite` or `kubernetes`. */
  store?: string;
  /** `--kubeconfig`: kubeconfig file of the Kubernetes store (default: KUBECONFIG, in-cluster, ~/.kube/config). */
  kubeconfig?: string;
  /** `--lease-duration`: seconds. */
  leaseDuration?: string;
  /** `--offload-db`: postgres:// URL. */
  offloadDb?: string;
  /** `--executor`: `host` (default) or `container`. */
  executor?: string;
  /** `--allow-host-path PREFIX[:rw]` (repeatable). */
  allowHostPath?: readonly string[];
}

/** A host path prefix hostPath volumes may mount (and whether read-write). */
export interface HostPathAllowance {
  /** Absolute, normalised. */
  readonly prefix: string;
  readonly readWrite: boolean;
}

export interface ServerConfig {
  /** Absolute. */
  readonly dataDir: string;
  readonly authToken: string | undefined;
  readonly port: number;
  readonly host: string;
  /** From --bus / WEIR_BUS; absent means "EventBus resource, else embedded" (src/bus/factory.ts). */
  readonly busUrl?: string;
  /** From --store / WEIR_STORE; default sqlite (in the data dir). */
  readonly store: StoreKind;
  /** From --kubeconfig; absent: the Kubernetes client's default (KUBECONFIG, in-cluster, ~/.kube/config). */
  readonly kubeconfig?: string;
  /** Leader Lease duration with the Kubernetes store (ms); from --lease-duration / WEIR_LEASE_DURATION seconds. */
  readonly leaseDurationMs: number;
  /** From --offload-db / WEIR_OFFLOAD_DB: PostgreSQL for offloaded workflow node status (Kubernetes store). */
  readonly offloadDb?: string;
  /** From --executor / WEIR_EXECUTOR: `host` (default) or `container`. */
  readonly executor?: string;
  /** Prefixes hostPath volumes may mount; absent or empty: hostPath volumes are refused. */
  readonly allowHostPath?: readonly HostPathAllowance[];
  /** WEIR_MAX_LOG_BYTES; absent: the executor's default (64 MiB). */
  readonly maxLogBytes?: number;
}

const UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** `WEIR_MAX_LOG_BYTES`: bytes, or a number with Ki/Mi/Gi. undefined when unset. */
export function parseMaxLogBytes(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const v = nonEmpty(env[ENV.maxLogBytes]);
  if (v === undefined) return undefined;
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(v.trim());
  if (m === null)
    throw new WeirError('INVALID_ARGUMENT', `${ENV.maxLogBytes} must be a byte count such as 67108864 or 64Mi, got ${JSON.stringify(v)}`);
  return Number(m[1]) * UNITS[m[2] ?? ''];
}

/**
 * `PREFIX[:rw|:ro]` entries from --allow-host-path (repeatable) or, when no flag is given, WEIR_ALLOW_HOST_PATH
 * (comma-separated). A prefix must be absolute; it is normalised (`/srv/data/` and `/srv//data` are `/srv/data`).
 */
export function resolveHostPathAllowances(
  flags: readonly string[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
): HostPathAllowance[] {
  const fromFlags = (flags ?? []).filter((f) => f !== '');
  const source = fromFlags.length > 0 ? '--allow-host-path' : ENV.allowHostPath;
  const items =
    fromFlags.length > 0
      ? fromFlags
      : (nonEmpty(env[ENV.allowHostPath]) ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  return items.map((item) => {
    const m = /^(.*?)(?::(rw|ro))?$/.exec(item);
    const prefix = m?.[1] ?? '';
    if (!isAbsolute(prefix) || prefix.includes('\0')) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `${source} takes an absolute host path prefix with an optional :rw or :ro, got ${JSON.stringify(item)}`,
      );
    }
    return Object.freeze({ prefix: normalize(prefix).replace(/(.)\/+$/, '$1'), readWrite: m?.[2] === 'rw' });
  });
}

/** The step executor: --executor > WEIR_EXECUTOR > `host`; anything else is INVALID_ARGUMENT. */
export function resolveExecutorKind(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const flagV = nonEmpty(flag);
  const v = flagV ?? nonEmpty(env[ENV.executor]) ?? 'host';
  if (v !== 'host' && v !== 'container' && v !== 'pod') {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${flagV !== undefined ? '--executor' : ENV.executor} must be host, container or pod, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

function parsePort(v: string, source: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) > 65535)
    throw new WeirError('INVALID_ARGUMENT', `${source} must be a port number from 0 to 65535, got ${JSON.stringify(v)}`);
  return Number(v);
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/** Flags > environment > defaults (host 127.0.0.1, port 2746, data dir ./.weir relative to `cwd`). */
export function resolveServerConfig(flags: ServerFlags, env: Readonly<Record<string, string | undefined>>, cwd: string): ServerConfig {
  const portFlag = nonEmpty(flags.port);
  const portEnv = nonEmpty(env[ENV.port]);
  const port = portFlag !== undefined ? parsePort(portFlag, '--port') : portEnv !== undefined ? parsePort(portEnv, ENV.port) : 2746;
  const busUrl = nonEmpty(flags.bus) ?? nonEmpty(env[ENV.bus]);
  const storeFlag = nonEmpty(flags.store);
  const store = storeFlag ?? nonEmpty(env[ENV.store]) ?? 'sqlite';
  if (!(STORE_KINDS as readonly string[]).includes(store)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${storeFlag !== undefined ? '--store' : ENV.store} must be one of ${STORE_KINDS.join(', ')}, got ${JSON.stringify(store)}`,
    );
  }
  const leaseFlag = nonEmpty(flags.leaseDuration);
  const lease = leaseFlag ?? nonEmpty(env[ENV.leaseDuration]) ?? '15';
  if (!/^\d+(\.\d+)?$/.test(lease) || Number(lease) < 1 || Number(lease) > 3600) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${leaseFlag !== undefined ? '--lease-duration' : ENV.leaseDuration} must be seconds from 1 to 3600, got ${JSON.stringify(lease)}`,
    );
  }
  const kubeconfig = nonEmpty(flags.kubeconfig);
  const offloadDb = nonEmpty(flags.offloadDb) ?? nonEmpty(env[ENV.offloadDb]);
  if (offloadDb !== undefined && !/^postgres(ql)?:\/\//.test(offloadDb)) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `${nonEmpty(flags.offloadDb) !== undefined ? '--offload-db' : ENV.offloadDb} must be a postgres:// URL`,
    );
  }
  const allowHostPath = resolveHostPathAllowances(flags.allowHostPath, env);
  const maxLogBytes = parseMaxLogBytes(env);
  return Object.freeze({
    ...(allowHostPath.length > 0 ? { allowHostPath: Object.freeze(allowHostPath) } : {}),
    ...(maxLogBytes !== undefined ? { maxLogBytes } : {}),
    ...(offloadDb !== undefined ? { offloadDb } : {}),
    ...(busUrl !== undefined ? { busUrl } : {}),
    store: store as StoreKind,
    ...(kubeconfig !== undefined ? { kubeconfig: resolve(cwd, kubeconfig) } : {}),
    leaseDurationMs: Math.round(Number(lease) * 1000),
    dataDir: resolve(cwd, nonEmpty(flags.dataDir) ?? nonEmpty(env[ENV.dataDir]) ?? DEFAULT_DATA_DIR),
    authToken: nonEmpty(flags.authToken) ?? nonEmpty(env[ENV.authToken]),
    port,
    host: nonEmpty(flags.host) ?? nonEmpty(env[ENV.host]) ?? '127.0.0.1',
    executor: resolveExecutorKind(flags.executor, env),
  });
}

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:2746';
export const DEFAULT_NAMESPACE = 'default';

export interface ClientFlags {
  server?: string;
  token?: string;
  namespace?: string;
}

export interface ClientConfig {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:2746`. */
  readonly server: string;
  readonly token: string | undefined;
  readonly namespace: string;
}

/** The CLI's view of a server: flags > environment (WEIR_SERVER, WEIR_AUTH_TOKEN, WEIR_NAMESPACE) > defaults. */
export function resolveClientConfig(flags: ClientFlags, env: Readonly<Record<string, string | undefined>>): ClientConfig {
  const fromFlag = nonEmpty(flags.server);
  const raw = fromFlag ?? nonEmpty(env[ENV.server]) ?? DEFAULT_SERVER_URL;
  const source = fromFlag !== undefined ? '--server' : nonEmpty(env[ENV.server]) !== undefined ? ENV.server : 'default';
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new WeirError('INVALID_ARGUMENT', `${source} must be a URL like http://127.0.0.1:2746, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WeirError('INVALID_ARGUMENT', `${source} must be an http:// or https:// URL, got ${JSON.stringify(raw)}`);
  }
  const namespace = nonEmpty(flags.namespace) ?? nonEmpty(env[ENV.namespace]) ?? DEFAULT_NAMESPACE;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) || namespace.length > 63) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `namespace must be a DNS label (lower-case letters, digits, -), got ${JSON.stringify(namespace)}`,
    );
  }
  return Object.freeze({
    server: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    token: nonEmpty(flags.token) ?? nonEmpty(env[ENV.authToken]),
    namespace,
  });
}
