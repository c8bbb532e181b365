// `npm run bench [-- NAME...]`: runs each benchmark after a warm-up, several times (WEIR_BENCH_RUNS, else the
// benchmark's own default, else 3), and prints median/min/max next to its same-run baseline with the ratio and
// whether the target is met. Results are merged by name into bench/results/latest.json. Not part of `npm test`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { repoPath } from '../test/helpers/paths.js';
import { lintBenchmark } from './lint.js';
import { cliStartupBenchmark } from './cli-startup.js';
import { fanout200Benchmark, fanoutBenchmark } from './fanout.js';
import { chainBenchmark } from './chain.js';
import { storeListBenchmark, storePhaseBenchmark } from './store.js';
import { busPublishBenchmark } from './bus-publish.js';
import { artifactBenchmark } from './artifact.js';
import { ingestBenchmark } from './ingest.js';
import {
  ingestAmqpBenchmark,
  ingestAmqpEmbeddedBenchmark,
  ingestRedisStreamBenchmark,
  ingestRedisStreamEmbeddedBenchmark,
} from './ingest-brokers.js';
import { triggerBenchmark } from './trigger.js';
import { throughputBenchmark } from './throughput.js';
import { bigdagBenchmark } from './bigdag.js';
import { backfillBenchmark } from './backfill.js';
import { sqliteDriverBenchmark } from './sqlite-driver.js';
import { chainContainerBenchmark, throughputContainerBenchmark } from './container.js';
import { uiGraphBenchmark, uiListBenchmark, uiUpdateBenchmark } from './ui.js';
import { kubeStoreBenchmark } from './kube-store.js';
import { bigdagKubeBenchmark } from './bigdag-kube.js';
import { throughputKubeBenchmark } from './throughput-kube.js';
import { chainPodsBenchmark, fanoutPodsBenchmark } from './pods.js';
import { judge, sharedFigures, summarize } from './stats.js';
import type { Row } from './stats.js';
import { formatTable } from './table.js';
import type { Benchmark, Sample } from './types.js';

const BENCHMARKS = {
  lint: lintBenchmark,
  'cli-startup': cliStartupBenchmark,
  fanout: fanoutBenchmark,
  'fanout-200': fanout200Benchmark,
  chain: chainBenchmark,
  'store-list': storeListBenchmark,
  'store-phase': storePhaseBenchmark,
  'bus-publish': busPublishBenchmark,
  ingest: ingestBenchmark,
  'ingest-amqp': ingestAmqpBenchmark,
  'ingest-amqp-embedded': ingestAmqpEmbeddedBenchmark,
  'ingest-redis-stream': ingestRedisStreamBenchmark,
  'ingest-redis-stream-embedded': ingestRedisStreamEmbeddedBenchmark,
  trigger: triggerBenchmark,
  throughput: throughputBenchmark,
  bigdag: bigdagBenchmark,
  backfill: backfillBenchmark,
  artifact: artifactBenchmark,
  'sqlite-driver': sqliteDriverBenchmark,
  'throughput-container': throughputContainerBenchmark,
  'chain-container': chainContainerBenchmark,
  'ui-graph': uiGraphBenchmark,
  'ui-update': uiUpdateBenchmark,
  'ui-list': uiListBenchmark,
  'kube-store': kubeStoreBenchmark,
  'bigdag-kube': bigdagKubeBenchmark,
  'throughput-kube': throughputKubeBenchmark,
  'fanout-pods': fanoutPodsBenchmark,
  'chain-pods': chainPodsBenchmark,
} satisfies Record<string, Benchmark>;

/** Names that run several benchmarks. */
const GROUPS: Readonly<Record<string, readonly string[]>> = { ui: ['ui-graph', 'ui-update', 'ui-list'] };

const RUNS_ENV =
  process.env.WEIR_BENCH_RUNS === undefined || process.env.WEIR_BENCH_RUNS === '' ? undefined : Number(process.env.WEIR_BENCH_RUNS);
const DEFAULT_RUNS = 3;

async function measure(b: Benchmark): Promise<Row> {
  const runsN = Math.max(1, RUNS_ENV ?? b.runs ?? DEFAULT_RUNS);
  const started = performance.now();
  const state = await b.setup();
  try {
    if (b.warmup !== false) await b.run(state);
    const runs: Sample[] = [];
    const base: Sample[] = [];
    for (let i = 0; i < runsN; i++) {
      if (b.pair) {
        const p = await b.pair(state);
        base.push(p.baseline);
        runs.push(p.run);
      } else {
        if (b.baseline) base.push(await b.baseline(state));
        runs.push(await b.run(state));
      }
      process.stderr.write(`  ${b.name} run ${i + 1}/${runsN} done\n`);
    }
    const row = summarize(b, runs, base);
    row.met = judge(b.target, row);
    row.seconds = Math.round((performance.now() - started) / 100) / 10;
    Object.assign(row, b.extra?.(state) ?? {});
    sharedFigures.set(b.name, row.median);
    return row;
  } finally {
    await b.teardown(state);
  }
}

function save(rows: Row[]): void {
  const file = repoPath('bench', 'results', 'latest.json');
  mkdirSync(repoPath('bench', 'results'), { recursive: true });
  let previous: Row[] = [];
  if (existsSync(file)) {
    try {
      previous = (JSON.parse(readFileSync(file, 'utf8')) as { results?: Row[] }).results ?? [];
    } catch {
      previous = [];
    }
  }
  const byName = new Map(previous.map((r) => [r.name, r]));
  for (const r of rows) byName.set(r.name, r);
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  writeFileSync(file, JSON.stringify({ when: new Date().toISOString(), machine, results: [...byName.values()] }, null, 2) + '\n');
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).flatMap((n) => GROUPS[n] ?? [n]);
  for (const n of names)
    if (!Object.hasOwn(BENCHMARKS, n)) throw new Error(`unknown benchmark ${n}; have ${Object.keys(BENCHMARKS).join(', ')}`);
  const selected: Benchmark[] = names.length > 0 ? names.map((n) => BENCHMARKS[n as keyof typeof BENCHMARKS]) : Object.values(BENCHMARKS);
  const rows: Row[] = [];
  const t0 = performance.now();
  for (const b of selected) {
    process.stderr.write(`bench: ${b.name}: ${b.description}\n`);
    try {
      rows.push(await measure(b));
    } catch (e) {
      process.stderr.write(`bench: ${b.name} failed: ${(e as Error).stack ?? String(e)}\n`);
      rows.push({
        name: b.name,
        description: b.description,
        unit: b.unit,
        median: NaN,
        min: NaN,
        max: NaN,
        target: b.target,
        met: false,
        error: (e as Error).message,
      });
      process.exitCode = 1;
    }
    console.log(formatTable(rows.slice(-1)));
  }
  console.log(`\nSummary (${((performance.now() - t0) / 1000).toFixed(0)} s):\n${formatTable(rows)}`);
  save(rows);
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exitCode = 1;
});
