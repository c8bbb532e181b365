// Manual benchmark (not a test): start->exit latency of `true` through the host executor vs a raw spawn,
// a 200-way fan-out and a 100-step chain, with and without bubblewrap.
// Run: node dist-<x>/test/executor/latency-bench.js
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostExecutor } from '../../src/executor/host-executor.js';
import { findOnPath } from '../../src/executor/host-options.js';
import type { StepSpec } from '../../src/executor/types.js';

const N = 40;
let n = 0;
const spec = (uid: string): StepSpec => ({
  workflow: { namespace: 'bench', name: 'b', uid },
  nodeId: `n${n++}`,
  command: ['true'],
  env: {},
  outputPaths: ['/tmp/out.txt'],
  mounts: [],
});

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function rawSpawn(): Promise<number> {
  const t = performance.now();
  await new Promise((resolve) => spawn('true', { stdio: 'ignore' }).once('exit', resolve));
  return performance.now() - t;
}

async function bench(label: string, bwrapPath: string | null | undefined): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'weir-bench-'));
  const ex = new HostExecutor({ dataDir: root, bwrapPath });
  const uid = `u-${label}`;
  const one = async (): Promise<number> => {
    const t = performance.now();
    await ex.wait(await ex.start(spec(uid)));
    return performance.now() - t;
  };
  await one();
  const lat: number[] = [];
  for (let i = 0; i < N; i++) lat.push(await one());
  let t = performance.now();
  const hs = await Promise.all(Array.from({ length: 200 }, () => ex.start(spec(uid))));
  await Promise.all(hs.map((h) => ex.wait(h)));
  const fan = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 100; i++) await one();
  const chain = performance.now() - t;
  console.log(
    `${label}: true start->exit median ${median(lat).toFixed(1)} ms; 200-way fan-out ${fan.toFixed(0)} ms; 100-step chain ${chain.toFixed(0)} ms`,
  );
  await rm(root, { recursive: true, force: true });
}

const raw: number[] = [];
for (let i = 0; i < N; i++) raw.push(await rawSpawn());
console.log(`raw spawn('true') start->exit median ${median(raw).toFixed(1)} ms`);
if (findOnPath('bwrap', process.env.PATH) !== undefined) await bench('bwrap', undefined);
await bench('unisolated', null);
