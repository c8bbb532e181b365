// A test node for the real API server of scripts/kube-env.sh (issue 17, option b: there is no kubelet here). It
// registers a Ready Node whose kubelet endpoint is this process's HTTPS log server, plays the scheduler for pods
// that fit it (binds pending pods whose nodeSelector matches), runs bound pods with podman (kube-node-pod.ts),
// provisions and releases PersistentVolumeClaims (kube-node-volumes.ts),
// and creates each namespace's `default` ServiceAccount, which the control plane's controller manager would.
// Weir talks only to the API server and cannot tell this node from a kubelet.
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Server } from 'node:https';
import { WeirError } from '../../src/core/errors.js';
import { PodApi } from '../../src/executor/pod-kube.js';
import { watchEvents } from '../../src/executor/pod-watch.js';
import { startLogServer } from './kube-node-logs.js';
import { PodRunner } from './kube-node-pod.js';
import { ContainerExits, addressBatch, podman, removeBatch } from './kube-node-exits.js';
import type { PodObject, Runtime } from './kube-node-pod.js';
import { ClaimVolumes } from './kube-node-volumes.js';

export interface TestNodeOptions {
  kubeconfig: string;
  /** The kube-env state dir: its apiserver.crt/key (SAN 127.0.0.1) serve the kubelet endpoint too. */
  kubeDir: string;
  name?: string;
}

type WatchedPod = PodObject & {
  metadata: PodObject['metadata'] & { resourceVersion?: string };
  spec: PodObject['spec'] & { schedulerName?: string; nodeSelector?: Record<string, string> };
};

export class TestNode {
  readonly name: string;
  private readonly api: PodApi;
  private readonly runners = new Map<string, PodRunner>();
  private readonly ac = new AbortController();
  private server: Server | undefined;
  private dir = '';
  /**
   * The value of the `io.weir.test-node` label on this node's containers: unique per instance (its temp dir), since
   * several test processes each run a node named `weir-test-node` on one machine, and stop() removes by label.
   */
  private containerLabel = '';
  private readonly labels: Record<string, string>;
  private loops: Promise<void>[] = [];
  private runtime: Runtime | undefined;

  private constructor(o: TestNodeOptions) {
    this.name = o.name ?? 'weir-test-node';
    this.api = PodApi.connect({ kubeconfig: o.kubeconfig });
    this.labels = { 'kubernetes.io/hostname': this.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' };
  }

  static async start(o: TestNodeOptions): Promise<TestNode> {
    const n = new TestNode(o);
    await n.init(o);
    return n;
  }

  private byPod(ns: string, pod: string): PodRunner | undefined {
    for (const r of this.runners.values()) if (r.pod.metadata.namespace === ns && r.pod.metadata.name === pod) return r;
    return undefined;
  }

  private async init(o: TestNodeOptions): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'weir-node-'));
    this.containerLabel = `${this.name}.${basename(this.dir)}`;
    this.runtime = { exits: new ContainerExits(this.containerLabel), remover: removeBatch(), addresses: addressBatch() };
    this.runtime.exits.start();
    const tls = { cert: await readFile(join(o.kubeDir, 'apiserver.crt')), key: await readFile(join(o.kubeDir, 'apiserver.key')) };
    const { server, port } = await startLogServer(
      {
        logFile: (ns, pod, c) => this.byPod(ns, pod)?.logFile(c),
        exited: (ns, pod, c) => this.byPod(ns, pod)?.exited(c) ?? true,
      },
      tls,
    );
    this.server = server;
    await this.register(port);
    this.loops.push(
      this.watch<{ metadata: { name: string; resourceVersion?: string } }>('/api/v1/namespaces', (type, ns) =>
        this.ensureServiceAccount(type, ns.metadata.name),
      ),
    );
    // Claims before pods: a pod that arrives first must find its claim's directory.
    const claims = new ClaimVolumes(this.api, join(this.dir, 'claims'), this.ac.signal);
    this.runtime.claims = claims;
    this.loops.push(claims.run());
    this.loops.push(this.watch<WatchedPod>('/api/v1/pods', (type, pod) => this.onPod(type, pod)));
  }

  private async register(port: number): Promise<void> {
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: this.name, labels: this.labels }, spec: {} };
    await this.api.request('POST', '/api/v1/nodes', { body: node }).catch((e: unknown) => {
      if (!(e instanceof WeirError && e.code === 'ALREADY_EXISTS')) throw e;
    });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      capacity: { cpu: '2', memory: '8Gi', pods: '1100' },
      allocatable: { cpu: '2', memory: '8Gi', pods: '1100' },
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'weir test node',
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: port } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: '',
        osImage: 'weir test node (podman)',
        containerRuntimeVersion: `podman://${(await podman(['version', '-f', '{{.Client.Version}}'])).trim()}`,
        kubeletVersion: 'weir-test-node',
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
    await this.api.request('PATCH', `/api/v1/nodes/${this.name}/status`, { body: { status }, contentType: 'application/merge-patch+json' });
    // The not-ready taint the API server adds to new nodes; the node lifecycle controller (absent here) lifts it.
    await this.api.request('PATCH', `/api/v1/nodes/${this.name}`, {
      body: { spec: { taints: null } },
      contentType: 'application/merge-patch+json',
    });
  }

  /** List, then watch from the list's version; on any end of the watch, list again. */
  private async watch<T extends { metadata: { resourceVersion?: string } }>(
    path: string,
    on: (type: string, obj: T) => void,
  ): Promise<void> {
    const signal = this.ac.signal;
    while (!signal.aborted) {
      try {
        const list = await this.api.request<{ metadata: { resourceVersion: string }; items: T[] }>('GET', path, { signal });
        for (const it of list.items) on('ADDED', it);
        const res = await this.api.open('GET', path, {
          query: { watch: true, resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 300 },
          signal,
        });
        for await (const ev of watchEvents<T>(res)) {
          if (ev.type === 'ERROR') throw new Error('watch expired');
          on(ev.type, ev.object);
        }
      } catch {
        if (!signal.aborted) await new Promise((ok) => setTimeout(ok, 200));
      }
    }
  }

  private ensureServiceAccount(type: string, ns: string): void {
    if (type !== 'ADDED') return;
    const sa = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } };
    void this.api.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { body: sa }).catch(() => undefined);
  }

  private fits(pod: WatchedPod): boolean {
    const sched = pod.spec.schedulerName ?? 'default-scheduler';
    if (sched !== 'default-scheduler') return false;
    return Object.entries(pod.spec.nodeSelector ?? {}).every(([k, v]) => this.labels[k] === v);
  }

  private onPod(type: string, pod: WatchedPod): void {
    const uid = pod.metadata.uid;
    const known = this.runners.get(uid);
    if (type === 'DELETED') {
      if (known) {
        this.runners.delete(uid);
        void known.terminate(0).then(() => known.remove());
      }
      return;
    }
    if (!pod.spec.nodeName) {
      if (!pod.metadata.deletionTimestamp && this.fits(pod)) void this.bind(pod);
      return;
    }
    if (pod.spec.nodeName !== this.name) return;
    let r = known;
    if (!r) {
      if (pod.metadata.deletionTimestamp && !known) return;
      r = new PodRunner({
        api: this.api,
        pod,
        dir: join(this.dir, uid),
        nodeLabel: this.containerLabel,
        runtime: this.runtime as Runtime,
      });
      this.runners.set(uid, r);
      void r.run();
    }
    if (pod.metadata.deletionTimestamp)
      void r.terminate(pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30);
  }

  private async bind(pod: WatchedPod): Promise<void> {
    const p = pod.metadata;
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: p.name, namespace: p.namespace },
      target: { apiVersion: 'v1', kind: 'Node', name: this.name },
    };
    await this.api.request('POST', `/api/v1/namespaces/${p.namespace}/pods/${p.name}/binding`, { body: binding }).catch(() => undefined);
  }

  /** Stops watching, removes every container this node started, its files and the Node object. */
  async stop(): Promise<void> {
    this.ac.abort();
    this.runtime?.exits.stop();
    await Promise.all(this.loops);
    await Promise.all([...this.runners.values()].map((r) => r.remove()));
    // Twice: a pod's infra container can only go once the containers that join its network are gone.
    for (let i = 0; i < 2; i++)
      await podman(['rm', '-f', '-i', '-t', '0', '--filter', `label=io.weir.test-node=${this.containerLabel}`]).catch(() => undefined);
    await this.api.request('DELETE', `/api/v1/nodes/${this.name}`).catch(() => undefined);
    this.server?.close();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
