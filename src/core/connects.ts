// Whether a stream socket accepts a connection within a timeout (a TCP readiness probe, a unix socket's listener).
import { connect } from 'node:net';
import type { NetConnectOpts } from 'node:net';

/** Connects once with `options` (which must set `timeout`), closes at once; true when the connection was accepted. */
export function connects(options: NetConnectOpts & { timeout: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(options);
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.on('connect', () => done(true));
    s.on('timeout', () => done(false));
    s.on('error', () => done(false));
  });
}
