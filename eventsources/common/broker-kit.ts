// Shared helpers for the message-broker event sources (amqp, mqtt, nats, redis, redisStream): secrets-backed TLS and
// basic auth, Argo's body encoding (parsed JSON with jsonBody, else the bytes base64-encoded as Go marshals []byte),
// content-hash ids, an emit (single or batch) that waits for the bus acknowledgement and a promise that settles when the source stops.
import { createHash } from 'node:crypto';
import { WeirError, isWeirError } from '../../src/core/errors.js';
import type { EmitInput, EmitResult, SecretRef, StartContext } from '../../src/api/eventsource-adapter.js';

export interface TlsSpec {
  caCertSecret?: SecretRef;
  clientCertSecret?: SecretRef;
  clientKeySecret?: SecretRef;
  insecureSkipVerify?: boolean;
}
export interface BasicAuthSpec {
  username?: SecretRef;
  password?: SecretRef;
}

export interface TlsOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

/** Node TLS options from Argo's TLSConfig (secrets read through the host); undefined without tls. */
export async function readTls(ctx: StartContext, tls: unknown): Promise<TlsOptions | undefined> {
  if (tls === undefined || tls === null || typeof tls !== 'object') return undefined;
  const t = tls as TlsSpec;
  const read = async (r?: SecretRef): Promise<string | undefined> => (r !== undefined ? ctx.secrets.get(r) : undefined);
  const ca = await read(t.caCertSecret);
  const cert = await read(t.clientCertSecret);
  const key = await read(t.clientKeySecret);
  return {
    rejectUnauthorized: t.insecureSkipVerify !== true,
    ...(ca !== undefined ? { ca: [ca] } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
  };
}

/** Username and password from Argo's BasicAuth secrets; undefined without auth. */
export async function readBasicAuth(ctx: StartContext, auth: unknown): Promise<{ username: string; password: string } | undefined> {
  if (auth === undefined || auth === null || typeof auth !== 'object') return undefined;
  const a = auth as BasicAuthSpec;
  const username = a.username !== undefined ? ((await ctx.secrets.get(a.username)) ?? '') : '';
  const password = a.password !== undefined ? ((await ctx.secrets.get(a.password)) ?? '') : '';
  return { username, password };
}

/**
 * Argo's `body`: with jsonBody the parsed JSON (`{ ok: false }` when the bytes are not JSON, the message is then
 * skipped), else the raw bytes base64-encoded, which is how Go's encoding/json writes a []byte.
 */
export function argoBody(raw: Uint8Array, jsonBody: boolean): { ok: true; body: unknown } | { ok: false } {
  const buf = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (!jsonBody) return { ok: true, body: buf.toString('base64') };
  try {
    return { ok: true, body: JSON.parse(buf.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

/** A short stable hash of the parts (ids for messages that carry no id of their own). */
export function contentId(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p) : p;
    h.update(String(b.length)).update(':').update(b);
  }
  return h.digest('hex').slice(0, 32);
}

/**
 * Emits and waits until the bus acknowledged (retrying while it is unavailable); throws CANCELLED once the source is
 * stopping, so the caller leaves the message unacknowledged for the broker to deliver again.
 */
export async function emitAcked(ctx: StartContext, input: EmitInput): Promise<EmitResult> {
  try {
    return await ctx.emit(input, { untilAcked: true });
  } catch (e) {
    if (ctx.signal.aborted || (isWeirError(e) && e.code === 'CANCELLED')) throw new WeirError('CANCELLED', 'event source stopping');
    throw e;
  }
}

/** emitAcked for many events with one bus batch; results in input order. */
export async function emitAckedBatch(ctx: StartContext, inputs: readonly EmitInput[]): Promise<EmitResult[]> {
  try {
    return await ctx.emitBatch(inputs, { untilAcked: true });
  } catch (e) {
    if (ctx.signal.aborted || (isWeirError(e) && e.code === 'CANCELLED')) throw new WeirError('CANCELLED', 'event source stopping');
    throw e;
  }
}

/** Resolves when `signal` aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Go's zero time.Time rendered by String(), used where a message carries no timestamp. */
export const GO_ZERO_TIME = '0001-01-01 00:00:00 +0000 UTC';
