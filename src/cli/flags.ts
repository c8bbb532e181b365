// Flag parsing shared by the verbs that talk to a server: the connection flags every such verb takes
// (--server, --token, -n/--namespace), usage errors (exit 2), -p NAME=VALUE and --parameter-file, -o choices, and
// durations for --since/--older (Go syntax plus `d` for days, as Argo's CLI accepts).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { resolveClientConfig } from '../core/config.js';
import { parseGoDuration } from '../core/duration.js';
import { WeirError, errorMessage } from '../core/errors.js';
import { WeirClient } from './client.js';
import type { CliIo } from './io.js';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export const CLIENT_OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

export const CLIENT_HELP = `Connection:
      --server URL        Weir server (env WEIR_SERVER; default http://127.0.0.1:2746)
      --token T           bearer token (env WEIR_AUTH_TOKEN)
  -n, --namespace NS      namespace (env WEIR_NAMESPACE; default: default)
`;

/** parseArgs with the connection flags added; unknown flags and bad values are usage errors (exit 2). */
export function parseFlags<const O extends OptionsConfig>(args: readonly string[], options: O) {
  return parseArgs({ args: [...args], options: { ...CLIENT_OPTIONS, ...options }, allowPositionals: true, strict: true });
}

export function usageError(message: string): WeirError {
  return new WeirError('INVALID_ARGUMENT', message);
}

/** The client for the connection flags (flags > WEIR_* environment > defaults). */
export function clientFrom(values: { server?: string; token?: string; namespace?: string }, io: CliIo, signal?: AbortSignal): WeirClient {
  return new WeirClient(resolveClientConfig({ server: values.server, token: values.token, namespace: values.namespace }, io.env), signal);
}

/** `-o` value checked against the formats a verb supports. */
export function outputFormat<const F extends string>(value: string | undefined, allowed: readonly F[]): F | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw usageError(`unknown output format ${JSON.stringify(value)}; use ${allowed.join(', ')}`);
  return value as F;
}

/** A duration flag in milliseconds: Go syntax (`90s`, `1h30m`) or whole days (`2d`, `1d12h`). */
export function durationFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)d(.*)$/.exec(value.trim());
  try {
    const ms = m ? Number(m[1]) * 86_400_000 + (m[2] === '' ? 0 : parseGoDuration(m[2])) : parseGoDuration(value);
    if (!(ms >= 0)) throw usageError(`${flag} must not be negative`);
    return ms;
  } catch (e) {
    if (e instanceof WeirError && e.code === 'INVALID_ARGUMENT') throw e;
    throw usageError(`${flag} expects a duration like 30s, 10m, 3h or 1d, got ${JSON.stringify(value)}`);
  }
}

/** A positive integer flag. */
export function intFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw usageError(`${flag} expects a positive integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** -p NAME=VALUE strings, checked; --parameter-file entries first so -p wins. */
export async function parameters(values: { parameter?: string[]; 'parameter-file'?: string }, io: CliIo): Promise<string[]> {
  const out: string[] = [];
  const file = values['parameter-file'];
  if (file !== undefined) {
    const path = resolve(io.cwd, file);
    let data: unknown;
    try {
      data = parseYaml(await readFile(path, 'utf8'));
    } catch (e) {
      throw usageError(`--parameter-file ${file}: ${errorMessage(e).split('\n')[0]}`);
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data))
      throw usageError(`--parameter-file ${file}: expected a map of parameter names to values`);
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) out.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  for (const p of values.parameter ?? []) {
    if (p.indexOf('=') <= 0) throw usageError(`-p expects NAME=VALUE, got ${JSON.stringify(p)}`);
    out.push(p);
  }
  return out;
}

/** `-l a=b,c=d` (repeatable) as a map, for labels to set. */
export function labelPairs(list: readonly string[] | undefined, flag = '-l'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    for (const pair of item.split(',')) {
      if (pair.trim() === '') continue;
      const i = pair.indexOf('=');
      if (i <= 0) throw usageError(`${flag} expects KEY=VALUE, got ${JSON.stringify(pair)}`);
      out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
    }
  }
  return out;
}

/** Exactly `n` positionals (or at least `min`), else a usage error naming the verb. */
export function needArgs(positionals: readonly string[], usage: string, min: number, max = min): void {
  if (positionals.length < min || positionals.length > max) {
    throw usageError(
      `${positionals.length < min ? 'missing arguments' : `unexpected argument ${JSON.stringify(positionals[max])}`}; usage: ${usage}`,
    );
  }
}
