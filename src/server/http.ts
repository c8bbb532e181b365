// HTTP plumbing shared by every route: JSON replies, the `{code, message}` error body (never a stack), request bodies
// read under a byte limit (413) and parsed as JSON objects (400 with the parser's reason or the nesting-depth cap), and query-string helpers
// for Argo's `listOptions.*`, `fields` and boolean parameters.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCodes, WeirError, errorMessage } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { assertJsonDepth } from '../core/json-depth.js';
import type { ListOptions } from '../store/types.js';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

/** The error body: `{ code, message }` plus user-safe `details` when present. */
export function errorBody(e: WeirError): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
  return e.details === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, details: e.details };
}

export function sendError(res: ServerResponse, e: WeirError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, ErrorCodes[e.code].status, errorBody(e));
}

/** Reads the body; 413 when it exceeds `limit` (by Content-Length or while streaming). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  const tooLarge = (): WeirError => new WeirError('PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limit} bytes`);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON object body (nesting depth capped before the parse: 400, never a stack overflow); empty is `{}`. */
export function parseJsonObject(buf: Buffer): Record<string, unknown> {
  const text = buf.toString('utf8');
  if (text.trim() === '') return {};
  assertJsonDepth(text, undefined, 'request body');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new WeirError('PARSE_ERROR', `request body is not valid JSON: ${errorMessage(e)}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new WeirError('INVALID_SPEC', 'request body must be a JSON object');
  return v as Record<string, unknown>;
}

/** `true`/`1` → true, `false`/`0`/absent → false; anything else is a 400. */
export function boolParam(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw new WeirError('INVALID_ARGUMENT', `query parameter ${name} must be true or false, got ${JSON.stringify(v)}`);
}

export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v))
    throw new WeirError('INVALID_ARGUMENT', `query parameter ${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Equality field selectors (`a=b,c==d`); `!=` is not supported by the store and is refused. */
export function parseEqualitySelector(s: string | null, param: string): Record<string, string> | undefined {
  if (s === null || s.trim() === '') return undefined;
  const out: Record<string, string> = {};
  for (const term of s.split(',')) {
    if (term.trim() === '') continue;
    if (term.includes('!=')) throw new WeirError('INVALID_ARGUMENT', `${param}: only = and == are supported, got ${JSON.stringify(term)}`);
    const m = /^([^=]+?)\s*==?\s*(.*)$/.exec(term.trim());
    if (!m) throw new WeirError('INVALID_ARGUMENT', `${param}: expected FIELD=VALUE, got ${JSON.stringify(term)}`);
    out[m[1]] = m[2];
  }
  return out;
}

/** Argo's `listOptions.*` query parameters as store ListOptions (namespace added by the caller). */
export function listOptionsFrom(q: URLSearchParams): Omit<ListOptions, 'namespace'> & { resourceVersion?: string } {
  const o: Omit<ListOptions, 'namespace'> & { resourceVersion?: string } = {};
  const ls = q.get('listOptions.labelSelector');
  if (ls) o.labelSelector = ls;
  const fs = parseEqualitySelector(q.get('listOptions.fieldSelector'), 'listOptions.fieldSelector');
  if (fs) o.fieldSelector = fs;
  const limit = intParam(q, 'listOptions.limit');
  if (limit !== undefined && limit > 0) o.limit = limit;
  const cont = q.get('listOptions.continue');
  if (cont) o.continue = cont;
  const rv = q.get('listOptions.resourceVersion');
  if (rv) o.resourceVersion = rv;
  return o;
}

/**
 * Argo's `fields` parameter: `a.b,c` keeps only those paths, `-a.b,c` removes them. Paths go through arrays
 * (`items.status.phase` applies to every item).
 */
export function applyFields(value: unknown, fields: string | null): unknown {
  if (fields === null || fields.trim() === '') return value;
  const exclude = fields.startsWith('-');
  const paths = (exclude ? fields.slice(1) : fields)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => p.split('.'));
  return exclude ? dropPaths(value, paths) : keepPaths(value, paths);
}

function keepPaths(v: unknown, paths: string[][]): unknown {
  if (paths.some((p) => p.length === 0)) return v;
  if (Array.isArray(v)) return v.map((x) => keepPaths(x, paths));
  if (v === null || typeof v !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) {
    const sub = paths.filter((p) => p[0] === k).map((p) => p.slice(1));
    if (sub.length === 0) continue;
    const kept = keepPaths(child, sub);
    if (kept !== undefined) out[k] = kept;
  }
  return out;
}

function dropPaths(v: unknown, paths: string[][]): unknown {
  if (Array.isArray(v)) return v.map((x) => dropPaths(x, paths));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) {
    const sub = paths.filter((p) => p[0] === k).map((p) => p.slice(1));
    if (sub.some((p) => p.length === 0)) continue;
    out[k] = sub.length === 0 ? child : dropPaths(child, sub);
  }
  return out;
}
