// Benchmarks `store-list` and `store-phase`: the SQLite store holding 100,000 Workflows (5 namespaces, Argo-shaped
// spec and status) answers `argo list`'s first page (newest first, limit 50) and a `status.phase=Failed` page.
// Baseline: the same indexed SQL on the same file through a plain better-sqlite3 connection, plus JSON.parse of the
// rows (the least any store must do to return objects). Target: at most 3x the baseline. Also reported: the first
// page with 10,000 stored (issue target < 200 ms), the page after 5,000 items (continue), a namespace + label
// selector page, insert rate and file size. WEIR_BENCH_STORE_TOTAL overrides the 100,000.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../src/store/sqlite-store.js';
import type { SqliteStore } from '../src/store/sqlite-store.js';
import type { ListOptions, NewObject, NewObjectOf } from '../src/store/types.js';
import type { Benchmark } from './types.js';
import { clockAt } from '../src/core/clock.js';

const TOTAL = Number(process.env.WEIR_BENCH_STORE_TOTAL ?? 100_000);
const SMALL = 10_000;
const PAGE = 50;
/** Calls per measurement: one call takes well under a millisecond, so each run reports the mean of a batch. */
const BATCH = 50;

interface Dataset {
  dir: string;
  store: SqliteStore;
  raw: Database.Database;
  facts: Record<string, unknown>;
}

const PHASES = [
  'Succeeded',
  'Succeeded',
  'Succeeded',
  'Succeeded',
  'Succeeded',
  'Succeeded',
  'Succeeded',
  'Succeeded',
  'Failed',
  'Running',
];

function workflow(i: number): NewObject {
  const phase = PHASES[(i * 7) % PHASES.length];
  const name = `wf-${i.toString(36).padStart(5, '0')}`;
  const started = new Date(Date.UTC(2024, 0, 1) + i * 7000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name,
      namespace: `ns${i % 5}`,
      labels: {
        'workflows.argoproj.io/completed': String(phase !== 'Running'),
        'workflows.argoproj.io/phase': phase,
        app: `app-${i % 40}`,
      },
    },
    spec: {
      entrypoint: 'main',
      arguments: { parameters: [{ name: 'message', value: `run ${i}` }] },
      templates: [
        {
          name: 'main',
          steps: [
            [{ name: 'hello', template: 'print', arguments: { parameters: [{ name: 'msg', value: '{{workflow.parameters.message}}' }] } }],
          ],
        },
        {
          name: 'print',
          inputs: { parameters: [{ name: 'msg' }] },
          container: { image: 'alpine:3.19', command: ['echo'], args: ['{{inputs.parameters.msg}}'] },
        },
      ],
    },
    status: {
      phase,
      startedAt: started,
      finishedAt: phase === 'Running' ? null : started,
      progress: '1/1',
      nodes: {
        [name]: { id: name, name, displayName: name, type: 'Steps', phase, startedAt: started, children: [`${name}-1`] },
        [`${name}-1`]: {
          id: `${name}-1`,
          name: `${name}[0].hello`,
          displayName: 'hello',
          type: 'Pod',
          phase,
          startedAt: started,
          hostNodeName: 'node-1',
        },
      },
    },
  };
}

async function insert(store: SqliteStore, from: number, to: number): Promise<number> {
  const t = performance.now();
  for (let i = from; i < to; i++) await store.create('Workflow', workflow(i) as NewObjectOf<'Workflow'>);
  return (to - from) / ((performance.now() - t) / 1000);
}

async function meanMs(fn: () => unknown, n = BATCH): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - t) / n;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let shared: Promise<Dataset> | undefined;

/** Builds the 100k dataset once per process (both benchmarks use it); removed when the process exits. */
function dataset(): Promise<Dataset> {
  shared ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-bench-store-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    // Durability does not change read timings; `normal` keeps building 100k rows quick.
    let store = createSqliteStore({
      dataDir: dir,
      synchronous: 'normal',
      clock: clockAt(
        (() => {
          let t = Date.UTC(2024, 0, 1);
          return () => (t += 7000);
        })(),
      ),
    });
    const firstPage: ListOptions = { order: 'newest', limit: PAGE };
    const smallRate = await insert(store, 0, Math.min(SMALL, TOTAL));
    const at10k: number[] = [];
    for (let i = 0; i < 7; i++) at10k.push(await meanMs(() => store.list('Workflow', firstPage), 10));
    const rate = await insert(store, Math.min(SMALL, TOTAL), TOTAL);
    await store.close();
    const t = performance.now();
    store = createSqliteStore({ dataDir: dir });
    const reopenMs = performance.now() - t;
    const raw = new Database(join(dir, 'weir.db'), { readonly: true });
    const token = (await store.list('Workflow', { ...firstPage, limit: 5000 })).continue;
    const deepPageMs = await meanMs(() => store.list('Workflow', { ...firstPage, continue: token }));
    const byNameMs = await meanMs(() => store.list('Workflow', { namespace: 'ns3', limit: PAGE, labelSelector: 'app=app-8' }));
    const facts = {
      deepPageMs,
      labelPageMs: byNameMs,
      stored: TOTAL,
      firstPageAt10kMs: median(at10k),
      createsPerSecond: Math.round((smallRate + rate) / 2),
      reopenMs,
      dbBytes: statSync(join(dir, 'weir.db')).size,
    };
    return { dir, store, raw, facts };
  })();
  return shared;
}

function rawPage(d: Dataset, phase: string | undefined): number {
  const sql =
    phase === undefined
      ? 'SELECT body FROM objects WHERE kind = ? ORDER BY created_ms DESC, create_rv DESC LIMIT ?'
      : 'SELECT body FROM objects WHERE kind = ? AND phase = ? ORDER BY created_ms DESC, create_rv DESC LIMIT ?';
  const stmt = d.raw.prepare(sql).pluck();
  const args = phase === undefined ? ['Workflow', PAGE] : ['Workflow', phase, PAGE];
  const t = performance.now();
  for (let i = 0; i < BATCH; i++) {
    const rows = stmt.all(...args) as string[];
    for (const r of rows) JSON.parse(r);
  }
  return (performance.now() - t) / BATCH;
}

function storeBenchmark(name: string, description: string, opts: ListOptions, phase: string | undefined): Benchmark {
  return {
    name,
    description,
    setup: dataset,
    baseline: (state) => rawPage(state as Dataset, phase),
    run: async (state) => {
      const d = state as Dataset;
      return meanMs(async () => {
        const page = await d.store.list('Workflow', opts);
        if (page.items.length !== PAGE) throw new Error(`expected ${PAGE} items, got ${page.items.length}`);
      });
    },
    teardown: () => Promise.resolve(),
    target: { kind: 'ratio-max', max: 3 },
    unit: 'ms',
    extra: (state) => {
      const d = state as Dataset;
      return { ...d.facts, plan: d.store.explainList('Workflow', opts) };
    },
  };
}

export const storeListBenchmark = storeBenchmark(
  'store-list',
  `SQLite store: first page of Workflows, newest first (limit ${PAGE}), ${TOTAL} stored; mean of ${BATCH} calls`,
  { order: 'newest', limit: PAGE },
  undefined,
);

export const storePhaseBenchmark = storeBenchmark(
  'store-phase',
  `SQLite store: first page of status.phase=Failed Workflows, newest first (limit ${PAGE}), ${TOTAL} stored; mean of ${BATCH} calls`,
  { order: 'newest', limit: PAGE, fieldSelector: { 'status.phase': 'Failed' } },
  'Failed',
);
