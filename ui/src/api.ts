// Calls to Weir's REST API from the browser: same origin, JSON bodies sent with `Content-Type: application/json`,
// and `Authorization: Bearer <token>` when a token was entered (kept in localStorage, asked for once on a 401, like
// `argo auth token`). streamLines() reads the API's newline-delimited JSON streams (watches, logs).
const TOKEN_KEY = 'weir.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const getToken = (): string => localStorage.getItem(TOKEN_KEY) ?? '';
export function setToken(t: string): void {
  if (t === '') localStorage.removeItem(TOKEN_KEY);
  else localStorage.setItem(TOKEN_KEY, t);
}

/** Fired on window when the server answers 401: the app asks for a token. */
export const UNAUTHORIZED_EVENT = 'weir:unauthorized';

function headers(json: boolean): Record<string, string> {
  const h: Record<string, string> = { accept: 'application/json' };
  if (json) h['content-type'] = 'application/json';
  const t = getToken();
  if (t !== '') h.authorization = `Bearer ${t}`;
  return h;
}

async function failure(res: Response): Promise<ApiError> {
  let code = 'HTTP_' + String(res.status);
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const b = (await res.json()) as { code?: string; message?: string };
    if (b.code) code = b.code;
    if (b.message) message = b.message;
  } catch {
    /* not JSON */
  }
  if (res.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  return new ApiError(res.status, code, message);
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch (e) {
    if (init.signal?.aborted) throw e;
    throw new ApiError(0, 'UNREACHABLE', 'Cannot reach the Weir server. Is `weir server` running?');
  }
}

/** The workflow page's data: the workflow with its nodes as columns (a third of the bytes of Argo's node map). */
export const workflowViewPath = (ns: string, name: string): string => `/api/v1/ui/workflow/${enc(ns)}/${enc(name)}`;

/** GETs started before their page's script arrived (see prefetch); each is handed to the first api() call for it. */
const early = new Map<string, Promise<unknown>>();

/** Starts a GET now, while the page that needs it is still loading its chunk; the page's api() call takes it over. */
export function prefetch(path: string): void {
  if (early.has(path)) return;
  const p = api(path);
  p.catch(() => undefined); // the page's own call reports the failure
  early.set(path, p);
}

export async function api<T>(path: string, opts: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const started = method === 'GET' ? early.get(path) : undefined;
  if (started) {
    early.delete(path);
    // A failed early GET is made again by the page, so its error (a 401 asking for the token) is the page's own.
    return (started as Promise<T>).catch(() => api<T>(path, opts));
  }
  const json = method !== 'GET' && method !== 'DELETE';
  const res = await send(path, {
    method,
    headers: headers(json),
    ...(json ? { body: JSON.stringify(opts.body ?? {}) } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** Reads an NDJSON stream, calling onItem per parsed line until it ends or the signal aborts. */
export async function streamLines<T>(path: string, onItem: (item: T) => void, signal: AbortSignal): Promise<void> {
  const res = await send(path, { headers: headers(false), signal });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let parts: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      // Only the new chunk is searched for line ends, so a multi-megabyte line (a 10,000-node workflow) is
      // assembled in linear time.
      let start = 0;
      let i: number;
      while ((i = value.indexOf('\n', start)) >= 0) {
        parts.push(value.slice(start, i));
        const line = parts.join('');
        parts = [];
        start = i + 1;
        if (line.trim() !== '') onItem(JSON.parse(line) as T);
      }
      if (start < value.length) parts.push(value.slice(start));
    }
  } finally {
    reader.releaseLock();
  }
}

export const enc = encodeURIComponent;

/**
 * Downloads a file served by the API (an artifact). Without a token the browser fetches the link itself (streamed to
 * disk) after a HEAD check; with a token the body is fetched with the bearer header and saved from a blob.
 */
export async function downloadFile(path: string): Promise<void> {
  const save = (url: string, name: string): void => {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
  };
  if (getToken() === '') {
    const head = await send(path, { method: 'HEAD', headers: headers(false) });
    // A HEAD answer has no body: the GET repeats the failure with the server's reason.
    if (!head.ok) throw await failure(await send(path, { headers: headers(false) }));
    save(path, '');
    return;
  }
  const res = await send(path, { headers: headers(false) });
  if (!res.ok) throw await failure(res);
  const m = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '');
  const url = URL.createObjectURL(await res.blob());
  save(url, m ? decodeURIComponent(m[1]) : (path.split('/').pop() ?? 'artifact'));
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
