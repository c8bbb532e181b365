// Benchmark `bigdag-kube`: the `bigdag` Workflow (10,000 `true` steps: 100 chained tasks x 100-way withSequence)
// through `weir server --store kubernetes --offload-db <private PostgreSQL database>` on a real API server. Measured:
// wall time (ms), the stored object's size in the cluster (its JSON as the API server returns it), where the node
// status went (figures compressed=1 or offloaded=1), the node count read back through the store, peak RSS.
// Target: completes. One run, no warm-up. WEIR_BENCH_BIGDAG_LAYERS/WIDTH shrink it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesStore } from '../src/store/kubernetes-store.js';
import { PgNodeOffload } from '../src/store/node-offload-pg.js';
import { resourcePath } from '../src/store/kubernetes-rest.js';
import type { StoredObject } from '../src/store/types.js';
import { startKube } from '../test/helpers/kube.js';
import { createTestDatabase } from '../test/helpers/postgres.js';
import type { TestDatabase } from '../test/helpers/postgres.js';
import { spawnReplica } from '../test/kube/kit.js';
import type { Replica } from '../test/kube/kit.js';
import { memoryOf } from './server-kit.js';
import type { Benchmark, Measurement } from './types.js';

const LAYERS = Number(process.env.WEIR_BENCH_BIGDAG_LAYERS ?? 100);
const WIDTH = Number(process.env.WEIR_BENCH_BIGDAG_WIDTH ?? 100);
const TIMEOUT_MS = Number(process.env.WEIR_BENCH_BIGDAG_TIMEOUT_S ?? 3600) * 1000;

interface State {
  replica: Replica;
  store: KubernetesStore;
  db: TestDatabase;
  dir: string;
  run: number;
}

const workflow = (name: string): unknown => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name, namespace: 'default' },
  spec: {
    entrypoint: 'main',
    templates: [
      {
        name: 'main',
        dag: {
          tasks: Array.from({ length: LAYERS }, (_, i) => ({
            name: `layer-${i}`,
            template: 'step',
            withSequence: { count: String(WIDTH) },
            ...(i > 0 ? { dependencies: [`layer-${i - 1}`] } : {}),
          })),
        },
      },
      { name: 'step', container: { image: 'alpine:3.19', command: ['true'] } },
    ],
  },
});

async function runBig(st: State): Promise<Measurement> {
  const name = `bigdag-kube-${st.run++}`;
  const t0 = performance.now();
  const res = await fetch(`${st.replica.url}/api/v1/workflows/default`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: workflow(name) }),
  });
  if (!res.ok) throw new Error(`submit failed: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  let peakRssMiB = 0;
  let raw: {
    status?: { phase?: string; message?: string; progress?: string; compressedNodes?: string; offloadNodeStatusVersion?: string };
  };
  let text: string;
  let lastReport = Date.now();
  for (;;) {
    text = JSON.stringify(await st.store.rest.request<unknown>('GET', resourcePath('Workflow', 'default', name)));
    raw = JSON.parse(text) as typeof raw;
    if (st.replica.exited()) throw new Error(`weir server exited: ${st.replica.log().slice(-3000)}`);
    peakRssMiB = Math.max(peakRssMiB, memoryOf(st.replica.pid).peakRssMiB);
    const phase = raw.status?.phase ?? '';
    if (['Succeeded', 'Failed', 'Error'].includes(phase)) {
      if (phase !== 'Succeeded') {
        const wf = (await st.store.get('Workflow', 'default', name)) as {
          status?: { nodes?: Record<string, { phase?: string; message?: string; name?: string; type?: string }> };
        };
        // The steps' own errors first: their parents only say "child ... errored".
        const bad = Object.values(wf.status?.nodes ?? {})
          .filter((n) => n.phase === 'Error' || n.phase === 'Failed')
          .sort((a, b) => Number(b.type === 'Pod') - Number(a.type === 'Pod'))
          .slice(0, 5)
          .map((n) => `${n.name ?? ''}: ${n.message ?? ''}`);
        throw new Error(`bigdag-kube ended ${phase}: ${raw.status?.message ?? ''}\n${bad.join('\n')}\n${st.replica.log().slice(-3000)}`);
      }
      break;
    }
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`bigdag-kube did not finish within ${TIMEOUT_MS / 1000} s`);
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      process.stderr.write(
        `  bigdag-kube: ${raw.status?.progress ?? '?'} after ${((performance.now() - t0) / 1000).toFixed(0)} s, object ${text.length} bytes\n`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const ms = performance.now() - t0;
  const read = (await st.store.get('Workflow', 'default', name)) as StoredObject;
  const nodes = Object.keys((read.status as { nodes?: object }).nodes ?? {}).length;
  const figures = {
    storedBytes: text.length,
    nodes,
    peakRssMiB,
    stepsPerSec: (LAYERS * WIDTH) / (ms / 1000),
    compressed: raw.status?.compressedNodes !== undefined ? 1 : 0,
    offloaded: raw.status?.offloadNodeStatusVersion !== undefined ? 1 : 0,
  };
  process.stderr.write(`  bigdag-kube: ${JSON.stringify(figures)}\n`);
  return { value: ms, figures };
}

export const bigdagKubeBenchmark: Benchmark = {
  name: 'bigdag-kube',
  description: `a ${LAYERS * WIDTH}-step DAG through weir server --store kubernetes (real API server, node status offload to PostgreSQL)`,
  unit: 'ms',
  target: { kind: 'report' },
  runs: 1,
  warmup: false,
  async setup(): Promise<State> {
    const kube = await startKube();
    const db = await createTestDatabase('weir_bigdag');
    const dir = mkdtempSync(join(tmpdir(), 'weir-bench-bigdag-kube-'));
    const replica = await spawnReplica(kube.kubeconfig, ['--data-dir', join(dir, 'data'), '--offload-db', db.url]);
    const store = new KubernetesStore({
      kubeconfig: kube.kubeconfig,
      nodeStatus: { offload: new PgNodeOffload({ connectionString: db.url }) },
    });
    return { replica, store, db, dir, run: 0 };
  },
  run: (s) => runBig(s as State),
  async teardown(s) {
    const st = s as State;
    await st.replica.stop();
    await st.store.close();
    await st.db[Symbol.asyncDispose]();
    rmSync(st.dir, { recursive: true, force: true });
  },
};
