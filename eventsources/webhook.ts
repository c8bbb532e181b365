// Webhook event source: receives events as HTTP requests on a shared per-port server (the host's HttpRoutes).
// Config keys: port, endpoint, method, authSecret (bearer token), maxPayloadSize (default 1 MiB), metadata,
// hmac {secret, header, algorithm, prefix} (Weir), filter (host). Not supported (warned): serverCertSecret/serverKeySecret. Emits Argo's WebhookEventData
// `{header, body, metadata}`: header is Go's http.Header (canonical names, value lists, Authorization masked); body is
// the JSON body, the query (GET) or the form (urlencoded POST) as name -> values. Answers 200 "success" only after the
// bus acknowledged; 503 when the bus is unavailable; 400/401/405/413 with a reason. `Idempotency-Key` or
// `X-Request-Id` makes the event id deterministic, so a client's retry never creates a second event; the same key
// with a different body is a 409.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isWeirError, WeirError, errorMessage } from '../src/core/errors.js';
import { jsonDepthExceededAt, MAX_JSON_DEPTH } from '../src/core/json-depth.js';
import { canonicalHeaderKey, stringMap, text } from '../src/core/adapter-kit.js';
import type { EventSourceAdapter, SecretRef, StartContext } from '../src/api/eventsource-adapter.js';
import { parseJsonLossless } from '../src/core/json-lossless.js';

export const DEFAULT_MAX_PAYLOAD_SIZE = 1_048_576;
const MASKED = '*** Masked Auth Secret ***';

interface HmacSpec {
  secret: SecretRef;
  header?: string;
  algorithm?: 'sha1' | 'sha256' | 'sha512';
  prefix?: string;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** Reads the body up to `limit` bytes; 413 past it (by Content-Length at once, or while streaming). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HttpFailure(413, `request body is ${declared} bytes; the limit is ${limit}`);
  // Plain 'data'/'end' listeners: cheaper than the stream's async iterator for the usual one-chunk body.
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        // Not destroyed: the handler answers 413 and then drains the rest (req.resume), so the client reads the answer.
        cleanup();
        reject(new HttpFailure(413, `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onAborted = (): void => onError(new Error('request closed before its body ended'));
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onAborted);
  });
}

/** Canonical forms of header names seen so far (clients send the same few names; bounded). */
const canonicalCache = new Map<string, string>();

function canonical(raw: string): string {
  let k = canonicalCache.get(raw);
  if (k === undefined) {
    k = canonicalHeaderKey(raw);
    if (canonicalCache.size < 1024) canonicalCache.set(raw, k);
  }
  return k;
}

/** Go's http.Header from Node's raw header list. */
function goHeader(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const k = canonical(req.rawHeaders[i]);
    (out[k] ??= []).push(req.rawHeaders[i + 1]);
  }
  if (out.Authorization !== undefined) out.Authorization = [MASKED];
  return out;
}

function valuesMap(params: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of params) (out[k] ??= []).push(v);
  return out;
}

function parseBody(req: IncomingMessage, raw: Buffer, url: URL): unknown {
  if (req.method === 'GET') return valuesMap(url.searchParams);
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return valuesMap(new URLSearchParams(raw.toString('utf8')));
  if (raw.length === 0) return null;
  const json = raw.toString('utf8');
  // Depth capped before the parse, so neither the parser nor a later walk of the payload can overflow the stack.
  if (jsonDepthExceededAt(json) >= 0)
    throw new HttpFailure(400, `request body nests deeper than ${MAX_JSON_DEPTH} levels; flatten the data`);
  try {
    return parseJsonLossless(json);
  } catch {
    throw new HttpFailure(400, 'request body is not valid JSON (send JSON, a form, or use GET with query parameters)');
  }
}

function safeEqual(a: string, b: string): boolean {
  // Compare digests so the lengths match and the comparison time does not depend on the content.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

async function checkAuth(ctx: StartContext, spec: Record<string, unknown>, req: IncomingMessage): Promise<void> {
  const ref = spec.authSecret as SecretRef | undefined;
  if (ref === undefined) return;
  let token: string | undefined;
  try {
    token = await ctx.secrets.get(ref);
  } catch (e) {
    ctx.log.error({ err: errorMessage(e) }, 'cannot read the webhook auth secret');
    throw new HttpFailure(500, 'error loading auth token');
  }
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Bearer ')) throw new HttpFailure(401, 'invalid Authorization header (expected "Bearer <token>")');
  if (token === undefined || token === '' || !safeEqual(header.slice('Bearer '.length), token))
    throw new HttpFailure(401, 'invalid auth token');
}

async function checkHmac(ctx: StartContext, hmac: HmacSpec | undefined, req: IncomingMessage, raw: Buffer): Promise<void> {
  if (hmac === undefined) return;
  let secret: string | undefined;
  try {
    secret = await ctx.secrets.get(hmac.secret);
  } catch (e) {
    ctx.log.error({ err: errorMessage(e) }, 'cannot read the webhook hmac secret');
    throw new HttpFailure(500, 'error loading hmac secret');
  }
  // Fail closed: an optional secret that is missing (or empty) must not turn into an empty HMAC key anyone can sign with.
  if (secret === undefined || secret === '')
    throw new HttpFailure(401, 'hmac secret is not configured (missing or empty); refusing every request');
  const algorithm = hmac.algorithm ?? 'sha256';
  const headerName = (hmac.header ?? `X-Hub-Signature-256`).toLowerCase();
  const got = req.headers[headerName];
  const value = Array.isArray(got) ? got[0] : got;
  if (value === undefined || value === '') throw new HttpFailure(401, `missing signature header ${hmac.header ?? 'X-Hub-Signature-256'}`);
  // Without a configured prefix, GitHub's "<algorithm>=<hex>" form is accepted as well as the bare hex digest.
  const prefix = hmac.prefix ?? (value.startsWith(`${algorithm}=`) ? `${algorithm}=` : '');
  if (!value.startsWith(prefix)) throw new HttpFailure(401, 'signature mismatch');
  const expected = createHmac(algorithm, secret).update(raw).digest('hex');
  if (!safeEqual(value.slice(prefix.length).toLowerCase(), expected)) throw new HttpFailure(401, 'signature mismatch');
}

function idempotencyId(req: IncomingMessage): string | undefined {
  const v = req.headers['idempotency-key'] ?? req.headers['x-request-id'];
  const key = Array.isArray(v) ? v[0] : v;
  if (key === undefined || key.trim() === '') return undefined;
  return `idem-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** Idempotency keys remembered per endpoint with the hash of their body (oldest forgotten first). */
export const IDEMPOTENCY_MEMORY = 10_000;

/**
 * Body hashes of the idempotency keys this endpoint saw, so a key sent again with a different body is told apart from
 * a retry (409, not a silent drop). The bus decides what is a duplicate (its duplicate window); this only compares
 * bodies. A hash is noted before the publish (so two different bodies sent at once are told apart too) and marked
 * stored once the bus took the event. Kept in memory: after a restart the first repeat of an older key cannot be
 * compared and is answered as a retry (logged).
 */
class KeyBodies {
  private readonly m = new Map<string, { hash: string; stored: boolean }>();
  get(id: string): { hash: string; stored: boolean } | undefined {
    return this.m.get(id);
  }
  note(id: string, hash: string, stored: boolean): void {
    if (!stored && this.m.has(id)) return;
    this.m.delete(id);
    this.m.set(id, { hash, stored });
    if (this.m.size > IDEMPOTENCY_MEMORY) this.m.delete(this.m.keys().next().value as string);
  }
}

function bodyHash(req: IncomingMessage, raw: Buffer, url: URL): string {
  const h = createHash('sha256');
  if (req.method === 'GET') h.update(url.search);
  else h.update(raw);
  return h.digest('hex');
}

async function handle(
  ctx: StartContext,
  spec: Record<string, unknown>,
  keys: KeyBodies,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = text(spec.method);
  const started = Date.now();
  try {
    if (ctx.signal.aborted) throw new HttpFailure(503, 'endpoint is inactive');
    if (req.method !== method) {
      throw new HttpFailure(
        405,
        `method ${req.method ?? ''} not allowed; this endpoint accepts ${method ?? 'no method (set spec.webhook.<name>.method)'}`,
      );
    }
    await checkAuth(ctx, spec, req);
    const limit = typeof spec.maxPayloadSize === 'number' && spec.maxPayloadSize > 0 ? spec.maxPayloadSize : DEFAULT_MAX_PAYLOAD_SIZE;
    const raw = await readBody(req, limit);
    await checkHmac(ctx, spec.hmac as HmacSpec | undefined, req, raw);
    const url = new URL(req.url ?? '/', 'http://x');
    const data: Record<string, unknown> = { header: goHeader(req), body: parseBody(req, raw, url) };
    const metadata = stringMap(spec.metadata);
    if (metadata !== undefined) data.metadata = metadata;
    const id = idempotencyId(req);
    const hash = id === undefined ? undefined : bodyHash(req, raw, url);
    if (id !== undefined && hash !== undefined) keys.note(id, hash, false);
    const r = await ctx.emit({ ...(id !== undefined ? { id } : {}), data });
    if (id !== undefined && hash !== undefined && !r.filtered) {
      const known = keys.get(id);
      if (!r.duplicate) keys.note(id, hash, true);
      else if (known !== undefined && known.hash !== hash) {
        throw new HttpFailure(
          409,
          'this Idempotency-Key/X-Request-Id was already used with a different body; the event was not stored again (use a new key for a new event)',
        );
      } else if (known?.stored !== true) {
        ctx.log.warn(
          { eventId: r.id },
          'idempotency key seen again but its stored body is not known here (restarted?); answered as a retry',
        );
      }
    }
    ctx.log.debug({ eventId: r.id, ms: Date.now() - started }, 'webhook request accepted');
    send(res, 200, 'success');
  } catch (e) {
    if (e instanceof HttpFailure) {
      ctx.log.info({ status: e.status, reason: e.message }, 'webhook request rejected');
      const headers: Record<string, string> = e.status === 405 && method !== undefined ? { allow: method } : {};
      // The rest of an oversized body is read and dropped, but the connection is not reused.
      if (e.status === 413) headers.connection = 'close';
      send(res, e.status, e.message, headers);
    } else if (isWeirError(e) && (e.code === 'BUS_UNAVAILABLE' || e.code === 'CANCELLED' || e.code === 'TIMEOUT')) {
      send(res, 503, `event bus unavailable, retry later: ${e.message}`, { 'retry-after': '1' });
    } else {
      ctx.log.error({ err: errorMessage(e) }, 'webhook request failed');
      send(res, 500, 'failed to record event');
    }
    // Drain what the client still sends so the connection can be reused.
    req.resume();
  }
}

export function createWebhookSource(): EventSourceAdapter {
  return {
    kind: 'webhook',
    start: async (ctx) => {
      const spec = ctx.spec;
      const port = Number(text(spec.port));
      const endpoint = text(spec.endpoint);
      if (!Number.isInteger(port) || endpoint === undefined) throw new WeirError('INVALID_SPEC', 'webhook needs port and endpoint');
      if (spec.serverCertSecret !== undefined || spec.serverKeySecret !== undefined) {
        ctx.log.warn(
          { port, endpoint },
          'webhook: serverCertSecret/serverKeySecret (TLS) are not supported yet; serving plain HTTP (terminate TLS in front)',
        );
      }
      const keys = new KeyBodies();
      await ctx.http.serve({ port, path: endpoint, signal: ctx.signal, handler: (req, res) => handle(ctx, spec, keys, req, res) });
      ctx.log.info({ port, endpoint, method: text(spec.method) }, 'webhook endpoint active');
      await new Promise<void>((resolve) => {
        if (ctx.signal.aborted) resolve();
        else ctx.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    },
  };
}
