// The one module that reads Weir's environment variables (WEIR_DATA_DIR, WEIR_AUTH_TOKEN, WEIR_PORT, WEIR_HOST)
// and merges them with command-line flags: precedence is flags > environment > defaults. Values are checked here so
// a bad one is reported with its source (flag or variable name).
import { resolve } from 'node:path';
import { WeirError } from './errors.js';

export const ENV = {
  dataDir: 'WEIR_DATA_DIR',
  authToken: 'WEIR_AUTH_TOKEN',
  port: 'WEIR_PORT',
  host: 'WEIR_HOST',
} as const;

export const DEFAULT_DATA_DIR = '.weir';

export interface ServerFlags {
  dataDir?: string;
  authToken?: string;
  port?: string;
  host?: string;
}

export interface ServerConfig {
  /** Absolute. */
  readonly dataDir: string;
  readonly authToken: string | undefined;
  readonly port: number;
  readonly host: string;
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
  return Object.freeze({
    dataDir: resolve(cwd, nonEmpty(flags.dataDir) ?? nonEmpty(env[ENV.dataDir]) ?? DEFAULT_DATA_DIR),
    authToken: nonEmpty(flags.authToken) ?? nonEmpty(env[ENV.authToken]),
    port,
    host: nonEmpty(flags.host) ?? nonEmpty(env[ENV.host]) ?? '127.0.0.1',
  });
}
