// The pod executor's Kubernetes transport: a kubeconfig loaded as kubectl would (file, KUBECONFIG, in-cluster,
// ~/.kube/config) with @kubernetes/client-node, JSON requests and raw streams (pods/log, watches) over node:https
// with the client's TLS and credentials. API `Status` failures become WeirErrors (404 NOT_FOUND, 409
// ALREADY_EXISTS/CONFLICT, 422 INVALID_SPEC, 401/403 UNAUTHORIZED, other 4xx INVALID_ARGUMENT).
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { WeirError, errorMessage } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';

export interface PodApiOptions {
  /** Path of a kubeconfig file. Default: $KUBECONFIG, else the in-cluster service account, else ~/.kube/config. */
  kubeconfig?: string;
  context?: string;
  /**
   * Connections to the API server for ordinary requests (creates, gets, patches, deletes, log reads), per TLS
   * identity; more wait for a free one. Default 32. Long-lived streams (watches, followed logs) use a pool of their
   * own (`open(..., { long: true })`) so they never hold these.
   */
  maxSockets?: number;
}

/** Default PodApiOptions.maxSockets. */
export const DEFAULT_MAX_SOCKETS = 32;

export interface OpenOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  /** A long-lived stream (a watch, a followed log): served by its own pool, outside maxSockets. */
  long?: boolean;
}

export type Query = Record<string, string | number | boolean | undefined>;

interface ApiStatus {
  code?: number;
  reason?: string;
  message?: string;
}

const CODE_BY_HTTP: Record<number, ErrorCode> = {
  401: 'UNAUTHORIZED',
  403: 'UNAUTHORIZED',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  410: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'INVALID_SPEC',
  504: 'TIMEOUT',
};

function apiError(http: number, text: string, what: string): WeirError {
  let st: ApiStatus;
  try {
    st = JSON.parse(text) as ApiStatus;
  } catch {
    st = { message: text.slice(0, 300) };
  }
  let code: ErrorCode = CODE_BY_HTTP[http] ?? (http >= 400 && http < 500 ? 'INVALID_ARGUMENT' : 'INTERNAL');
  if (st.reason === 'AlreadyExists') code = 'ALREADY_EXISTS';
  return new WeirError(code, `${what}: ${st.message ?? `HTTP ${http}`}`, { details: { reason: st.reason ?? '', httpStatus: http } });
}

export class PodApi {
  readonly kc: KubeConfig;
  readonly server: string;
  /** Keep-alive agents by TLS material (the client's agent closes its connection after each request). */
  private readonly agents = new Map<string, HttpAgent>();
  private readonly maxSockets: number;

  constructor(kc: KubeConfig, o: { maxSockets?: number } = {}) {
    this.kc = kc;
    this.maxSockets = o.maxSockets ?? DEFAULT_MAX_SOCKETS;
    if (!(this.maxSockets >= 1)) throw new WeirError('INVALID_ARGUMENT', `maxSockets must be at least 1, not ${this.maxSockets}`);
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new WeirError('INVALID_ARGUMENT', 'kubeconfig names no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
  }

  static connect(o: PodApiOptions = {}): PodApi {
    const kc = new KubeConfig();
    try {
      if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
      else if (process.env.KUBERNETES_SERVICE_HOST && !process.env.KUBECONFIG) kc.loadFromCluster();
      else kc.loadFromDefault();
    } catch (e) {
      throw new WeirError('INVALID_ARGUMENT', `cannot load kubeconfig${o.kubeconfig ? ` ${o.kubeconfig}` : ''}: ${errorMessage(e)}`, {
        cause: e,
      });
    }
    if (o.context) kc.setCurrentContext(o.context);
    return new PodApi(kc, o.maxSockets !== undefined ? { maxSockets: o.maxSockets } : {});
  }

  /** Opens a request and resolves with the response once its status is 2xx (rejects with the API's Status otherwise). */
  async open(method: string, path: string, o: OpenOptions = {}): Promise<IncomingMessage> {
    const u = new URL(this.server + path);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    const body = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    const opts: RequestOptions & { signal?: AbortSignal } = {
      method,
      hostname: u.hostname,
      port: u.port,
      path: u.pathname + u.search,
      headers: {
        Accept: 'application/json, */*',
        ...(body !== undefined ? { 'Content-Type': o.contentType ?? 'application/json', 'Content-Length': Buffer.byteLength(body) } : {}),
      },
      ...(o.signal ? { signal: o.signal } : {}),
    };
    await this.kc.applyToHTTPSOptions(opts);
    opts.agent = this.keepAlive(opts, u.protocol === 'http:', o.long === true);
    const what = `${method} ${u.pathname}`;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = (u.protocol === 'http:' ? httpRequest : httpsRequest)(opts, resolve);
      req.on('error', (e) => {
        if (o.signal?.aborted) reject(new WeirError('CANCELLED', `${what} cancelled`, { cause: e }));
        else reject(new WeirError('IO_ERROR', `Kubernetes API ${this.server} unreachable (${what}): ${errorMessage(e)}`, { cause: e }));
      });
      req.end(body);
    });
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    throw apiError(status, await text(res), what);
  }

  /**
   * A keep-alive agent with the request's TLS settings: one TLS handshake per connection instead of one per request
   * (tens of ms each on a loaded machine, on both ends). Keyed by the TLS material, so rotated credentials get a
   * fresh agent. Two pools per identity: ordinary requests share at most maxSockets connections (a burst of 1,000
   * creates would otherwise open 1,000 TLS connections, each a handshake on both ends); long-lived streams get a
   * connection each, apart, so they cannot starve requests.
   */
  private keepAlive(
    o: RequestOptions & {
      ca?: unknown;
      cert?: unknown;
      key?: unknown;
      pfx?: unknown;
      passphrase?: string;
      rejectUnauthorized?: boolean;
      servername?: string;
    },
    plain: boolean,
    long: boolean,
  ): HttpAgent {
    const tls = {
      ca: o.ca,
      cert: o.cert,
      key: o.key,
      pfx: o.pfx,
      passphrase: o.passphrase,
      rejectUnauthorized: o.rejectUnauthorized,
      servername: o.servername,
    };
    const text = (v: unknown): unknown => (Buffer.isBuffer(v) ? v.toString('base64') : v);
    const id = (long ? 'long ' : 'req ') + (plain ? 'http' : JSON.stringify(Object.values(tls).map(text)));
    let agent = this.agents.get(id);
    if (!agent) {
      if (this.agents.size >= 8) this.agents.clear(); // old credentials: their idle connections close on their own
      const clean = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
      // Idle connections close after 30 s (before the API server's own idle timeout could race a new request).
      const keep = { keepAlive: true, timeout: 30_000, ...(long ? {} : { maxSockets: this.maxSockets, maxFreeSockets: this.maxSockets }) };
      agent = plain ? new HttpAgent(keep) : new HttpsAgent({ ...keep, ...clean });
      this.agents.set(id, agent);
    }
    return agent;
  }

  /** Closes every connection (idle or not) of the keep-alive pools; a later request opens new ones. */
  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  /** One JSON request; resolves with the parsed body. */
  async request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, o: Omit<OpenOptions, 'long'> = {}): Promise<T> {
    const res = await this.open(method, path, o);
    let t: string;
    try {
      t = await text(res);
    } catch (e) {
      if (o.signal?.aborted) throw new WeirError('CANCELLED', `${method} ${path} cancelled`, { cause: e });
      throw new WeirError('IO_ERROR', `${method} ${path}: the response broke off: ${errorMessage(e)}`, { cause: e });
    }
    return (t === '' ? undefined : JSON.parse(t)) as T;
  }
}

export async function text(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function podPath(namespace: string, name?: string, sub?: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods${name === undefined ? '' : `/${encodeURIComponent(name)}`}${sub ? `/${sub}` : ''}`;
}

export function secretPath(namespace: string, name?: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
}
