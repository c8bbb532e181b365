// A daemon's readinessProbe as the controller runs it: httpGet and tcpSocket against a real local server that
// starts answering only after the probe began; unsupported probe kinds are not run.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { test } from 'node:test';
import { compileProbe, waitReady } from '../../src/controller/readiness.js';

async function listen(server: Server, port = 0): Promise<number> {
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

test('httpGet: not ready while nothing listens or the answer is 5xx, ready on a 2xx/3xx of the probed path', async () => {
  const seen: string[] = [];
  let healthy = false;
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.statusCode = healthy ? 302 : 503;
    res.end();
  });
  const port = await listen(server);
  const probe = compileProbe({ httpGet: { path: '/ping', port }, periodSeconds: 1 });
  assert.ok(probe);
  const ac = new AbortController();
  const ready = waitReady(probe, '127.0.0.1', ac.signal);
  while (seen.length === 0) await new Promise((r) => setTimeout(r, 20));
  healthy = true;
  assert.equal(await ready, true);
  assert.ok(seen.length >= 2 && seen.every((u) => u === '/ping'), seen.join(','));
  server.close();
});

test('tcpSocket: ready once the port accepts; the wait ends with false when the step ends first', async () => {
  const probe0 = createServer();
  const port = await listen(probe0);
  probe0.close();
  await once(probe0, 'close');
  const probe = compileProbe({ tcpSocket: { port }, periodSeconds: 1 });
  assert.ok(probe);
  const ac = new AbortController();
  const pending = waitReady(probe, '127.0.0.1', ac.signal);
  ac.abort();
  assert.equal(await pending, false);
  const server = createServer((_q, r) => r.end());
  await listen(server, port);
  assert.equal(await waitReady(probe, '127.0.0.1', new AbortController().signal), true);
  server.close();
});

test('exec, grpc and named ports are not run (the daemon counts as ready once it runs)', () => {
  assert.equal(compileProbe({ exec: { command: ['true'] } }), undefined);
  assert.equal(compileProbe({ grpc: { port: 1 } }), undefined);
  assert.equal(compileProbe({ httpGet: { path: '/', port: 'http' } }), undefined);
  assert.equal(compileProbe(undefined), undefined);
});
