// Shared HTTP servers for webhook-style event sources, as Argo runs them: one server per port, many endpoints per
// port (exact path match), `GET /health` answering "OK" on every port, 404 for unknown paths. A port's server opens
// with its first route and closes with its last one.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { HttpHandler, HttpRoute, HttpRoutes } from '../api/eventsource-adapter.js';

interface PortServer {
  server: Server;
  routes: Map<string, HttpHandler>;
  listening: Promise<void>;
}

export interface HttpMuxOptions {
  /** Listen address for webhook ports. Default 127.0.0.1. */
  host?: string;
  logger: Logger;
}

function reply(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}

export class HttpMux implements HttpRoutes {
  private readonly ports = new Map<number, PortServer>();
  /** Servers still closing, so a restarted event can listen on the same port again. */
  private readonly closing = new Map<number, Promise<void>>();
  private readonly host: string;

  constructor(private readonly o: HttpMuxOptions) {
    this.host = o.host ?? '127.0.0.1';
  }

  async serve(route: HttpRoute): Promise<void> {
    if (route.signal.aborted) throw new WeirError('CANCELLED', 'stopped before the route was served');
    let ps = this.ports.get(route.port);
    if (ps?.routes.has(route.path)) {
      throw new WeirError('CONFLICT', `port ${route.port} already serves ${route.path} for another event`);
    }
    if (ps === undefined) ps = this.open(route.port);
    ps.routes.set(route.path, route.handler);
    const remove = (): void => this.remove(route.port, route.path, route.handler);
    route.signal.addEventListener('abort', remove, { once: true });
    try {
      await ps.listening;
    } catch (e) {
      route.signal.removeEventListener('abort', remove);
      remove();
      throw e;
    }
  }

  /** Ports with a server and the paths they serve. */
  routes(): { port: number; paths: string[] }[] {
    return [...this.ports].map(([port, ps]) => ({ port, paths: [...ps.routes.keys()].sort() }));
  }

  private open(port: number): PortServer {
    const routes = new Map<string, HttpHandler>();
    const server = createServer((req, res) => this.dispatch(routes, req, res));
    const listening = (this.closing.get(port) ?? Promise.resolve()).then(
      () =>
        new Promise<void>((resolve, reject) => {
          server.once('error', (e: NodeJS.ErrnoException) => {
            this.ports.delete(port);
            reject(new WeirError('IO_ERROR', `cannot listen on ${this.host}:${port}: ${e.code ?? e.message}`, { cause: e }));
          });
          server.listen(port, this.host, () => {
            this.o.logger.info({ port }, 'webhook server listening');
            resolve();
          });
        }),
    );
    listening.catch(() => undefined);
    const ps: PortServer = { server, routes, listening };
    this.ports.set(port, ps);
    return ps;
  }

  private dispatch(routes: Map<string, HttpHandler>, req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const handler = routes.get(path);
    if (handler !== undefined) {
      handler(req, res).catch((e: unknown) => {
        this.o.logger.error({ path, err: errorMessage(e) }, 'webhook handler failed');
        reply(res, 500, 'internal error');
      });
      return;
    }
    if (path === '/health') return reply(res, 200, 'OK');
    reply(res, 404, 'not found');
  }

  private remove(port: number, path: string, handler: HttpHandler): void {
    const ps = this.ports.get(port);
    if (ps === undefined || ps.routes.get(path) !== handler) return;
    ps.routes.delete(path);
    if (ps.routes.size > 0) return;
    this.ports.delete(port);
    const closed = new Promise<void>((resolve) => ps.server.close(() => resolve()));
    ps.server.closeAllConnections();
    this.closing.set(port, closed);
    void closed.then(() => {
      if (this.closing.get(port) === closed) this.closing.delete(port);
    });
  }

  /** Closes every server (host shutdown). */
  async close(): Promise<void> {
    const all = [...this.ports.values()].map(
      (ps) =>
        new Promise<void>((resolve) => {
          ps.server.close(() => resolve());
          ps.server.closeAllConnections();
        }),
    );
    this.ports.clear();
    await Promise.all([...all, ...this.closing.values()]);
  }
}
