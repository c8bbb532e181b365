// Bearer-token check for the API: `Authorization: Bearer <token>` compared in constant time (both sides hashed
// to equal length first, so neither the content nor the length of the token leaks through timing).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WeirError } from '../core/errors.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Paths answered without a token (liveness probes). */
export const OPEN_PATHS: ReadonlySet<string> = new Set(['/healthz']);

/** Returns a checker for `token`; the checker throws UNAUTHORIZED unless the request carries it. */
export function bearerAuth(token: string): (req: IncomingMessage) => void {
  const want = digest(token);
  return (req) => {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
    if (!m) throw new WeirError('UNAUTHORIZED', 'missing bearer token: send "Authorization: Bearer <token>"');
    if (!timingSafeEqual(digest(m[1]), want)) throw new WeirError('UNAUTHORIZED', 'invalid bearer token');
  };
}
