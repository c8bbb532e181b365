// Benchmark `backfill`: a CronWorkflow backfill of WEIR_BENCH_BACKFILL_TICKS (default 10,000, the maximum) minutely
// ticks through `POST /api/v1/cron-workflows/{ns}/{name}/backfill` (maxActive = all): Workflows created per second,
// from the POST until the last one is in the store (polled read-only). The children are created suspended
// (spec.suspend) so running them does not compete with creating them. Each run uses a fresh server (started before
// the clock starts) so earlier runs' 10,000 workflows do not weigh on it. Baseline, same run: raw create rate of the
// SQLite store (default durability) in this process, one create at a time, same Workflow shape; the `trigger`
// figure is reported beside it when that benchmark ran in the same invocation. Target: report.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../src/store/sqlite-store.js';
import type { NewObjectOf } from '../src/store/types.js';
import { startWeirServer } from './server-kit.js';
import type { WeirServer } from './server-kit.js';
import { sharedFigures } from './stats.js';
import type { Benchmark, Measurement } from './types.js';

const TICKS = Number(process.env.WEIR_BENCH_BACKFILL_TICKS ?? 10_000);
const RAW_CREATES = 2000;
const FROM = Date.UTC(2025, 0, 1);

const cron = `apiVersion: argoproj.io/v1alpha1
kind: CronWorkflow
metadata:
  name: every-minute
spec:
  schedules: ["* * * * *"]
  concurrencyPolicy: Allow
  workflowSpec:
    entrypoint: main
    suspend: true
    templates:
      - name: main
        container:
          image: alpine:3.19
          command: [echo, "{{workflow.scheduledTime}}"]
`;

const child = (i: number): NewObjectOf<'Workflow'> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: {
    name: `every-minute-${FROM / 1000 + i * 60}`,
    namespace: 'default',
    labels: { 'workflows.argoproj.io/cron-workflow': 'every-minute', 'weir.dev/backfill': 'bf-bench' },
  },
  spec: { entrypoint: 'main', suspend: true, templates: [{ name: 'main', container: { image: 'alpine:3.19', command: ['echo', 'x'] } }] },
});

interface State {
  weir?: WeirServer;
}

async function backfill(st: State): Promise<Measurement> {
  await st.weir?.stop();
  const weir = await startWeirServer({ name: 'backfill', manifests: [cron] });
  st.weir = weir;
  const t0 = performance.now();
  const res = await fetch(`${weir.url}/api/v1/cron-workflows/default/every-minute/backfill`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: new Date(FROM).toISOString(), to: new Date(FROM + (TICKS - 1) * 60_000).toISOString(), maxActive: TICKS }),
  });
  const job = (await res.json()) as { total?: number };
  if (!res.ok || job.total !== TICKS) throw new Error(`backfill request: ${res.status} ${JSON.stringify(job).slice(0, 300)}`);
  const count = weir
    .db()
    .prepare("SELECT count(*) FROM objects WHERE kind = 'Workflow' AND name LIKE 'every-minute-%' AND created_ms < ?")
    .pluck();
  const deadline = Date.now() + 900_000;
  let firstMs = NaN;
  for (;;) {
    const n = count.get(Date.UTC(2030, 0, 1)) as number;
    if (n > 0 && Number.isNaN(firstMs)) firstMs = performance.now() - t0;
    if (n >= TICKS) break;
    if (Date.now() > deadline) throw new Error(`backfill: ${n} of ${TICKS} workflows after 900 s: ${weir.logTail()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - t0;
  return { value: TICKS / (ms / 1000), figures: { firstWorkflowMs: firstMs, totalMs: ms } };
}

export const backfillBenchmark: Benchmark = {
  name: 'backfill',
  description: `CronWorkflow backfill of ${TICKS} minutely ticks over REST (maxActive all): Workflows created/s by weir server`,
  baselineDescription: `raw SQLite store creates/s (default durability, one at a time, ${RAW_CREATES} Workflows) in this process`,
  unit: 'per-s',
  target: { kind: 'report' },
  runs: 2,
  warmup: false,
  setup: () => Promise.resolve({}),
  baseline(): Promise<number> {
    const dir = mkdtempSync(join(tmpdir(), 'weir-bench-rawstore-'));
    const store = createSqliteStore({ dataDir: dir });
    return (async () => {
      try {
        const t0 = performance.now();
        for (let i = 0; i < RAW_CREATES; i++) await store.create('Workflow', child(i));
        return RAW_CREATES / ((performance.now() - t0) / 1000);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    })();
  },
  run: (s) => backfill(s as State),
  async teardown(s): Promise<void> {
    await (s as State).weir?.stop();
  },
  extra: () => (sharedFigures.has('trigger') ? { triggerWorkflowsPerSec: sharedFigures.get('trigger') } : {}),
};
