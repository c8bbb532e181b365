// PersistentVolumeClaims on the test node, done as a one-node cluster's provisioner, kubelet and pvc-protection
// controller would: every claim gets a directory of its own (`<root>/<claim uid>`), shared by every pod that mounts
// it, and is marked Bound; a pod whose claim does not exist waits in ContainerCreating with the reason (as a kubelet
// whose volume mount fails) until it appears; a deleted claim keeps its `kubernetes.io/pvc-protection` finalizer
// while an unfinished pod uses it, then the finalizer goes (the API server removes the claim) and so does its dir.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WeirError } from '../../src/core/errors.js';
import type { PodApi } from '../../src/executor/pod-kube.js';
import { watchEvents } from '../../src/executor/pod-watch.js';

const PROTECTION = 'kubernetes.io/pvc-protection';

interface Claim {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec?: { accessModes?: string[]; resources?: { requests?: Record<string, string> } };
  status?: { phase?: string };
}

interface PodList {
  items: { spec?: { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] }; status?: { phase?: string } }[];
}

const claimPath = (ns: string, name?: string): string =>
  `/api/v1/namespaces/${encodeURIComponent(ns)}/persistentvolumeclaims${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

export class ClaimVolumes {
  private readonly releasing = new Set<string>();

  constructor(
    private readonly api: PodApi,
    private readonly root: string,
    private readonly signal: AbortSignal,
  ) {}

  /**
   * The directory of claim `name` in `ns` once the claim exists (`waiting` is told why not while it does not);
   * undefined when `stopped()` (the pod was deleted meanwhile) or the node stops.
   */
  async dir(ns: string, name: string, waiting: (message: string) => Promise<void>, stopped: () => boolean): Promise<string | undefined> {
    let told = false;
    while (!this.signal.aborted && !stopped()) {
      const c = await this.api.request<Claim>('GET', claimPath(ns, name)).catch((e: unknown) => {
        if (e instanceof WeirError && e.code === 'NOT_FOUND') return undefined;
        throw e;
      });
      if (c && c.metadata.deletionTimestamp === undefined) {
        const d = join(this.root, c.metadata.uid);
        await mkdir(d, { recursive: true, mode: 0o777 });
        return d;
      }
      if (!told) await waiting(`persistentvolumeclaim "${name}" ${c ? 'is being deleted' : 'not found'}`);
      told = true;
      await new Promise((ok) => setTimeout(ok, 250));
    }
    return undefined;
  }

  /** Lists and watches every claim until the node stops: binds new claims, releases deleted ones. */
  async run(): Promise<void> {
    while (!this.signal.aborted) {
      try {
        const list = await this.api.request<{ metadata: { resourceVersion: string }; items: Claim[] }>(
          'GET',
          '/api/v1/persistentvolumeclaims',
          {
            signal: this.signal,
          },
        );
        for (const c of list.items) this.on('ADDED', c);
        const res = await this.api.open('GET', '/api/v1/persistentvolumeclaims', {
          query: { watch: true, resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 300 },
          signal: this.signal,
        });
        for await (const ev of watchEvents<Claim>(res)) {
          if (ev.type === 'ERROR') throw new Error('watch expired');
          this.on(ev.type, ev.object);
        }
      } catch {
        if (!this.signal.aborted) await new Promise((ok) => setTimeout(ok, 200));
      }
    }
  }

  private on(type: string, c: Claim): void {
    const m = c.metadata;
    if (type === 'DELETED') {
      void rm(join(this.root, m.uid), { recursive: true, force: true }).catch(() => undefined);
      return;
    }
    if (m.deletionTimestamp !== undefined) {
      if (m.finalizers?.includes(PROTECTION)) void this.release(c);
      return;
    }
    if (c.status?.phase !== 'Bound') {
      const storage = c.spec?.resources?.requests?.storage;
      const status = { phase: 'Bound', accessModes: c.spec?.accessModes ?? [], ...(storage ? { capacity: { storage } } : {}) };
      void this.api
        .request('PATCH', `${claimPath(m.namespace, m.name)}/status`, { body: { status }, contentType: 'application/merge-patch+json' })
        .catch(() => undefined);
    }
  }

  /** Drops the protection finalizer once no unfinished pod of the namespace mounts the claim (checked again until then). */
  private async release(c: Claim): Promise<void> {
    const m = c.metadata;
    if (this.releasing.has(m.uid)) return;
    this.releasing.add(m.uid);
    try {
      while (!this.signal.aborted) {
        const pods = await this.api
          .request<PodList>('GET', `/api/v1/namespaces/${encodeURIComponent(m.namespace)}/pods`)
          .catch(() => undefined);
        const inUse =
          pods === undefined ||
          pods.items.some(
            (p) =>
              p.status?.phase !== 'Succeeded' &&
              p.status?.phase !== 'Failed' &&
              (p.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === m.name),
          );
        if (!inUse) {
          const cur = await this.api.request<Claim>('GET', claimPath(m.namespace, m.name)).catch(() => undefined);
          if (!cur || cur.metadata.uid !== m.uid) return;
          const finalizers = (cur.metadata.finalizers ?? []).filter((f) => f !== PROTECTION);
          const body = { metadata: { finalizers, resourceVersion: cur.metadata.resourceVersion } };
          const done = await this.api
            .request('PATCH', claimPath(m.namespace, m.name), { body, contentType: 'application/merge-patch+json' })
            .then(() => true)
            .catch(() => false);
          if (done) return;
        }
        await new Promise((ok) => setTimeout(ok, 300));
      }
    } finally {
      this.releasing.delete(m.uid);
    }
  }
}
