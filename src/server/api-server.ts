// The API server: node:http with Argo's REST paths, an explicit lifecycle (starting → running → draining → stopped,
// or failed), bearer auth (or, without a token, the loopback Host/Origin guard), JSON-only bodies, body limits and one
// error mapping. Drain order in close(): stop accepting connections →
// end streams (watch, log follow) → wait for in-flight requests up to drainTimeoutMs → cut what is left.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WeirError, isWeirError, errorMessage } from '../core/errors.js';
import { OPEN_PATHS, bearerAuth } from './auth.js';
import { assertJsonContentType, assertLoopbackRequest } from './request-guard.js';
import { parseJsonObject, readBody, sendError, sendJson } from './http.js';
import { createServerMetrics } from './metrics.js';
import type { ServerMetrics } from './metrics.js';
import { resolveServerOptions } from './options.js';
import type { ApiServerOptions, ResolvedServerOptions } from './options.js';
import { Router, STREAMED } from './router.js';
import { infoRoutes } from './routes-info.js';
import { resourceRoutes } from './routes-resources.js';
import { cronRoutes } from './routes-cron.js';
import { workflowRoutes } from './routes-workflows.js';
import { streamRoutes } from './routes-streams.js';
import { componentLogRoutes } from './routes-component-logs.js';
import { sensorHistoryRoutes } from './routes-sensor-history.js';
import { serveUiRequest } from './routes-ui.js';
import { uiApiRoutes } from './routes-ui-api.js';
import { artifactRoutes } from './routes-artifacts.js';

export type ServerState = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

export interface ApiServer {
  readonly state: ServerState;
  readonly options: ResolvedServerOptions;
  /** `http://host:port` once listening. */
  readonly url: string;
  /** Starts listening; resolves with the bound address (port 0 → the chosen port). */
  listen(): Promise<{ url: string; host: string; port: number }>;
  /** Drains and stops; idempotent. */
  close(): Promise<void>;
  /** Settles when the server has stopped (or failed to start). */
  readonly closed: Promise<void>;
  readonly metrics: ServerMetrics;
  [Symbol.asyncDispose](): Promise<void>;
}

/** All API routes (exported for tests that want the table). */
export function buildRouter(): Router {
  const r = new Router();
  infoRoutes(r);
  workflowRoutes(r);
  streamRoutes(r);
  componentLogRoutes(r);
  resourceRoutes(r);
  cronRoutes(r);
  sensorHistoryRoutes(r);
  uiApiRoutes(r);
  artifactRoutes(r);
  return r;
}

export function createApiServer(input: ApiServerOptions): ApiServer {
  const opts = resolveServerOptions(input);
  const log = opts.logger;
  const router = buildRouter();
  const metrics = createServerMetrics(opts);
  const checkAuth = opts.authToken === undefined ? undefined : bearerAuth(opts.authToken);
  const drain = new AbortController();
  let state: ServerState = 'starting';
  let url: string | undefined;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  let closing: Promise<void> | undefined;
  let indexing: Promise<void> | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = process.hrtime.bigint();
    let route = 'unmatched';
    const reqAc = new AbortController();
    res.on('close', () => {
      reqAc.abort();
      metrics.observeRequest(req.method ?? 'GET', route, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    try {
      const u = new URL(req.url ?? '/', 'http://weir.invalid');
      if (u.pathname === '/healthz') {
        sendJson(res, 200, { status: state === 'running' ? 'ok' : state });
        return;
      }
      if (!checkAuth) assertLoopbackRequest(req);
      if (await serveUiRequest(req, res, u.pathname)) return;
      if (checkAuth && !OPEN_PATHS.has(u.pathname)) {
        try {
          checkAuth(req);
        } catch (e) {
          res.setHeader('www-authenticate', 'Bearer');
          throw e;
        }
      }
      if (u.pathname === '/metrics' && req.method === 'GET') {
        route = '/metrics';
        const text = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
        return;
      }
      const m = router.match(req.method ?? 'GET', u.pathname);
      route = m.pattern;
      assertJsonContentType(req);
      let bodyPromise: Promise<Record<string, unknown>> | undefined;
      const out = await m.handler({
        req,
        res,
        params: m.params,
        query: u.searchParams,
        opts,
        signal: AbortSignal.any([drain.signal, reqAc.signal]),
        body: () => (bodyPromise ??= readBody(req, opts.maxBodyBytes).then(parseJsonObject)),
      });
      if (out === STREAMED) return;
      sendJson(res, 200, out ?? {});
    } catch (e) {
      if (isWeirError(e)) {
        if (e.code === 'PAYLOAD_TOO_LARGE') res.setHeader('connection', 'close');
        sendError(res, e);
        return;
      }
      const id = randomUUID();
      log.error(
        { err: errorMessage(e), stack: e instanceof Error ? e.stack : undefined, requestId: id, method: req.method, path: req.url },
        'unexpected error in API request',
      );
      sendError(res, new WeirError('INTERNAL', `internal error (request ${id}); see the server log`));
    }
  };

  const server: Server = createServer((req, res) => {
    inFlight++;
    res.on('close', () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
    void handle(req, res);
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  const api: ApiServer = {
    get state() {
      return state;
    },
    options: opts,
    metrics,
    get url() {
      if (url === undefined) throw new WeirError('INVALID_ARGUMENT', 'the API server is not listening yet');
      return url;
    },
    closed,
    listen() {
      if (state !== 'starting' || server.listening)
        return Promise.reject(new WeirError('INVALID_ARGUMENT', `cannot listen in state ${state}`));
      return new Promise((resolve, reject) => {
        const onError = (e: NodeJS.ErrnoException): void => {
          state = 'failed';
          resolveClosed();
          const why = e.code === 'EADDRINUSE' ? 'address already in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
          reject(new WeirError('IO_ERROR', `cannot listen on ${opts.host}:${opts.port}: ${why}`, { cause: e }));
        };
        server.once('error', onError);
        server.listen(opts.port, opts.host, () => {
          server.off('error', onError);
          const a = server.address() as AddressInfo;
          const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
          url = `http://${host}:${a.port}`;
          state = 'running';
          log.info({ url }, 'API server listening');
          indexing = opts.lineage?.run(drain.signal).catch((e: unknown) => {
            if (!drain.signal.aborted) log.warn({ err: errorMessage(e) }, 'lineage index stopped');
          });
          resolve({ url, host: a.address, port: a.port });
        });
      });
    },
    close() {
      closing ??= (async () => {
        if (state === 'stopped' || state === 'failed') return;
        const wasListening = server.listening;
        state = 'draining';
        const stopped = wasListening ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
        drain.abort();
        server.closeIdleConnections();
        if (inFlight > 0) {
          await new Promise<void>((r) => {
            const t = setTimeout(r, opts.drainTimeoutMs);
            idle = () => {
              clearTimeout(t);
              r();
            };
          });
        }
        server.closeAllConnections();
        await stopped;
        await indexing;
        state = 'stopped';
        resolveClosed();
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return api.close();
    },
  };
  return api;
}
