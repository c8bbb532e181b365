// Child-process entry of the `ingest` baseline: a bare node:http server that, per POST, reads the body and does one
// acknowledged JetStream publish (own stream, Nats-Msg-Id set) before answering 200 — the least a durable webhook
// receiver must do. argv[2]: NATS URL. Prints `READY <url>`; exits on SIGTERM.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';

async function main(): Promise<void> {
  const nc = await connect({ servers: process.argv[2] });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'ingest-baseline', subjects: ['baseline.>'], duplicate_window: 120_000_000_000 });
  const js = jetstream(nc);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      js.publish('baseline.webhook.orders', Buffer.concat(chunks), { msgID: randomUUID() }).then(
        () => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('success');
        },
        () => {
          res.writeHead(503);
          res.end();
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}/\n`);
  process.once('SIGTERM', () => {
    server.close();
    void nc.close().finally(() => process.exit(0));
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`ingest-baseline: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
