// Benchmark `throughput-kube`: the `throughput` workload (WEIR_BENCH_THROUGHPUT_WORKFLOWS one-step `true`
// Workflows, default 200, submitted over REST with 8 requests in flight) through `weir server --store kubernetes`
// on a real API server (etcd + kube-apiserver, test/helpers/kube.ts), completed per second. Baseline, same run: the
// same workload through `weir server` with its default SQLite store (the `throughput` benchmark's subject). Both
// servers run as child processes with the host executor; completion is polled read-only (the API server: a
// label-selected list on the phase label; SQLite: the server's database). Target: report (the ratio shows what the
// cluster costs).
import { postAll } from './http-load.js';
import { startWeirServer } from './server-kit.js';
import type { WeirServer } from './server-kit.js';
import { memoryOf } from './server-kit.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubernetesStore } from '../src/store/kubernetes-store.js';
import { resourcePath } from '../src/store/kubernetes-rest.js';
import { startKube } from '../test/helpers/kube.js';
import { spawnReplica } from '../test/kube/kit.js';
import type { Replica } from '../test/kube/kit.js';
import type { Benchmark, Measurement } from './types.js';

const N = Number(process.env.WEIR_BENCH_THROUGHPUT_WORKFLOWS ?? 200);
const IN_FLIGHT = 8;
const PHASE_LABEL = 'workflows.argoproj.io/phase';

interface State {
  sqlite: WeirServer;
  replica: Replica;
  store: KubernetesStore;
  dir: string;
  run: number;
}

const body = (tag: string, i: number): string =>
  JSON.stringify({
    workflow: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: `tpk-${tag}-${i}`, labels: { 'bench.weir.dev/run': tag } },
      spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine:3.19', command: ['true'] } }] },
    },
  });

/** Workflows of one run by phase. */
type Counter = (tag: string) => Promise<{ succeeded: number; bad: number }>;

async function submitAll(url: string, tag: string, count: Counter, pollMs: number, logTail: () => string): Promise<Measurement> {
  const t0 = performance.now();
  const posted = postAll(
    `${url}/api/v1/workflows/default`,
    Array.from({ length: N }, (_, i) => body(tag, i)),
    IN_FLIGHT,
  );
  let submittedMs = NaN;
  void posted.then(() => (submittedMs = performance.now() - t0));
  const deadline = Date.now() + 900_000;
  for (;;) {
    const c = await count(tag);
    if (c.bad > 0) throw new Error(`${c.bad} workflows did not succeed: ${logTail()}`);
    if (c.succeeded >= N) break;
    if (Date.now() > deadline) throw new Error(`throughput-kube: ${c.succeeded} of ${N} workflows succeeded in 900 s: ${logTail()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const ms = performance.now() - t0;
  const bad = (await posted).filter((p) => p.status !== 200 && p.status !== 201).length;
  if (bad > 0) throw new Error(`${bad} submissions failed`);
  return { value: N / (ms / 1000), figures: { submitMs: submittedMs } };
}

export const throughputKubeBenchmark: Benchmark = {
  name: 'throughput-kube',
  description: `${N} one-step \`true\` Workflows submitted over REST: completed/s by weir server --store kubernetes (real API server)`,
  baselineDescription: 'the same workload through weir server with its SQLite store (the `throughput` subject), same run',
  unit: 'per-s',
  target: { kind: 'report' },
  async setup(): Promise<State> {
    const kube = await startKube();
    const dir = mkdtempSync(join(tmpdir(), 'weir-bench-throughput-kube-'));
    const sqlite = await startWeirServer({ name: 'throughput-sqlite' });
    const replica = await spawnReplica(kube.kubeconfig, ['--data-dir', join(dir, 'data'), '--host', '127.0.0.1']);
    const store = new KubernetesStore({ kubeconfig: kube.kubeconfig });
    return { sqlite, replica, store, dir, run: 0 };
  },
  async baseline(s): Promise<Measurement> {
    const st = s as State;
    const tag = `s${st.run}`;
    const db = (): ReturnType<WeirServer['db']> => st.sqlite.db();
    const count: Counter = (t) => {
      const q = db().prepare("SELECT phase, count(*) AS n FROM objects WHERE kind = 'Workflow' AND name LIKE ? GROUP BY phase");
      const rows = q.all(`tpk-${t}-%`) as { phase: string | null; n: number }[];
      const n = (p: string): number => rows.find((r) => r.phase === p)?.n ?? 0;
      return Promise.resolve({ succeeded: n('Succeeded'), bad: n('Failed') + n('Error') });
    };
    const m = await submitAll(st.sqlite.url, tag, count, 10, () => st.sqlite.logTail());
    return { value: m.value, figures: { ...m.figures, rssMiB: st.sqlite.memory().rssMiB } };
  },
  async run(s): Promise<Measurement> {
    const st = s as State;
    const tag = `k${st.run++}`;
    const count: Counter = async (t) => {
      const l = await st.store.rest.request<{ items: { metadata: { labels?: Record<string, string> } }[] }>(
        'GET',
        resourcePath('Workflow', 'default'),
        { query: { labelSelector: `bench.weir.dev/run=${t},${PHASE_LABEL} in (Succeeded,Failed,Error)` } },
      );
      const phases = l.items.map((w) => w.metadata.labels?.[PHASE_LABEL]);
      return { succeeded: phases.filter((p) => p === 'Succeeded').length, bad: phases.filter((p) => p !== 'Succeeded').length };
    };
    const m = await submitAll(st.replica.url, tag, count, 250, () => st.replica.log().slice(-3000));
    return { value: m.value, figures: { ...m.figures, rssMiB: memoryOf(st.replica.pid).rssMiB } };
  },
  async teardown(s): Promise<void> {
    const st = s as State;
    await st.replica.stop();
    await st.sqlite.stop();
    await st.store.close();
    rmSync(st.dir, { recursive: true, force: true });
  },
};
