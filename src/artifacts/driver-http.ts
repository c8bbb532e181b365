// Driver `http` (input only): GET `http.url` with `http.headers` and optional basic auth (username/password
// from Secrets), streamed to the destination; fetch gets the caller's AbortSignal. 404 is NOT_FOUND (so optional
// inputs are skipped); other non-2xx statuses fail. OAuth2 and client certificates are not supported yet.
// Config keys: `http.url`, `http.headers[{name,value}]`, `http.auth.basicAuth.{usernameSecret,passwordSecret}`.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { WeirError } from '../core/errors.js';
import { Redactor } from './redact.js';
import type { ArtifactDriver, DriverContext, LoadedKind, TransferOptions } from './types.js';

const SENSITIVE_HEADER = /auth|token|key|secret|cookie|session|password/i;

export function httpDriver(ctx: DriverContext): ArtifactDriver {
  return {
    kind: 'http',
    async load(loc, dest, opts: TransferOptions = {}): Promise<LoadedKind> {
      const spec = loc.http;
      const url = spec?.url;
      if (url === undefined || url === '') throw new WeirError('INVALID_SPEC', 'http artifact needs a url');
      const red = new Redactor();
      const headers = new Headers();
      for (const h of spec?.headers ?? []) {
        headers.append(h.name, h.value);
        if (SENSITIVE_HEADER.test(h.name)) red.add(h.value);
      }
      const auth = spec?.auth;
      if (auth?.oauth2 !== undefined || auth?.clientCert !== undefined) {
        throw new WeirError(
          'INVALID_SPEC',
          'http artifact: oauth2 and clientCert authentication are not supported yet (use basicAuth or headers)',
        );
      }
      if (auth?.basicAuth !== undefined) {
        const { usernameSecret, passwordSecret } = auth.basicAuth;
        const user = usernameSecret ? await ctx.secrets.get(usernameSecret) : undefined;
        const pass = passwordSecret ? await ctx.secrets.get(passwordSecret) : undefined;
        red.add(user, pass);
        const token = Buffer.from(`${user ?? ''}:${pass ?? ''}`).toString('base64');
        red.add(token);
        headers.set('authorization', `Basic ${token}`);
      }
      try {
        const res = await fetch(url, { headers, signal: opts.signal, redirect: 'follow' });
        if (res.status === 404) {
          await res.body?.cancel();
          throw new WeirError('NOT_FOUND', `http artifact ${url} not found (404)`);
        }
        if (!res.ok || res.body === null) {
          await res.body?.cancel();
          throw new WeirError('IO_ERROR', `http artifact ${url}: server answered ${res.status} ${res.statusText}`);
        }
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(dest, { flags: 'wx' }), {
          signal: opts.signal,
        });
        return 'file';
      } catch (e) {
        const aborted = opts.signal?.aborted === true;
        throw red.error(
          e,
          aborted
            ? { code: 'CANCELLED', context: `http artifact ${url}` }
            : e instanceof WeirError
              ? {}
              : { context: `http artifact ${url}` },
        );
      }
    },
  };
}
