// `node dist/bench/profile-summary.js FILE.cpuprofile [N]`: prints the top N functions by self time and the top
// files by self time of a V8 CPU profile (as written by `node --cpu-prof`, e.g. under WEIR_BENCH_PROFILE).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-summary FILE.cpuprofile [N]');
  const n = Number(process.argv[3] ?? 25);
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)?.callFrame;
    if (!f) continue;
    const short = f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist[^/]*)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'} ${short}:${f.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const fileKey = short === '' ? `(${f.functionName})` : short;
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
  }
  const show = (title: string, m: Map<string, number>): void => {
    console.log(`${title} (total ${(total / 1000).toFixed(0)} ms sampled)`);
    for (const [k, us] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n))
      console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
  };
  // Inclusive time: each node's subtree, counted once per function even when it recurses.
  const parent = new Map<number, number>();
  for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const keyOf = (id: number): string => {
    const f = byId.get(id)?.callFrame;
    return f
      ? `${f.functionName || '(anonymous)'} ${f.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist[^/]*)\//, '$1/')}:${f.lineNumber + 1}`
      : '?';
  };
  const incl = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf(cur);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + us);
    }
  }
  show('Self time by function', fns);
  console.log('');
  show('Self time by file', files);
  console.log('');
  show('Inclusive time by function', incl);
}

main();
