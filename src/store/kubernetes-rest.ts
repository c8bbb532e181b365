// The Kubernetes API transport of KubernetesStore: loads a kubeconfig (file, KUBECONFIG or in-cluster service
// account) with @kubernetes/client-node, sends JSON requests through the client's own HTTP layer (its TLS and
// authentication), and turns API Status failures into WeirErrors (404 NOT_FOUND, 409 ALREADY_EXISTS/CONFLICT,
// 410 CONFLICT+Expired, 422 INVALID_SPEC, 400 INVALID_ARGUMENT, 401/403 UNAUTHORIZED, 413 PAYLOAD_TOO_LARGE).
import { HttpMethod, IsomorphicFetchHttpLibrary, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { WeirError, errorMessage } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';
import { KIND_IDENTITY } from '../core/kinds.js';
import type { KindName } from '../api/kinds.js';

export interface KubeConnectOptions {
  /** Path of a kubeconfig file. Default: $KUBECONFIG, else the in-cluster service account, else ~/.kube/config. */
  kubeconfig?: string;
  /** A context of the kubeconfig other than its current one. */
  context?: string;
}

/** Loads a KubeConfig as kubectl would: explicit file, then KUBECONFIG, then in-cluster, then ~/.kube/config. */
export function loadKubeConfig(opts: KubeConnectOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else if (process.env.KUBERNETES_SERVICE_HOST && !process.env.KUBECONFIG) kc.loadFromCluster();
    else kc.loadFromDefault();
  } catch (e) {
    throw new WeirError('INVALID_ARGUMENT', `cannot load kubeconfig${opts.kubeconfig ? ` ${opts.kubeconfig}` : ''}: ${errorMessage(e)}`, {
      cause: e,
    });
  }
  if (opts.context) kc.setCurrentContext(opts.context);
  if (!kc.getCurrentCluster()) throw new WeirError('INVALID_ARGUMENT', 'kubeconfig names no current cluster');
  return kc;
}

/** The API path of a kind's collection (namespace omitted: all namespaces) or of one object. */
export function resourcePath(kind: KindName, namespace: string | undefined, name?: string): string {
  const k = KIND_IDENTITY[kind];
  const base = k.apiVersion === 'v1' ? '/api/v1' : `/apis/${k.apiVersion}`;
  const ns = k.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${ns}/${k.plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}

export type Query = Record<string, string | number | boolean | undefined>;

/** A Kubernetes `Status` failure body (the fields we read). */
interface ApiStatus {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

const CODE_BY_HTTP: Record<number, ErrorCode> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHORIZED',
  403: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  410: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'INVALID_SPEC',
  429: 'TIMEOUT',
  504: 'TIMEOUT',
};

/** Maps an API server failure to a WeirError; `details.reason` keeps the Kubernetes reason (Expired, Conflict...). */
export function statusError(http: number, status: ApiStatus | undefined, what: string): WeirError {
  const reason = status?.reason ?? '';
  let code: ErrorCode = CODE_BY_HTTP[http] ?? 'INTERNAL';
  if (reason === 'AlreadyExists') code = 'ALREADY_EXISTS';
  // The history a version or continue token needs is gone: 410 with reason Expired (watch cache: "too old resource
  // version: X (Y)"; etcd: "The resourceVersion for the provided watch is too old.") or Gone.
  const expired = http === 410 || reason === 'Expired' || reason === 'Gone' || TOO_OLD.test(status?.message ?? '');
  if (expired) code = 'CONFLICT';
  // Not "Too large resource version" (504: a version newer than the watch cache has seen yet; TIMEOUT, retry).
  if (reason === 'RequestEntityTooLarge' || /too large(?! resource version)/i.test(status?.message ?? '')) code = 'PAYLOAD_TOO_LARGE';
  const causes = (status?.details?.causes ?? []).map((c) => `${c.field ?? ''}: ${c.message ?? ''}`).join('; ');
  const message = `${what}: ${status?.message ?? `HTTP ${http}`}${causes && !(status?.message ?? '').includes(causes) ? ` (${causes})` : ''}`;
  return new WeirError(code, message, { details: { reason: expired ? 'Expired' : reason, httpStatus: http } });
}

const TOO_OLD = /too old resource version|(resourceVersion|continue parameter) .*is too old/i;

/**
 * How long one connection pool serves the store's requests. The client builds a new pool (a new TLS connection with
 * the client certificate) for every request; reusing one keeps its connections alive across requests (a handshake
 * per request cost tens of ms on a loaded machine, on both ends), and renewing it now and then still picks up
 * rotated credentials (an exec plugin's client certificate).
 */
const POOL_REUSE_MS = 5 * 60_000;

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/** JSON over the client's HTTP layer; one instance per store. */
export class KubeRest {
  readonly kc: KubeConfig;
  readonly server: string;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private pool: { dispatcher: Dispatcher; until: number } | undefined;

  constructor(kc: KubeConfig) {
    this.kc = kc;
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new WeirError('INVALID_ARGUMENT', 'kubeconfig names no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  url(path: string, query: Query = {}): string {
    const u = new URL(this.server + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  /** Sends one request; resolves with the parsed JSON body, rejects with a WeirError built from the Status. */
  async request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    o: { query?: Query; body?: unknown; contentType?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    const ctx = new RequestContext(this.url(path, o.query), HttpMethod[method]);
    ctx.setHeaderParam('Accept', 'application/json');
    if (o.body !== undefined) {
      ctx.setHeaderParam('Content-Type', o.contentType ?? 'application/json');
      ctx.setBody(typeof o.body === 'string' ? o.body : JSON.stringify(o.body));
    }
    if (o.signal) ctx.setSignal(o.signal);
    await this.kc.applySecurityAuthentication(ctx);
    this.reusePool(ctx);
    let status: number;
    let text: string;
    try {
      const resp = await this.http.send(ctx).toPromise();
      status = resp.httpStatusCode;
      text = await resp.body.text();
    } catch (e) {
      if (o.signal?.aborted) throw new WeirError('CANCELLED', `${method} ${path} cancelled`, { cause: e });
      throw new WeirError('IO_ERROR', `Kubernetes API ${this.server} unreachable (${method} ${path}): ${errorMessage(e)}`, { cause: e });
    }
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (status >= 200 && status < 300) return parsed as T;
    const st = parsed !== null && typeof parsed === 'object' ? (parsed as ApiStatus) : { message: text.slice(0, 300) };
    throw statusError(status, st, `${method} ${path}`);
  }

  /** Sends the request through the shared pool (see POOL_REUSE_MS); an expired pool closes once its requests ended. */
  private reusePool(ctx: RequestContext): void {
    const fresh = ctx.getDispatcher();
    if (fresh === undefined) return;
    const now = Date.now();
    if (this.pool === undefined || now >= this.pool.until) {
      const old = this.pool?.dispatcher;
      this.pool = { dispatcher: fresh, until: now + POOL_REUSE_MS };
      if (old) void old.close().catch(() => undefined);
    }
    ctx.setDispatcher(this.pool.dispatcher);
  }
}
