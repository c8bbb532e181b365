// Benchmark `sqlite-driver`: which SQLite binding the embedded store and bus should use. The same statement mix the
// store's hot paths run (one transaction per write: the object row upsert plus a change-log row, WAL with
// synchronous=NORMAL; point reads by key; newest-first index pages of 50 with JSON.parse of each row) is timed through
// Node's built-in `node:sqlite` (subject) and `better-sqlite3` (baseline) in the same run on fresh files. The ratio
// is node:sqlite time / better-sqlite3 time: at most 1.1 would let the store drop the native dependency.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import Database from 'better-sqlite3';
import type { Benchmark } from './types.js';

const WRITES = Number(process.env.WEIR_BENCH_SQLITE_WRITES ?? 4000);
const READS = 4000;
const PAGES = 200;

const SCHEMA = `
  PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
  CREATE TABLE objects (kind TEXT, ns TEXT, name TEXT, rv INTEGER, created TEXT, body TEXT, PRIMARY KEY (kind, ns, name));
  CREATE INDEX objects_newest ON objects (kind, ns, created DESC, name);
  CREATE TABLE changes (rv INTEGER PRIMARY KEY, kind TEXT, ns TEXT, name TEXT, type TEXT, body TEXT);`;

function body(i: number): string {
  const name = `wf-${i}`;
  return JSON.stringify({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name, namespace: `ns${i % 5}`, labels: { app: `app-${i % 40}`, 'workflows.argoproj.io/phase': 'Succeeded' } },
    spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine:3.19', command: ['echo'], args: [`run ${i}`] } }] },
    status: {
      phase: 'Succeeded',
      nodes: { [name]: { id: name, name, type: 'Pod', phase: 'Succeeded', outputs: { result: 'x'.repeat(1500) } } },
    },
  });
}

/** The minimal surface both bindings share: prepare(sql).run/get/all and exec. */
interface Db {
  exec(sql: string): void;
  prepare(sql: string): { run(...a: unknown[]): unknown; get(...a: unknown[]): unknown; all(...a: unknown[]): unknown[] };
  close(): void;
}

function workload(db: Db): number {
  const t0 = performance.now();
  const upsert = db.prepare('INSERT OR REPLACE INTO objects (kind, ns, name, rv, created, body) VALUES (?, ?, ?, ?, ?, ?)');
  const change = db.prepare('INSERT INTO changes (rv, kind, ns, name, type, body) VALUES (?, ?, ?, ?, ?, ?)');
  for (let i = 0; i < WRITES; i++) {
    const b = body(i);
    db.exec('BEGIN IMMEDIATE');
    upsert.run('Workflow', `ns${i % 5}`, `wf-${i}`, i + 1, new Date(1_700_000_000_000 + i * 1000).toISOString(), b);
    change.run(i + 1, 'Workflow', `ns${i % 5}`, `wf-${i}`, 'ADDED', b);
    db.exec('COMMIT');
  }
  const get = db.prepare('SELECT body FROM objects WHERE kind = ? AND ns = ? AND name = ?');
  for (let i = 0; i < READS; i++) {
    const j = (i * 7) % WRITES;
    const row = get.get('Workflow', `ns${j % 5}`, `wf-${j}`) as { body: string };
    JSON.parse(row.body);
  }
  const page = db.prepare('SELECT body FROM objects WHERE kind = ? AND ns = ? ORDER BY created DESC, name LIMIT 50');
  for (let i = 0; i < PAGES; i++) for (const r of page.all('Workflow', `ns${i % 5}`) as { body: string }[]) JSON.parse(r.body);
  return performance.now() - t0;
}

function fresh(open: (file: string) => Db): number {
  const dir = mkdtempSync(join(tmpdir(), 'weir-bench-sqlite-'));
  const db = open(join(dir, 'bench.db'));
  try {
    db.exec(SCHEMA);
    return workload(db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const sqliteDriverBenchmark: Benchmark = {
  name: 'sqlite-driver',
  description: `${WRITES} write transactions (object upsert + change row), ${READS} point reads, ${PAGES} newest-first pages of 50: node:sqlite`,
  baselineDescription: 'the same statements through better-sqlite3',
  unit: 'ms',
  target: { kind: 'report' },
  setup: () => Promise.resolve(undefined),
  run: () => fresh((f) => new DatabaseSync(f)),
  baseline: () => fresh((f) => new Database(f)),
  teardown: () => Promise.resolve(),
};
