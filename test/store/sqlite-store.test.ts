// Runs the store conformance suite against the SQLite store (a fresh temp dir per test), plus SQLite-specific
// checks: durability across reopen and after SIGKILL, concurrent updates, schema migrations and index use.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { WeirError } from '../../src/core/errors.js';
import { createSqliteStore, resolveSqliteStoreOptions } from '../../src/store/sqlite-store.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite-schema.js';
import type { ListOptions, NewObject, StoredObject } from '../../src/store/types.js';
import { runStoreConformance } from './conformance.js';

const here = dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'weir-sqlite-store-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

runStoreConformance('sqlite', (opts) => createSqliteStore({ dataDir: tempDir(), ...opts }));

const cm = (name: string, labels: Record<string, string> = {}): NewObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels },
  data: { v: name },
});

describe('SQLite store', () => {
  test('writes survive close and reopen; resourceVersions keep increasing; the change log is kept', async () => {
    const dataDir = tempDir();
    const s1 = createSqliteStore({ dataDir });
    const a = await s1.create('ConfigMap', cm('a', { app: 'x' }));
    const b = await s1.create('ConfigMap', cm('b'));
    const a2 = await s1.update('ConfigMap', { ...a, data: { v: 'changed' } });
    assert.equal(await s1.delete('ConfigMap', 'default', 'b', { resourceVersion: b.metadata.resourceVersion }), true);
    await s1.close();
    await assert.rejects(s1.get('ConfigMap', 'default', 'a'), (e: unknown) => e instanceof WeirError && e.code === 'CANCELLED');

    const s2 = createSqliteStore({ dataDir });
    try {
      assert.deepEqual(await s2.get('ConfigMap', 'default', 'a'), a2);
      assert.equal(await s2.get('ConfigMap', 'default', 'b'), undefined);
      assert.deepEqual((await s2.list('ConfigMap', { labelSelector: 'app=x' })).items, [a2]);
      const c = await s2.create('ConfigMap', cm('c'));
      assert.ok(Number(c.metadata.resourceVersion) > Number(a2.metadata.resourceVersion) + 1);
      const ac = new AbortController();
      const events: string[] = [];
      for await (const ev of s2.watch('ConfigMap', { sinceResourceVersion: '0', signal: ac.signal })) {
        events.push(`${ev.type} ${ev.object.metadata.name}`);
        if (events.length === 5) break;
      }
      assert.deepEqual(events, ['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b', 'ADDED c']);
      const check = new Database(join(dataDir, 'weir.db'), { readonly: true });
      try {
        assert.equal(check.pragma('journal_mode', { simple: true }), 'wal');
        const versions = Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1);
        assert.deepEqual(check.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(), versions);
        assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
      } finally {
        check.close();
      }
    } finally {
      await s2.close();
    }
  });

  const killCases = [
    ['full', 1],
    ['normal', 1],
    ['full', 16],
  ] as const;
  for (const [synchronous, width] of killCases) {
    const what = width === 1 ? 'one at a time' : `${width} per group commit`;
    test(`synchronous=${synchronous}, ${what}: every write acknowledged before SIGKILL is there after reopening`, async () => {
      const dataDir = tempDir();
      const args = [join(here, 'sqlite-kill-child.js'), dataDir, synchronous, String(width)];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => res(signal)));
      await new Promise<void>((res, rej) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          // Kill mid-stream, while the child keeps writing.
          if (out.split('\n').length > 400) {
            child.kill('SIGKILL');
            res();
          }
        });
        child.on('exit', () => rej(new Error(`child exited early: ${err}`)));
      });
      assert.equal(await exited, 'SIGKILL');
      const acked = new Map<string, { rv: number; v: string }>();
      for (const line of out.split('\n').slice(0, -1)) {
        const [name, rv, v] = line.split(' ');
        acked.set(name, { rv: Number(rv), v });
      }
      assert.ok(acked.size >= 200);
      const s = createSqliteStore({ dataDir });
      try {
        for (const [name, want] of acked) {
          const o = await s.get('ConfigMap', 'default', name);
          assert.ok(o, `acknowledged ${name} is missing`);
          assert.ok(Number(o.metadata.resourceVersion) >= want.rv, `${name} lost a write`);
          if (want.v === '1') assert.equal((o.data as { v: string }).v, '1');
        }
        const listed = await s.list('ConfigMap', {});
        // At most the creates of the batch in flight at the kill may be there without having been acknowledged.
        assert.ok(listed.items.length >= acked.size && listed.items.length <= acked.size + width);
        // The next write continues after every acknowledged version.
        const maxAcked = Math.max(...[...acked.values()].map((a) => a.rv));
        assert.ok(Number((await s.create('ConfigMap', cm('after'))).metadata.resourceVersion) > maxAcked);
      } finally {
        await s.close();
      }
    });
  }

  test('two connections to one file: a stale update loses, versions stay global', async () => {
    const dataDir = tempDir();
    const s1 = createSqliteStore({ dataDir });
    const s2 = createSqliteStore({ dataDir });
    try {
      const a = await s1.create('ConfigMap', cm('a'));
      const seen = (await s2.get('ConfigMap', 'default', 'a')) as StoredObject;
      const won = await s1.update('ConfigMap', { ...a, data: { v: 'one' } });
      await assert.rejects(
        s2.update('ConfigMap', { ...seen, data: { v: 'two' } }),
        (e: unknown) => e instanceof WeirError && e.code === 'CONFLICT',
      );
      const b = await s2.create('ConfigMap', cm('b'));
      assert.ok(Number(b.metadata.resourceVersion) > Number(won.metadata.resourceVersion));
      assert.equal(((await s2.get('ConfigMap', 'default', 'a')) as StoredObject).data !== undefined, true);
      assert.deepEqual(((await s2.get('ConfigMap', 'default', 'a')) as StoredObject).data, { v: 'one' });
    } finally {
      await s1.close();
      await s2.close();
    }
  });

  test('list queries use indexes for phase filters and the newest order (no full scan, no sort)', async () => {
    const s = createSqliteStore({ dataDir: tempDir(), synchronous: 'normal' });
    try {
      const plan = (o: ListOptions): string => s.explainList('Workflow', { limit: 50, ...o }).join('\n');
      const cases: [ListOptions, string][] = [
        [{ order: 'newest', fieldSelector: { 'status.phase': 'Failed' } }, 'objects_phase_newest'],
        [{ order: 'newest', namespace: 'ns1', fieldSelector: { 'status.phase': 'Failed' } }, 'objects_ns_phase_newest'],
        [{ fieldSelector: { 'status.phase': 'Failed' } }, 'objects_phase_key'],
        [{ namespace: 'ns1', fieldSelector: { 'status.phase': 'Failed' } }, 'objects_phase_key'],
        [{ order: 'newest' }, 'objects_newest'],
        [{ order: 'newest', namespace: 'ns1' }, 'objects_ns_newest'],
        [{}, 'objects_key'],
      ];
      for (const [opts, index] of cases) {
        const p = plan(opts);
        assert.match(p, new RegExp(`USING INDEX ${index}\\b`), `${JSON.stringify(opts)}:\n${p}`);
        assert.doesNotMatch(p, /TEMP B-TREE|SCAN o\b/, `${JSON.stringify(opts)}:\n${p}`);
      }
      for (const name of ['w1', 'w2']) {
        await s.create('Workflow', {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Workflow',
          metadata: { name },
          spec: {},
          status: { phase: 'Failed' },
        });
      }
      const failed: ListOptions = { order: 'newest', fieldSelector: { 'status.phase': 'Failed' }, limit: 1 };
      const cont = plan({ ...failed, continue: (await s.list('Workflow', failed)).continue });
      assert.match(cont, /USING INDEX objects_phase_newest \(kind=\? AND phase=\? AND/);
    } finally {
      await s.close();
    }
  });

  test('a write blocked by another connection past busyTimeoutMs fails with TIMEOUT, and works once it is free', async () => {
    const dataDir = tempDir();
    const s = createSqliteStore({ dataDir, busyTimeoutMs: 50 });
    const other = new Database(join(dataDir, 'weir.db'));
    try {
      other.exec('BEGIN IMMEDIATE');
      await assert.rejects(s.create('ConfigMap', cm('a')), (e: unknown) => e instanceof WeirError && e.code === 'TIMEOUT');
      assert.deepEqual((await s.list('ConfigMap')).items, [], 'reads are not blocked by a writer');
      other.exec('ROLLBACK');
      assert.equal((await s.create('ConfigMap', cm('a'))).metadata.name, 'a');
    } finally {
      other.close();
      await s.close();
    }
  });

  test('a database from a newer schema version is refused; bad options name the field', async () => {
    const dataDir = tempDir();
    await createSqliteStore({ dataDir }).close();
    const db = new Database(join(dataDir, 'weir.db'));
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'now')").run();
    db.close();
    assert.throws(() => createSqliteStore({ dataDir }), /schema version 99 is newer/);
    assert.throws(
      () => resolveSqliteStoreOptions({ dataDir: '' }),
      (e: unknown) => e instanceof WeirError && e.details?.field === 'dataDir',
    );
    assert.throws(
      () => resolveSqliteStoreOptions({ dataDir, historyLimit: 0 }),
      (e: unknown) => e instanceof WeirError && e.details?.field === 'historyLimit',
    );
    assert.equal(resolveSqliteStoreOptions({ dataDir }).dbPath, join(dataDir, 'weir.db'));
  });
});
