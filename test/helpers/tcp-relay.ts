// A TCP relay of a test's own in front of a server (the test API server): it counts connections, can hold back the
// server's bytes on the open connections and cut them, at a moment the test chooses (a network failure, an API
// server restart). TLS passes through untouched (the test server's certificate names 127.0.0.1, where the relay
// listens too).
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

export interface Relay {
  /** https://127.0.0.1:<port> */
  url: string;
  /** Connections opened so far. */
  opened: number;
  /** Connections open now. */
  readonly open: number;
  /** Stops passing the server's bytes to the client on the connections open now (what it sends is never seen). */
  hold(): void;
  /** Destroys the connections open now; new ones work as before. */
  cut(): void;
  /** Stops listening and cuts what is open. */
  close(): Promise<void>;
}

export async function relay(target: URL): Promise<Relay> {
  const live = new Set<{ client: Socket; server: Socket }>();
  const r = {
    url: '',
    opened: 0,
    get open() {
      return live.size;
    },
    hold: () => {
      for (const c of live) {
        c.server.unpipe(c.client);
        c.server.pause();
      }
    },
    cut: () => {
      for (const c of live) {
        c.client.destroy();
        c.server.destroy();
      }
    },
    close: () => {
      const done = new Promise<void>((resolve) => srv.close(() => resolve()));
      r.cut();
      return done;
    },
  };
  const srv = createServer((client) => {
    r.opened++;
    const server = connect(Number(target.port), target.hostname);
    const pair = { client, server };
    live.add(pair);
    client.pipe(server);
    server.pipe(client);
    const end = (): void => {
      live.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  r.url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return r;
}
