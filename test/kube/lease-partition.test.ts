// Leader election through a network partition: replica A reaches the real API server through a TCP proxy that the
// test turns into a black hole (connections stay open, nothing gets through, as when a node loses its network), so
// A's lease renewal hangs instead of failing. A must step down by its renew deadline on its own, before replica B
// (talking to the API server directly) takes the expired Lease: at no moment may both lead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { startKube } from '../helpers/kube.js';
import { eventually } from '../helpers/eventually.js';
import { KubeRest } from '../../src/store/kubernetes-rest.js';
import { LeaseElection } from '../../src/leader/lease-election.js';

/** A TCP pass-through to `target`; `blackhole()` makes every open and future connection silently drop all data. */
async function startProxy(target: URL): Promise<{ url: string; blackhole(): void; close(): void }> {
  let holed = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d) => void (holed || upstream.write(d)));
    upstream.on('data', (d) => void (holed || client.write(d)));
    client.on('end', () => holed || upstream.end());
    upstream.on('end', () => holed || client.end());
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    blackhole: () => void (holed = true),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

test('a leader whose API server stops answering steps down before another replica takes the Lease', async () => {
  const kube = await startKube();
  const proxy = await startProxy(new URL(kube.server));
  const events: string[] = [];
  const ac = new AbortController();
  try {
    const direct = new KubeConfig();
    direct.loadFromFile(kube.kubeconfig);
    const viaProxy = new KubeConfig();
    viaProxy.loadFromString(readFileSync(kube.kubeconfig, 'utf8').replaceAll(kube.server, proxy.url));
    // 10 s: long enough that a loaded machine's slow API server does not cost A the Lease before the partition.
    const options = { namespace: 'default', name: 'partition-test', leaseDurationMs: 10_000 };
    const a = new LeaseElection({ ...options, rest: new KubeRest(viaProxy), identity: 'a' });
    const b = new LeaseElection({ ...options, rest: new KubeRest(direct), identity: 'b' });
    const callbacks = (who: string) => ({
      onStartedLeading: () => void events.push(`${who} started`),
      onStoppedLeading: () => void events.push(`${who} stopped`),
    });
    const runA = a.run(ac.signal, callbacks('a'));
    await eventually(() => events.includes('a started'), { timeoutMs: 30_000, what: 'A to lead' });
    const runB = b.run(ac.signal, callbacks('b'));
    // B campaigns (and sees A's renewals) for a while before the partition.
    await new Promise((r) => setTimeout(r, 3000));
    assert.deepEqual(events, ['a started']);
    proxy.blackhole();
    await eventually(() => events.includes('b started'), { timeoutMs: 60_000, what: `B to lead (events so far: ${events.join(', ')})` });
    assert.deepEqual(events, ['a started', 'a stopped', 'b started'], 'A stepped down before B took over');
    assert.equal(a.isLeader(), false);
    ac.abort();
    await Promise.all([runA, runB]);
  } finally {
    ac.abort();
    proxy.close();
  }
});
