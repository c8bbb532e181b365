// HTTP client of the server verbs: JSON requests and NDJSON streams against a running `weir server` (argo-server's
// REST paths), with a bearer token, an AbortSignal on every call, and every failure turned into a one-line WeirError:
// no server answering, `{code, message}` error bodies, and replies that are not what the API sends.
import { ErrorCodes, WeirError, errorMessage } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import type { ClientConfig } from '../core/config.js';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

/** Requests other than streams give up after this long. */
export const REQUEST_TIMEOUT_MS = 60_000;

export class WeirClient {
  readonly server: string;
  readonly namespace: string;
  private readonly token: string | undefined;
  private readonly signal: AbortSignal | undefined;

  constructor(cfg: ClientConfig, signal?: AbortSignal) {
    this.server = cfg.server;
    this.namespace = cfg.namespace;
    this.token = cfg.token;
    this.signal = signal;
  }

  url(path: string, query: Query = {}): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
    const qs = q.toString();
    return `${this.server}${path}${qs ? `?${qs}` : ''}`;
  }

  private async send(method: string, path: string, o: RequestOptions, timeoutMs: number | undefined): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['content-type'] = 'application/json';
    }
    const signals = [this.signal, o.signal, timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs)].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    let res: Response;
    try {
      res = await fetch(this.url(path, o.query), {
        method,
        headers,
        body,
        signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
      });
    } catch (e) {
      throw this.transportError(e);
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }

  private transportError(e: unknown): WeirError {
    const name = e instanceof Error ? e.name : undefined;
    if (name === 'TimeoutError') return new WeirError('TIMEOUT', `the Weir server at ${this.server} did not answer in time`, { cause: e });
    if (name === 'AbortError') return new WeirError('CANCELLED', 'cancelled', { cause: e });
    return new WeirError('IO_ERROR', `cannot reach the Weir server at ${this.server} (start one with "weir server")`, { cause: e });
  }

  /** One JSON request; the parsed reply. */
  async json<T = unknown>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const res = await this.send(method, path, o, REQUEST_TIMEOUT_MS);
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw this.transportError(e);
    }
    try {
      return (text === '' ? {} : JSON.parse(text)) as T;
    } catch {
      throw new WeirError('INTERNAL', `the server at ${this.server} sent a reply that is not JSON (is it a Weir or Argo server?)`);
    }
  }

  get<T = unknown>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, { query });
  }

  /** An NDJSON stream (`{"result": ...}` per line, as grpc-gateway streams); yields each `result`. */
  async *stream<T = unknown>(path: string, query: Query = {}, signal?: AbortSignal): AsyncGenerator<T> {
    const res = await this.send('GET', path, { query, signal }, undefined);
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (line !== '') yield streamItem<T>(line);
        }
      }
    } catch (e) {
      if (e instanceof WeirError) throw e;
      if ((e instanceof Error && e.name === 'AbortError') || signal?.aborted || this.signal?.aborted) return;
      throw new WeirError('IO_ERROR', `the stream from ${this.server} broke off: ${errorMessage(e)}`, { cause: e });
    }
    const rest = buf.trim();
    if (rest !== '') yield streamItem<T>(rest);
  }
}

function streamItem<T>(line: string): T {
  let v: { result?: unknown; error?: { code?: unknown; message?: unknown } };
  try {
    v = JSON.parse(line) as typeof v;
  } catch {
    throw new WeirError('INTERNAL', 'the server sent a stream line that is not JSON');
  }
  if (v.error) throw new WeirError(codeOf(v.error.code), typeof v.error.message === 'string' ? v.error.message : 'stream error');
  return v.result as T;
}

function codeOf(c: unknown): ErrorCode {
  return typeof c === 'string' && Object.hasOwn(ErrorCodes, c) ? (c as ErrorCode) : 'INTERNAL';
}

const STATUS_CODE: Readonly<Record<number, ErrorCode>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHORIZED',
  403: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  504: 'TIMEOUT',
};

/** The server's `{code, message}` as a WeirError with the same code (exit status follows the code). */
async function errorFrom(res: Response): Promise<WeirError> {
  const text = await res.text().catch(() => '');
  let body: { code?: unknown; message?: unknown; details?: unknown } | undefined;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    body = undefined;
  }
  const message = typeof body?.message === 'string' && body.message !== '' ? body.message : `the server answered HTTP ${res.status}`;
  const code =
    typeof body?.code === 'string' && Object.hasOwn(ErrorCodes, body.code)
      ? (body.code as ErrorCode)
      : (STATUS_CODE[res.status] ?? 'INTERNAL');
  const hint = code === 'UNAUTHORIZED' ? ' (set --token or WEIR_AUTH_TOKEN)' : '';
  const details = body?.details !== null && typeof body?.details === 'object' ? (body.details as Record<string, unknown>) : undefined;
  return new WeirError(code, `${message}${hint}`, { details: { ...details, httpStatus: res.status } });
}
