// Not a test: a micro-measure of the SQLite store's write path (default durability, synchronous=full), run by hand:
// `node dist/test/store/sqlite-write-measure.js [rounds]`. Prints one JSON line per case: concurrent small creates and
// updates (all issued in one tick), the same one at a time, and sequential updates of a ~5 MB Workflow.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import type { StoredObject } from '../../src/store/types.js';

const rounds = Number(process.argv[2] ?? '1');

async function timed(name: string, n: number, fn: () => Promise<void>): Promise<void> {
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  process.stdout.write(
    `${JSON.stringify({ case: name, n, ms: Math.round(ms), perOpMs: Number((ms / n).toFixed(3)), perSec: Math.round(n / (ms / 1000)) })}\n`,
  );
}

function bigWorkflow(name: string, nodes: number): Record<string, unknown> {
  const status: Record<string, unknown> = { phase: 'Running', nodes: {} };
  const all = status.nodes as Record<string, unknown>;
  for (let i = 0; i < nodes; i++) {
    const id = `${name}-${1000000000 + i}`;
    all[id] = {
      id,
      name: `${name}[0].layer-${Math.floor(i / 100)}(${i % 100}:${i})`,
      displayName: `layer-${Math.floor(i / 100)}(${i % 100}:${i})`,
      type: 'Pod',
      templateName: 'step',
      phase: 'Succeeded',
      boundaryID: name,
      startedAt: '2024-05-01T10:00:00Z',
      finishedAt: '2024-05-01T10:00:01Z',
      progress: '1/1',
      resourcesDuration: { cpu: 1, memory: 1 },
      outputs: { exitCode: '0' },
      children: [`${name}-${1000000000 + i + 1}`],
      hostNodeName: 'localhost',
    };
  }
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name, namespace: 'default', labels: { app: 'big' } },
    spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'x' } }] },
    status,
  };
}

for (let r = 0; r < rounds; r++) {
  const dir = mkdtempSync(join(tmpdir(), 'weir-sqlite-measure-'));
  const store = createSqliteStore({ dataDir: dir });
  try {
    const N = 2000;
    let objs: StoredObject[] = [];
    await timed('2000 concurrent creates', N, async () => {
      objs = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          store.create('ConfigMap', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `c${i}`, labels: { app: 'x' } },
            data: { v: '0' },
          }),
        ),
      );
    });
    await timed('2000 concurrent updates', N, async () => {
      objs = await Promise.all(objs.map((o) => store.update('ConfigMap', { ...o, data: { v: '1' } })));
    });
    await timed('300 sequential small updates', 300, async () => {
      let o = objs[0];
      for (let i = 0; i < 300; i++) o = await store.update('ConfigMap', { ...o, data: { v: String(i) } });
    });
    let big = await store.create('Workflow', bigWorkflow('big', 12500) as never);
    const bytes = JSON.stringify(big).length;
    await timed(`200 sequential updates of a ${(bytes / 1e6).toFixed(1)} MB Workflow`, 200, async () => {
      for (let i = 0; i < 200; i++) {
        (big.status as { progress?: string }).progress = `${i}/200`;
        big = await store.update('Workflow', big);
      }
    });
    await timed('200 sequential updates of the same Workflow, handed over (UpdateOptions.handOver)', 200, async () => {
      for (let i = 0; i < 200; i++)
        big = await store.update('Workflow', { ...big, status: { ...(big.status as object), progress: `${i}/200` } }, { handOver: true });
    });
    const mib = (f: string): number => Math.round(statSync(join(dir, f), { throwIfNoEntry: false })?.size ?? 0) / 2 ** 20;
    process.stdout.write(
      `${JSON.stringify({ case: 'files after the big updates', weirDbMiB: Math.round(mib('weir.db')), walMiB: Math.round(mib('weir.db-wal')) })}\n`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
