// `npm run bench [-- NAME...]`: runs each benchmark after a warm-up, several times, and prints median/min/max
// next to its same-run baseline; writes bench/results/latest.json. Not part of `npm test`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { repoPath } from '../test/helpers/paths.js';
import { lintBenchmark } from './lint.js';
import { fanoutBenchmark } from './fanout.js';
import { chainBenchmark } from './chain.js';
import { storeListBenchmark, storePhaseBenchmark } from './store.js';
import { busPublishBenchmark } from './bus-publish.js';
import type { Benchmark } from './types.js';

const BENCHMARKS = { lint: lintBenchmark, fanout: fanoutBenchmark, chain: chainBenchmark, 'store-list': storeListBenchmark, 'store-phase': storePhaseBenchmark, 'bus-publish': busPublishBenchmark } satisfies Record<string, Benchmark>;
const RUNS = Number(process.env.WEIR_BENCH_RUNS ?? 5);

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};

async function main(): Promise<void> {
  const names = process.argv.slice(2);
  for (const n of names) if (!Object.hasOwn(BENCHMARKS, n)) throw new Error(`unknown benchmark ${n}; have ${Object.keys(BENCHMARKS).join(', ')}`);
  const selected = names.length > 0 ? names.map((n) => BENCHMARKS[n as keyof typeof BENCHMARKS]) : Object.values(BENCHMARKS);
  const results: Record<string, unknown>[] = [];
  for (const b of selected) {
    const state = await b.setup();
    try {
      await b.run(state); // warm-up
      const runs: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        if (b.baseline) base.push(await b.baseline(state));
        runs.push(await b.run(state));
      }
      const r = stats(runs);
      const bl = base.length > 0 ? stats(base) : undefined;
      const met = b.target.kind === 'absolute-ms' ? r.median < b.target.max : b.target.kind === 'ratio-max' && bl ? r.median / bl.median <= b.target.max : undefined;
      const row = { name: b.name, description: b.description, unit: b.unit, ...r, baseline: bl, ratio: bl ? r.median / bl.median : undefined, target: b.target, met, ...(b.extra?.(state) ?? {}) };
      results.push(row);
      const fmt = (x: number) => x.toFixed(1).padStart(8);
      console.log(`${b.name.padEnd(10)} median ${fmt(r.median)} ms  min ${fmt(r.min)}  max ${fmt(r.max)}` +
        (bl ? `  baseline ${fmt(bl.median)} ms  ratio ${(r.median / bl.median).toFixed(2)}` : '') +
        `  target ${JSON.stringify(b.target)} ${met === undefined ? '' : met ? 'MET' : 'NOT MET'}`);
    } finally {
      await b.teardown(state);
    }
  }
  mkdirSync(repoPath('bench', 'results'), { recursive: true });
  writeFileSync(repoPath('bench', 'results', 'latest.json'), JSON.stringify({ when: new Date().toISOString(), results }, null, 2) + '\n');
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exitCode = 1;
});
