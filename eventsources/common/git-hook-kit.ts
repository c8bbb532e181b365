// Shared plumbing for the Git-host webhook sources (github, gitlab, bitbucket, bitbucketserver): serves the
// configuration's `webhook` context on the host's shared HTTP server, reads the raw body within maxPayloadSize,
// lets the kind verify and shape the request, then emits and answers 200 only after the bus acknowledged. Failures
// answer 400/401/405/413 with a reason, 503 when the bus is unavailable. Registering the webhook with the hosting
// service is not done (no outbound calls): the user points the service's webhook at Weir's endpoint.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isWeirError, WeirError, errorMessage } from '../../src/core/errors.js';
import { canonicalHeaderKey, stringMap, text } from '../../src/core/adapter-kit.js';
import { untilAborted } from './broker-kit.js';
import type { StartContext } from '../../src/api/eventsource-adapter.js';

export const GIT_HOOK_MAX_PAYLOAD = 1_048_576;

export class HookFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface HookRequest {
  req: IncomingMessage;
  raw: Buffer;
  /** A request header (first value) by case-insensitive name; '' when absent. */
  header(name: string): string;
}

export interface HookVerdict {
  /** The event `body` (Argo keeps the JSON as sent). */
  body: unknown;
  /** Deterministic event id (the service's delivery id), when it sends one. */
  id?: string;
  /** Set when the request is valid but of an event type the configuration does not want: 200, nothing emitted. */
  ignored?: string;
}

/** Kind-specific checks and shaping; throws HookFailure for a bad request. */
export type HookHandler = (r: HookRequest) => Promise<HookVerdict>;

/** Equal strings, compared in constant time (over digests, so lengths do not leak). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/** Go's http.Header of the request: canonical names, value lists. */
export function goHeaders(req: IncomingMessage): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) (out[canonicalHeaderKey(req.rawHeaders[i])] ??= []).push(req.rawHeaders[i + 1]);
  return out;
}

/** Parses a JSON body; 400 when it is not JSON. */
export function jsonBody(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new HookFailure(400, 'request body is not valid JSON');
  }
}

/** True when `got` is wanted by an `events` list (absent, empty or "*" mean all). */
export function eventWanted(events: unknown, got: string): boolean {
  if (!Array.isArray(events) || events.length === 0) return true;
  return events.some((e) => e === '*' || e === got);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new HookFailure(413, `request body is ${declared} bytes; the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw new HookFailure(413, `request body exceeds the limit of ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks, size);
}

function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

/** Serves one Git-host webhook configuration until the source stops (payload `{headers, body, metadata}`). */
export async function serveGitHook(ctx: StartContext, kind: string, handler: HookHandler): Promise<void> {
  const hook = (ctx.spec.webhook ?? {}) as Record<string, unknown>;
  const port = Number(text(hook.port));
  const endpoint = text(hook.endpoint);
  const method = text(hook.method) ?? 'POST';
  if (!Number.isInteger(port) || endpoint === undefined)
    throw new WeirError('INVALID_SPEC', `${kind} needs webhook.port and webhook.endpoint`);
  const limit = typeof hook.maxPayloadSize === 'number' && hook.maxPayloadSize > 0 ? hook.maxPayloadSize : GIT_HOOK_MAX_PAYLOAD;
  const metadata = stringMap(ctx.spec.metadata);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (ctx.signal.aborted) throw new HookFailure(503, 'endpoint is inactive');
      if (req.method !== method) throw new HookFailure(405, `method ${req.method ?? ''} not allowed; this endpoint accepts ${method}`);
      const raw = await readBody(req, limit);
      const header = (name: string): string => {
        const v = req.headers[name.toLowerCase()];
        return (Array.isArray(v) ? v[0] : v) ?? '';
      };
      const verdict = await handler({ req, raw, header });
      if (verdict.ignored !== undefined) {
        ctx.log.info({ reason: verdict.ignored }, `${kind} webhook request ignored`);
        send(res, 200, `ignored: ${verdict.ignored}`);
        return;
      }
      const data: Record<string, unknown> = {
        headers: goHeaders(req),
        body: verdict.body,
        ...(metadata !== undefined ? { metadata } : {}),
      };
      await ctx.emit({ ...(verdict.id !== undefined ? { id: verdict.id } : {}), data });
      send(res, 200, 'success');
    } catch (e) {
      if (e instanceof HookFailure) {
        ctx.log.info({ status: e.status, reason: e.message }, `${kind} webhook request rejected`);
        send(res, e.status, e.message);
      } else if (isWeirError(e) && (e.code === 'BUS_UNAVAILABLE' || e.code === 'CANCELLED' || e.code === 'TIMEOUT')) {
        send(res, 503, `event bus unavailable, retry later: ${e.message}`);
      } else {
        ctx.log.error({ err: errorMessage(e) }, `${kind} webhook request failed`);
        send(res, 500, 'failed to record event');
      }
      req.resume();
    }
  };
  await ctx.http.serve({ port, path: endpoint, signal: ctx.signal, handler: handle });
  ctx.log.info({ port, endpoint, method }, `${kind} webhook endpoint active (register it with the service yourself; Weir does not)`);
  await untilAborted(ctx.signal);
}

/** Reads a secret selector when set; 500 when it cannot be read. */
export async function hookSecret(ctx: StartContext, ref: unknown): Promise<string | undefined> {
  if (ref === undefined || ref === null) return undefined;
  try {
    return await ctx.secrets.get(ref as { name?: string; key: string });
  } catch (e) {
    ctx.log.error({ err: errorMessage(e) }, 'cannot read the webhook secret');
    throw new HookFailure(500, 'error loading the webhook secret');
  }
}
