// Cross-site and DNS-rebinding protection for the API. Without a token the server trusts "whoever can reach
// 127.0.0.1", so it must make sure that is not a web page: the Host header must name a loopback address (a rebound
// attacker domain carries its own name) and an Origin header, when sent, must be the server's own origin. Every
// POST/PUT/PATCH must declare `application/json`, which a cross-site form or no-cors fetch cannot send without a CORS
// preflight (and the server grants none). Refusals are coded errors: FORBIDDEN (403), UNSUPPORTED_MEDIA_TYPE (415).
import type { IncomingMessage } from 'node:http';
import { WeirError } from '../core/errors.js';
import { isLoopback } from './options.js';

const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/** The host part of a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`); undefined when malformed. */
export function hostOfHeader(host: string): string | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]/@\s]+)(?::\d{1,5})?$/.exec(host.trim());
  return m?.[1];
}

/** True when `origin` (an Origin header) is the origin of a page served under `host` (the request's Host header). */
export function isOwnOrigin(origin: string, host: string): boolean {
  try {
    const o = new URL(origin);
    if (o.protocol !== 'http:' && o.protocol !== 'https:') return false;
    if (origin.replace(/\/$/, '').toLowerCase() !== o.origin) return false;
    // Parsing the Host under the Origin's scheme drops a default port the same way browsers do in Origin.
    return o.host === new URL(`${o.protocol}//${host}`).host;
  } catch {
    return false;
  }
}

/**
 * Tokenless mode: throws FORBIDDEN unless the Host header names a loopback address and the Origin header (when
 * present) is the server's own origin. The message says what to do.
 */
export function assertLoopbackRequest(req: IncomingMessage): void {
  const host = req.headers.host;
  const name = host === undefined ? undefined : hostOfHeader(host);
  if (host === undefined || name === undefined || !isLoopback(name)) {
    throw new WeirError(
      'FORBIDDEN',
      `refused: Host ${JSON.stringify(host ?? '')} is not a loopback address; without an auth token the API answers only requests to localhost, 127.0.0.0/8 or [::1] (set --auth-token to serve other names)`,
      { details: { reason: 'host', host: host ?? '' } },
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !isOwnOrigin(origin, host)) {
    throw new WeirError(
      'FORBIDDEN',
      `refused: cross-origin request from ${JSON.stringify(origin)}; without an auth token the API answers only its own origin (http://${host})`,
      { details: { reason: 'origin', origin } },
    );
  }
}

/** Throws UNSUPPORTED_MEDIA_TYPE unless a POST/PUT/PATCH declares `Content-Type: application/json`. */
export function assertJsonContentType(req: IncomingMessage): void {
  if (!BODY_METHODS.has(req.method ?? '')) return;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return;
  throw new WeirError(
    'UNSUPPORTED_MEDIA_TYPE',
    `${req.method ?? ''} requests must send "Content-Type: application/json"${type === '' ? '' : `, got ${JSON.stringify(type)}`}`,
    { details: { contentType: type } },
  );
}
