// A tiny path router over node:http: routes are `METHOD /literal/:param/...` patterns matched segment by segment
// (no regular expressions, no wildcards). Handlers return a JSON-able value (sent as 200) or STREAMED when they
// wrote the response themselves.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WeirError } from '../core/errors.js';
import type { ResolvedServerOptions } from './options.js';

export const STREAMED: unique symbol = Symbol('streamed');

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Aborts when the client goes away or the server drains. */
  signal: AbortSignal;
  /** The request body as a JSON object (limit-checked; `{}` when empty). */
  body(): Promise<Record<string, unknown>>;
  opts: ResolvedServerOptions;
}

export type Handler = (ctx: RouteContext) => Promise<unknown>;

interface Route {
  method: string;
  pattern: string;
  segments: string[];
  handler: Handler;
}

export interface RouteMatch {
  handler: Handler;
  params: Record<string, string>;
  /** The pattern, for metrics labels. */
  pattern: string;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, pattern, segments: pattern.split('/').slice(1), handler });
    return this;
  }

  get(p: string, h: Handler): this {
    return this.add('GET', p, h);
  }
  post(p: string, h: Handler): this {
    return this.add('POST', p, h);
  }
  put(p: string, h: Handler): this {
    return this.add('PUT', p, h);
  }
  delete(p: string, h: Handler): this {
    return this.add('DELETE', p, h);
  }

  /** The route for `method path`; NOT_FOUND when none (naming the allowed methods when only the method differs). */
  match(method: string, path: string): RouteMatch {
    const parts = path.split('/').slice(1);
    const allowed: string[] = [];
    for (const r of this.routes) {
      const params = matchSegments(r.segments, parts);
      if (params === undefined) continue;
      if (r.method === method || (method === 'HEAD' && r.method === 'GET')) return { handler: r.handler, params, pattern: r.pattern };
      allowed.push(r.method);
    }
    if (allowed.length > 0)
      throw new WeirError('NOT_FOUND', `${method} is not supported on ${path}; use ${[...new Set(allowed)].join(', ')}`);
    throw new WeirError('NOT_FOUND', `no API route ${method} ${path}`);
  }
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith(':')) {
      if (parts[i] === '') return undefined;
      let v: string;
      try {
        v = decodeURIComponent(parts[i]);
      } catch {
        throw new WeirError('INVALID_ARGUMENT', `malformed percent-encoding in path segment ${JSON.stringify(parts[i])}`);
      }
      params[p.slice(1)] = v;
    } else if (p !== parts[i]) return undefined;
  }
  return params;
}
