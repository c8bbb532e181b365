// Benchmark `lint`: wall time of `weir lint` over 500 manifests (a copy of examples/ and the Argo fixtures,
// renamed, in a temp dir), including process start. Target: under 3 s. Baseline: `node -e 0` start-up time.
import { mkdtemp, readdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoPath } from '../test/helpers/paths.js';
import type { Benchmark } from './types.js';

async function sources(): Promise<string[]> {
  const dirs = [repoPath('examples'), repoPath('test/fixtures/argo-workflows'), repoPath('test/fixtures/argo-events')];
  const texts: string[] = [];
  for (const d of dirs)
    for (const f of (await readdir(d)).filter((n) => n.endsWith('.yaml')).sort()) texts.push(await readFile(join(d, f), 'utf8'));
  return texts;
}

export const lintBenchmark: Benchmark = {
  name: 'lint',
  description: 'weir lint over 500 manifests (wall time incl. process start)',
  async setup() {
    const dir = await mkdtemp(join(tmpdir(), 'weir-bench-lint-'));
    const texts = await sources();
    let docs = 0;
    for (let i = 0; docs < 500; i++) {
      const text = texts[i % texts.length];
      await writeFile(join(dir, `m${String(i).padStart(4, '0')}.yaml`), text);
      docs += text.split(/^---\s*$/m).filter((d) => /\bkind:/.test(d)).length;
    }
    return { dir, docs };
  },
  baseline() {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    return Number(process.hrtime.bigint() - t) / 1e6;
  },
  run(state) {
    const { dir } = state as { dir: string };
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [repoPath('bin', 'weir.js'), 'lint', dir], { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) throw new Error(`weir lint failed (${r.status}): ${r.stdout.slice(0, 500)}${r.stderr.slice(0, 500)}`);
    return ms;
  },
  async teardown(state) {
    await rm((state as { dir: string }).dir, { recursive: true, force: true });
  },
  target: { kind: 'absolute-ms', max: 3000 },
  unit: 'ms',
  extra: (state) => ({ documents: (state as { docs: number }).docs }),
};
