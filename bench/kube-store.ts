// Benchmark `kube-store`: KubernetesStore against a real API server (scripts/kube-env.sh via test/helpers/kube.ts)
// vs raw @kubernetes/client-node calls (CustomObjectsApi, Watch) in the same run. One cycle per Workflow: create,
// update (with its resourceVersion), list a page of 50 in the namespace, and the watch latency of the update (from
// the update call until the MODIFIED event arrives). Value: the mean cycle time (ms); figures: each step's mean.
// Target: at most 1.5x the raw client.
import { CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { KubernetesStore } from '../src/store/kubernetes-store.js';

import type { StoredWorkflow } from '../src/api/objects.js';
import { startKube } from '../test/helpers/kube.js';
import type { Benchmark, Measurement } from './types.js';

const CYCLES = Number(process.env.WEIR_BENCH_KUBE_CYCLES ?? 40);
const NS = 'bench-kube';

interface Obj {
  metadata: { name: string; resourceVersion: string };
  spec: Record<string, unknown>;
}

interface State {
  store: KubernetesStore;
  api: CustomObjectsApi;
  watch: Watch;
  run: number;
  /** name -> resolver waiting for that object's MODIFIED event (one watcher per side). */
  waitingStore: Map<string, () => void>;
  waitingRaw: Map<string, () => void>;
  stop: AbortController;
  rawWatch?: AbortController;
}

const wf = (
  name: string,
): {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  spec: Record<string, unknown>;
} => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name, namespace: NS, labels: { bench: 'kube-store' } },
  spec: {
    entrypoint: 'main',
    arguments: { parameters: [{ name: 'message', value: name }] },
    templates: [{ name: 'main', container: { image: 'alpine:3.19', command: ['echo'], args: ['{{workflow.parameters.message}}'] } }],
  },
});

const waitFor = (m: Map<string, () => void>, name: string): Promise<void> => new Promise((r) => m.set(name, r));

async function cycle(st: State, side: 'store' | 'raw'): Promise<Measurement> {
  const sums = { createMs: 0, updateMs: 0, listMs: 0, watchMs: 0 };
  const tag = `${side}-${st.run++}`;
  for (let i = 0; i < CYCLES; i++) {
    const name = `${tag}-${i}`;
    let t = performance.now();
    let cur: Obj;
    if (side === 'store') cur = await st.store.create('Workflow', wf(name));
    else
      cur = (await st.api.createNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: NS,
        plural: 'workflows',
        body: wf(name),
      })) as Obj;
    sums.createMs += performance.now() - t;
    const seen = waitFor(side === 'store' ? st.waitingStore : st.waitingRaw, name);
    t = performance.now();
    const next = { ...cur, spec: { ...cur.spec, suspend: true } };
    if (side === 'store') await st.store.update('Workflow', next as unknown as StoredWorkflow);
    else
      await st.api.replaceNamespacedCustomObject({
        group: 'argoproj.io',
        version: 'v1alpha1',
        namespace: NS,
        plural: 'workflows',
        name,
        body: next,
      });
    sums.updateMs += performance.now() - t;
    await seen;
    sums.watchMs += performance.now() - t;
    t = performance.now();
    if (side === 'store') await st.store.list('Workflow', { namespace: NS, limit: 50 });
    else
      await st.api.listNamespacedCustomObject({ group: 'argoproj.io', version: 'v1alpha1', namespace: NS, plural: 'workflows', limit: 50 });
    sums.listMs += performance.now() - t;
  }
  const figures = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, Math.round((v / CYCLES) * 100) / 100]));
  return { value: (sums.createMs + sums.updateMs + sums.listMs + sums.watchMs) / CYCLES, figures };
}

export const kubeStoreBenchmark: Benchmark = {
  name: 'kube-store',
  description: `KubernetesStore create/update/list/watch latency vs raw @kubernetes/client-node calls (${CYCLES} cycles per run)`,
  baselineDescription: 'the same calls through CustomObjectsApi and Watch',
  unit: 'ms',
  target: { kind: 'ratio-max', max: 1.5 },
  async setup() {
    const kube = await startKube();
    await kube.ensureNamespace(NS);
    const store = new KubernetesStore({ kubeconfig: kube.kubeconfig });
    const api = store.rest.kc.makeApiClient(CustomObjectsApi);
    const st: State = {
      store,
      api,
      watch: new Watch(store.rest.kc),
      run: 0,
      waitingStore: new Map(),
      waitingRaw: new Map(),
      stop: new AbortController(),
    };
    const since = (await store.list('Workflow', { namespace: NS, limit: 1 })).resourceVersion;
    void (async () => {
      for await (const ev of store.watch('Workflow', { namespace: NS, sinceResourceVersion: since, signal: st.stop.signal })) {
        if (ev.type === 'MODIFIED') st.waitingStore.get(ev.object.metadata.name)?.();
      }
    })();
    st.rawWatch = await st.watch.watch(
      `/apis/argoproj.io/v1alpha1/namespaces/${NS}/workflows`,
      { resourceVersion: since, allowWatchBookmarks: true },
      (type: string, obj: { metadata?: { name?: string } }) => {
        if (type === 'MODIFIED') st.waitingRaw.get(obj.metadata?.name ?? '')?.();
      },
      () => undefined,
    );
    return st;
  },
  baseline: (s) => cycle(s as State, 'raw'),
  run: (s) => cycle(s as State, 'store'),
  async teardown(s) {
    const st = s as State;
    st.stop.abort();
    st.rawWatch?.abort();
    await st.store.close();
  },
};
