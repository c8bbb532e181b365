// The one module that reads Weir's environment variables (WEIR_DATA_DIR, WEIR_AUTH_TOKEN, WEIR_PORT, WEIR_HOST, WEIR_BUS,
// WEIR_ALLOW_HOST_PATH, WEIR_MAX_LOG_BYTES for the server and `weir run`; WEIR_SERVER, WEIR_AUTH_TOKEN, WEIR_NAMESPACE for the CLI client) and merges them with command-line flags: precedence is flags > environment > defaults. Values are checked here so
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
  /** Bytes of stdout (and of stderr) kept per step, e.g. `64Mi` (default) or `1Gi`: the head and the tail. */
  maxLogBytes: 'WEIR_MAX_LOG_BYTES',
} as const;

export const DEFAULT_DATA_DIR = '.weir';

export interface ServerFlags {
  dataDir?: string;
  authToken?: string;
  port?: string;
  host?: string;
  /** `--bus`: `embedded` or `nats://host:port` (see src/bus/factory.ts). */
  bus?: string;
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
  if (m === null) throw new WeirError('INVALID_ARGUMENT', `${ENV.maxLogBytes} must be a byte count such as 67108864 or 64Mi, got ${JSON.stringify(v)}`);
  return Number(m[1]) * UNITS[m[2] ?? ''];
}

/**
 * `PREFIX[:rw|:ro]` entries from --allow-host-path (repeatable) or, when no flag is given, WEIR_ALLOW_HOST_PATH
 * (comma-separated). A prefix must be absolute; it is normalised (`/srv/data/` and `/srv//data` are `/srv/data`).
 */
export function resolveHostPathAllowances(flags: readonly string[] | undefined, env: Readonly<Record<string, string | undefined>>): HostPathAllowance[] {
  const fromFlags = (flags ?? []).filter((f) => f !== '');
  const source = fromFlags.length > 0 ? '--allow-host-path' : ENV.allowHostPath;
  const items = fromFlags.length > 0 ? fromFlags : (nonEmpty(env[ENV.allowHostPath]) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return items.map((item) => {
    const m = /^(.*?)(?::(rw|ro))?$/.exec(item);
    const prefix = m?.[1] ?? '';
    if (!isAbsolute(prefix) || prefix.includes('\0')) {
      throw new WeirError('INVALID_ARGUMENT', `${source} takes an absolute host path prefix with an optional :rw or :ro, got ${JSON.stringify(item)}`);
    }
    return Object.freeze({ prefix: normalize(prefix).replace(/(.)\/+$/, '$1'), readWrite: m?.[2] === 'rw' });
  });
}

function parsePort(v: string, source: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) > 65535) throw new WeirError('INVALID_ARGUMENT', `${source} must be a port number from 0 to 65535, got ${JSON.stringify(v)}`);
  return Number(v);
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/** Flags > environment > defaults (host 127.0.0.1, port 2746, data dir ./.weir relative to `cwd`). */
export function resolveServerConfig(flags: ServerFlags, env: Readonly<Record<string, string | undefined>>, cwd: string): ServerConfig {
  const portFlag = nonEmpty(flags.port);
  const portEnv = nonEmpty(env[ENV.port]);
  const port = portFlag !== undefined ? parsePort(portFlag, '--port') : portEnv !== undefined ? parsePort(portEnv, ENV.port) : 2746;
  const busUrl = nonEmpty(flags.bus) ?? nonEmpty(env[ENV.bus]);
  const allowHostPath = resolveHostPathAllowances(flags.allowHostPath, env);
  return Object.freeze({
    ...(allowHostPath.length > 0 ? { allowHostPath: Object.freeze(allowHostPath) } : {}),
    ...(parseMaxLogBytes(env) !== undefined ? { maxLogBytes: parseMaxLogBytes(env) } : {}),
    ...(busUrl !== undefined ? { busUrl } : {}),
    dataDir: resolve(cwd, nonEmpty(flags.dataDir) ?? nonEmpty(env[ENV.dataDir]) ?? DEFAULT_DATA_DIR),
    authToken: nonEmpty(flags.authToken) ?? nonEmpty(env[ENV.authToken]),
    port,
    host: nonEmpty(flags.host) ?? nonEmpty(env[ENV.host]) ?? '127.0.0.1',
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
    throw new WeirError('INVALID_ARGUMENT', `namespace must be a DNS label (lower-case letters, digits, -), got ${JSON.stringify(namespace)}`);
  }
  return Object.freeze({
    server: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    token: nonEmpty(flags.token) ?? nonEmpty(env[ENV.authToken]),
    namespace,
  });
}
