// Which store `weir server` keeps its resources in (--store, a typed table), and who runs the controllers: with
// SQLite the one process does; with Kubernetes every replica serves the API and webhooks, and the replica holding
// the `weir-controller` Lease (src/leader/lease-election.ts) runs the leader-only services. A replica that loses
// the Lease stops (its caller exits, Kubernetes restarts it), so two replicas never run controllers at once.
import type { StoreKind } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { LeaseElection } from '../leader/lease-election.js';
import { KubernetesStore } from '../store/kubernetes-store.js';
import { createSqliteStore } from '../store/sqlite-store.js';
import { PgNodeOffload } from '../store/node-offload-pg.js';
import type { ResourceStore } from '../store/types.js';
import { errorMessage } from '../core/errors.js';

export interface StoreChoice {
  store: StoreKind;
  dataDir: string;
  kubeconfig?: string;
  offloadDb?: string;
}

export interface OpenedStore {
  store: ResourceStore;
  /** The Kubernetes store, for leader election (absent for local stores). */
  kube?: KubernetesStore;
}

const STORES = {
  sqlite: (c) => Promise.resolve({ store: createSqliteStore({ dataDir: c.dataDir }) }),
  kubernetes: async (c) => {
    const offload = c.offloadDb ? new PgNodeOffload({ connectionString: c.offloadDb }) : undefined;
    const kube = new KubernetesStore({ ...(c.kubeconfig ? { kubeconfig: c.kubeconfig } : {}), nodeStatus: offload ? { offload } : {} });
    await kube.ready(AbortSignal.timeout(30_000));
    return { store: kube, kube };
  },
} satisfies Record<StoreKind, (c: StoreChoice) => Promise<OpenedStore>>;

export function openStore(c: StoreChoice): Promise<OpenedStore> {
  return STORES[c.store](c);
}

/** A long-running part of the process, started after the API listens and stopped before the store closes. */
export interface BackgroundService {
  name: string;
  run(signal: AbortSignal): Promise<void>;
}

export interface LeaderRunOptions {
  kube: KubernetesStore | undefined;
  namespace: string;
  leaseDurationMs: number;
  services: readonly BackgroundService[];
  logger: Logger;
  /** Called once when this replica lost the Lease it held (its services have been told to stop). */
  onLost(): void;
}

/** Runs `services` now (local store) or whenever this replica holds the Lease; resolves when `signal` aborts. */
export async function runLeaderServices(o: LeaderRunOptions, signal: AbortSignal): Promise<void> {
  const start = (s: AbortSignal): Promise<void>[] =>
    o.services.map((svc) =>
      svc.run(s).catch((e: unknown) => {
        if (!s.aborted) o.logger.error({ service: svc.name, err: errorMessage(e) }, 'service stopped with an error');
      }),
    );
  if (!o.kube) {
    await Promise.all(start(signal));
    return;
  }
  const election = new LeaseElection({ rest: o.kube.rest, namespace: o.namespace, leaseDurationMs: o.leaseDurationMs, logger: o.logger });
  let running: Promise<void>[] = [];
  await election.run(signal, {
    onStartedLeading: (s) => {
      running = start(s);
    },
    onStoppedLeading: () => o.onLost(),
  });
  await Promise.all(running);
}
