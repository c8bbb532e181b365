// Benchmark `bigdag`: one 10,000-step Workflow — a DAG of WEIR_BENCH_BIGDAG_LAYERS (default 100) tasks in a chain,
// each fanning out WEIR_BENCH_BIGDAG_WIDTH (default 100) ways over `true` (withSequence) — submitted to `weir server`
// and run to Succeeded. Measured: wall time (ms), the server's peak RSS (VmHWM), the stored Workflow's size (its JSON
// in the store, status included) and the number of nodes. No baseline. Target: completes, peak RSS < 1 GiB.
// One run, no warm-up (it is the slowest benchmark by far); WEIR_BENCH_RUNS overrides.
import { startWeirServer } from './server-kit.js';
import type { WeirServer } from './server-kit.js';
import type { Benchmark, Measurement } from './types.js';

const LAYERS = Number(process.env.WEIR_BENCH_BIGDAG_LAYERS ?? 100);
const WIDTH = Number(process.env.WEIR_BENCH_BIGDAG_WIDTH ?? 100);
const TIMEOUT_MS = Number(process.env.WEIR_BENCH_BIGDAG_TIMEOUT_S ?? 1800) * 1000;

interface State {
  weir: WeirServer;
  run: number;
}

const workflow = (name: string): unknown => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name },
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
  const name = `bigdag-${st.run++}`;
  const t0 = performance.now();
  const res = await fetch(`${st.weir.url}/api/v1/workflows/default`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: workflow(name) }),
  });
  if (!res.ok) throw new Error(`submit failed: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  const row = st.weir.db().prepare("SELECT phase, length(body) AS bytes FROM objects WHERE kind = 'Workflow' AND name = ?");
  let peakRssMiB = 0;
  let lastReport = Date.now();
  for (;;) {
    const r = row.get(name) as { phase: string; bytes: number } | undefined;
    peakRssMiB = Math.max(peakRssMiB, st.weir.memory().peakRssMiB);
    if (r && ['Succeeded', 'Failed', 'Error'].includes(r.phase)) {
      if (r.phase !== 'Succeeded') {
        const body = st.weir.db().prepare("SELECT body FROM objects WHERE kind = 'Workflow' AND name = ?").pluck().get(name) as string;
        type N = { phase?: string; message?: string; name?: string; type?: string };
        const nodes = Object.values((JSON.parse(body) as { status?: { nodes?: Record<string, N> } }).status?.nodes ?? {});
        // The steps' own errors: their parents only say "child ... errored".
        const bad = nodes.filter((n) => n.type === 'Pod' && (n.phase === 'Error' || n.phase === 'Failed')).slice(0, 5);
        const lines = bad.map((n) => `${n.name ?? ''}: ${n.message ?? ''}`).join('\n');
        throw new Error(`bigdag ended ${r.phase}:\n${lines}\n${st.weir.logTail()}`);
      }
      break;
    }
    if (performance.now() - t0 > TIMEOUT_MS)
      throw new Error(`bigdag did not finish within ${TIMEOUT_MS / 1000} s (phase ${r?.phase ?? '?'})`);
    if (Date.now() - lastReport > 30_000) {
      lastReport = Date.now();
      const done = st.weir
        .db()
        .prepare("SELECT json_extract(body, '$.status.progress') FROM objects WHERE kind = 'Workflow' AND name = ?")
        .pluck()
        .get(name);
      process.stderr.write(
        `  bigdag: ${String(done)} after ${((performance.now() - t0) / 1000).toFixed(0)} s, peak RSS ${peakRssMiB.toFixed(0)} MiB\n`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const ms = performance.now() - t0;
  const final = st.weir
    .db()
    .prepare(
      "SELECT length(body) AS bytes, json_extract(body, '$.status.nodes') AS nodes FROM objects WHERE kind = 'Workflow' AND name = ?",
    )
    .get(name) as { bytes: number; nodes: string };
  const nodes = Object.keys(JSON.parse(final.nodes) as object).length;
  return { value: ms, figures: { peakRssMiB, storedBytes: final.bytes, nodes, stepsPerSec: (LAYERS * WIDTH) / (ms / 1000) } };
}

export const bigdagBenchmark: Benchmark = {
  name: 'bigdag',
  description: `a ${LAYERS * WIDTH}-step DAG (${LAYERS} chained tasks x ${WIDTH}-way withSequence of \`true\`) through weir server: wall ms, peak RSS, stored size`,
  unit: 'ms',
  target: { kind: 'figure-max', figure: 'peakRssMiB', max: 1024 },
  runs: 1,
  warmup: false,
  async setup(): Promise<State> {
    return { weir: await startWeirServer({ name: 'bigdag' }), run: 0 };
  },
  run: (s) => runBig(s as State),
  teardown: (s) => (s as State).weir.stop(),
};
