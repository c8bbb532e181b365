// Benchmark `throughput`: one-step Workflows (`true` in a container template, run isolated by the host executor)
// completed per second by `weir server`: each run submits WEIR_BENCH_THROUGHPUT_WORKFLOWS (default 200) through the
// REST API as fast as the server takes them (8 requests in flight) and counts until all are Succeeded (polling the
// server's store read-only). Baseline, same run: the same number of spawns of the same isolated step (bwrap + `true`)
// straight through a HostExecutor in this process, at the concurrency the server reached (the peak number of
// Running workflows seen in the previous run, the warm-up for the first). Target: ratio >= 0.4.
import { postAll } from './http-load.js';
import { directSpawns, engineSetup, engineTeardown } from './engine-kit.js';
import type { EngineState } from './engine-kit.js';
import { startWeirServer } from './server-kit.js';
import type { WeirServer } from './server-kit.js';
import type { Benchmark, Measurement } from './types.js';

const N = Number(process.env.WEIR_BENCH_THROUGHPUT_WORKFLOWS ?? 200);
const IN_FLIGHT = 8;

interface State {
  weir: WeirServer;
  engine: EngineState;
  run: number;
  peakRunning: number;
}

const body = (tag: string, i: number): string =>
  JSON.stringify({
    workflow: {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: `tp-${tag}-${i}` },
      spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine:3.19', command: ['true'] } }] },
    },
  });

async function submitAll(st: State): Promise<Measurement> {
  const tag = `r${st.run++}`;
  const before = st.weir.countWorkflows('Succeeded');
  const running = st.weir.db().prepare("SELECT count(*) FROM objects WHERE kind = 'Workflow' AND phase IN ('Running', 'Pending')").pluck();
  let peak = 0;
  const t0 = performance.now();
  const posted = postAll(
    `${st.weir.url}/api/v1/workflows/default`,
    Array.from({ length: N }, (_, i) => body(tag, i)),
    IN_FLIGHT,
  );
  let submittedMs = NaN;
  void posted.then(() => (submittedMs = performance.now() - t0));
  const deadline = Date.now() + 600_000;
  for (;;) {
    peak = Math.max(peak, running.get() as number);
    if (st.weir.countWorkflows('Succeeded') - before >= N) break;
    if (Date.now() > deadline) throw new Error(`throughput: not all ${N} workflows succeeded in 600 s: ${st.weir.logTail()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const ms = performance.now() - t0;
  const bad = (await posted).filter((p) => p.status !== 200 && p.status !== 201).length;
  if (bad > 0) throw new Error(`${bad} submissions failed`);
  const failed = st.weir.countWorkflows('Failed') + st.weir.countWorkflows('Error');
  if (failed > 0) throw new Error(`${failed} workflows did not succeed: ${st.weir.logTail()}`);
  st.peakRunning = Math.max(1, peak);
  return { value: N / (ms / 1000), figures: { peakRunning: peak, submitMs: submittedMs, rssMiB: st.weir.memory().rssMiB } };
}

export const throughputBenchmark: Benchmark = {
  name: 'throughput',
  description: `${N} one-step \`true\` Workflows submitted over REST: completed/s by weir server (host executor, bwrap)`,
  baselineDescription:
    'the same isolated step (bwrap + true) spawned directly through a HostExecutor at the concurrency the server reached',
  unit: 'per-s',
  target: { kind: 'ratio-min', min: 0.4 },
  async setup(): Promise<State> {
    const weir = await startWeirServer({ name: 'throughput' });
    return { weir, engine: await engineSetup(), run: 0, peakRunning: 8 };
  },
  async baseline(s): Promise<Measurement> {
    const st = s as State;
    const r = await directSpawns(st.engine, N, st.peakRunning, ['true']);
    return { value: N / (r.ms / 1000), figures: { concurrency: st.peakRunning } };
  },
  run: (s) => submitAll(s as State),
  async teardown(s): Promise<void> {
    const st = s as State;
    await st.weir.stop();
    await engineTeardown(st.engine);
  },
};
