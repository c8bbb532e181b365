// Serves the built web UI (dist/ui, made by `npm run build:ui` at install) at `/` on the API's port: GET/HEAD of any
// path outside /api/, /artifacts/, /input-artifacts/, /metrics and /healthz. Hashed files under /assets/ are cached for a year, everything else is
// revalidated; a path without a file extension falls back to index.html (the UI routes in the browser). Paths are
// resolved inside the UI directory only (no `..`, no NUL, no symlink escape). Served without a token: the pages hold
// no data; the UI asks for the token and sends it on its API calls.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WeirError } from '../core/errors.js';
import { sendError } from './http.js';

/** dist/ui next to the compiled server (dist/src/server/routes-ui.js → dist/ui). */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

/** True for requests the UI answers: GET/HEAD outside the API, metrics and health paths. */
export function isUiRequest(method: string | undefined, pathname: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  return !(
    pathname === '/api' ||
    pathname.startsWith('/api/') ||
    pathname.startsWith('/artifacts/') ||
    pathname.startsWith('/input-artifacts/') ||
    pathname === '/metrics' ||
    pathname === '/healthz'
  );
}

/** The file under `root` for a URL path, or undefined when the path tries to leave it or is malformed. */
export function resolveUiPath(root: string, pathname: string): string | undefined {
  let p: string;
  try {
    p = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (p.includes('\0') || p.includes('\\')) return undefined;
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.some((s) => s === '..')) return undefined;
  return join(root, ...parts);
}

async function fileIn(root: string, file: string): Promise<{ path: string; size: number; mtime: Date } | undefined> {
  try {
    const real = await realpath(file);
    const realRoot = await realpath(root);
    if (real !== realRoot && !real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep)) return undefined;
    const st = await stat(real);
    return st.isFile() ? { path: real, size: st.size, mtime: st.mtime } : undefined;
  } catch {
    return undefined;
  }
}

function send(req: IncomingMessage, res: ServerResponse, f: { path: string; size: number; mtime: Date }, immutable: boolean): void {
  const etag = `W/"${f.size.toString(16)}-${f.mtime.getTime().toString(16)}"`;
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
    'content-type': TYPES[extname(f.path).toLowerCase()] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    etag,
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': f.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(f.path)
    .on('error', () => res.destroy())
    .pipe(res);
}

/** Answers a UI request from `root`; false when the request is not for the UI (the API handles it). */
export async function serveUiRequest(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  root: string = DEFAULT_UI_DIR,
): Promise<boolean> {
  if (!isUiRequest(req.method, pathname)) return false;
  const file = resolveUiPath(root, pathname);
  if (file === undefined) {
    sendError(res, new WeirError('INVALID_ARGUMENT', `invalid path ${JSON.stringify(pathname)}`));
    return true;
  }
  const found = pathname.endsWith('/') ? undefined : await fileIn(root, file);
  if (found) {
    send(req, res, found, pathname.startsWith('/assets/'));
    return true;
  }
  if (extname(pathname) !== '') {
    sendError(res, new WeirError('NOT_FOUND', `no file ${pathname}`));
    return true;
  }
  const index = await fileIn(root, join(root, 'index.html'));
  if (!index) {
    sendError(res, new WeirError('NOT_FOUND', 'the web UI is not built on this server: run "npm run build:ui" (npm install does it)'));
    return true;
  }
  send(req, res, index, false);
  return true;
}
