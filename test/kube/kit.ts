// Kit for the Kubernetes-mode tests: `weir server --store kubernetes` spawned as its own process (so it can be
// SIGKILLed) against the test API server, and a small HTTP recorder that steps call (to count how often each ran).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawnWeirChild } from '../helpers/weir-child.js';
import type { WeirChild } from '../helpers/weir-child.js';
import { startKube } from '../helpers/kube.js';
import type { KubeEnv } from '../helpers/kube.js';
import { eventually } from '../helpers/eventually.js';
import { buildTestImages } from '../executor/container-env.js';

export type Replica = WeirChild;

/** `weir server --store kubernetes ...args`; resolves once it printed its URL. */
export function spawnReplica(kubeconfig: string, args: readonly string[]): Promise<Replica> {
  return spawnWeirChild(['server', '--store', 'kubernetes', '--kubeconfig', kubeconfig, '--port', '0', ...args], {
    startTimeoutMs: 60_000,
    keepBytes: 400_000,
  });
}

/** Counts GET /<name> calls (steps `curl` it); `hits(name)` is how often each step ran. */
export async function startRecorder(): Promise<{ url: string; hits(name: string): number; close(): Promise<void> }> {
  const counts = new Map<string, number>();
  const srv = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    res.end('ok\n');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: (name) => counts.get(name) ?? 0,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/**
 * The control plane with the test node (the stand-in images built first), once `namespace` has its `default`
 * ServiceAccount: pods created before it exists are refused, so every pod test starts here.
 */
export async function startPodCluster(namespace = 'default', timeoutMs = 60_000): Promise<KubeEnv> {
  buildTestImages();
  const kube = await startKube({ node: true });
  await kube.ensureNamespace(namespace);
  await eventually(
    async () =>
      await kube.kubectl(['get', 'serviceaccount', 'default', '-n', namespace]).then(
        () => true,
        () => false,
      ),
    { timeoutMs, what: `the default ServiceAccount of ${namespace}` },
  );
  return kube;
}
