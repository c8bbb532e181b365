// A TCP proxy in front of the test API server that a test can freeze and cut: a store connected through it loses
// its connections (a network failure, an API server restart) at a moment the test chooses. TLS passes through
// untouched (the server's certificate names 127.0.0.1, which is where the proxy listens too).
import { connect, createServer } from 'node:net';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CuttableProxy {
  /** A copy of the kubeconfig whose server is the proxy. */
  kubeconfig: string;
  /** Stops forwarding the server's bytes on the open connections (what the server sends meanwhile is never seen). */
  freeze(): void;
  /** Closes every open connection; new ones work as before. */
  cut(): void;
  close(): Promise<void>;
}

export async function cuttableProxy(kubeconfig: string, server: string, dir: string): Promise<CuttableProxy> {
  const target = new URL(server);
  const open = new Set<Socket>();
  /** Server-side socket -> client-side socket, per open connection. */
  const pairs = new Map<Socket, Socket>();
  const track = (s: Socket): void => {
    open.add(s);
    s.once('close', () => open.delete(s));
    s.on('error', () => undefined);
  };
  const srv = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    track(client);
    track(upstream);
    pairs.set(upstream, client);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => {
      pairs.delete(upstream);
      client.destroy();
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  const proxied = join(dir, `kubeconfig-proxy-${port}`);
  const original = readFileSync(kubeconfig, 'utf8');
  if (!original.includes(`server: ${server}`)) throw new Error(`${kubeconfig} names no server ${server}`);
  writeFileSync(proxied, original.replace(`server: ${server}`, `server: https://127.0.0.1:${port}`), { mode: 0o600 });
  return {
    kubeconfig: proxied,
    freeze: () => {
      for (const [upstream, client] of pairs) {
        upstream.unpipe(client);
        upstream.pause();
      }
    },
    cut: () => {
      for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        srv.close(() => r());
      }),
  };
}
