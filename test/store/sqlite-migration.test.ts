// A weir.db written by the previous schema (version 1: objects without the update columns) opens with the current
// store: the migration fills uid/creationTimestamp/generation/spec hash/labels from each stored body, and reads,
// updates (generation only on a spec change), label selectors, deletes and watch replay of the old log all work.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../../src/store/sqlite-store.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite-schema.js';
import type { StoredObject } from '../../src/store/types.js';
import type { StoredWorkflow } from '../../src/api/objects.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Schema version 1 exactly as the previous Weir created it. */
const V1_SCHEMA = `
  CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
  INSERT INTO schema_migrations VALUES (1, 'objects, labels, change log, revision', '2024-05-01T10:00:00Z');
  CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), rv INTEGER NOT NULL);
  INSERT INTO revision (id, rv) VALUES (1, 0);
  CREATE TABLE objects (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, skey TEXT NOT NULL,
    phase TEXT NOT NULL, created_ms INTEGER NOT NULL, create_rv INTEGER NOT NULL, rv INTEGER NOT NULL, body TEXT NOT NULL);
  CREATE UNIQUE INDEX objects_key ON objects (kind, skey);
  CREATE INDEX objects_newest ON objects (kind, created_ms, create_rv);
  CREATE INDEX objects_ns_newest ON objects (kind, namespace, created_ms, create_rv);
  CREATE INDEX objects_phase_key ON objects (kind, phase, skey);
  CREATE INDEX objects_phase_newest ON objects (kind, phase, created_ms, create_rv);
  CREATE INDEX objects_ns_phase_newest ON objects (kind, namespace, phase, created_ms, create_rv);
  CREATE TABLE labels (obj INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (obj, key)) WITHOUT ROWID;
  CREATE INDEX labels_key_value ON labels (key, value, obj);
  CREATE TABLE changes (rv INTEGER PRIMARY KEY, kind TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL);
`;

function workflow(name: string, rv: number, generation: number, labels: Record<string, string>): StoredObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: String(rv),
      generation,
      creationTimestamp: '2024-05-01T10:00:00Z',
      labels,
    },
    spec: { entrypoint: 'main', arguments: { parameters: [{ name: 'p', value: 'é\u2028"' }] } },
    status: { phase: 'Running', nodes: { [`${name}-1`]: { phase: 'Running' } } },
  };
}

/** A version-1 database holding two Workflows (one updated twice, so generation 3) and their change log. */
function writeV1(dataDir: string): StoredObject[] {
  const db = new Database(join(dataDir, 'weir.db'));
  db.pragma('journal_mode = WAL');
  db.exec(V1_SCHEMA);
  const w1 = workflow('w1', 3, 3, { team: 'blue' });
  const w2 = workflow('w2', 4, 1, {});
  const log: [number, string, StoredObject][] = [
    [1, 'ADDED', { ...w1, metadata: { ...w1.metadata, resourceVersion: '1', generation: 1 } }],
    [2, 'MODIFIED', { ...w1, metadata: { ...w1.metadata, resourceVersion: '2', generation: 2 } }],
    [3, 'MODIFIED', w1],
    [4, 'ADDED', w2],
  ];
  for (const [rv, type, body] of log) db.prepare('INSERT INTO changes VALUES (?, ?, ?, ?)').run(rv, 'Workflow', type, JSON.stringify(body));
  const insert = db.prepare(
    'INSERT INTO objects (kind, namespace, name, skey, phase, created_ms, create_rv, rv, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const [o, createRv] of [
    [w1, 1],
    [w2, 4],
  ] as const) {
    const { lastInsertRowid } = insert.run(
      'Workflow',
      'default',
      o.metadata.name,
      `default/${o.metadata.name}`,
      'Running',
      Date.parse(o.metadata.creationTimestamp),
      createRv,
      Number(o.metadata.resourceVersion),
      JSON.stringify(o),
    );
    for (const [k, v] of Object.entries(o.metadata.labels ?? {}))
      db.prepare('INSERT INTO labels VALUES (?, ?, ?)').run(lastInsertRowid, k, v);
  }
  db.prepare('UPDATE revision SET rv = 4').run();
  db.close();
  return [w1, w2];
}

test('a version-1 weir.db is migrated on open and then read, updated, deleted and watched like a new one', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'weir-sqlite-migrate-'));
  dirs.push(dataDir);
  const [w1, w2] = writeV1(dataDir);
  const s = createSqliteStore({ dataDir });
  try {
    assert.deepEqual(await s.get('Workflow', 'default', 'w1'), w1);
    const statusOnly = await s.update('Workflow', { ...w1, status: { phase: 'Succeeded' } } as StoredWorkflow);
    assert.equal(statusOnly.metadata.generation, 3, 'same spec as stored before the migration: generation kept');
    assert.equal(statusOnly.metadata.uid, 'uid-w1');
    assert.equal(statusOnly.metadata.creationTimestamp, '2024-05-01T10:00:00Z');
    assert.equal(statusOnly.metadata.resourceVersion, '5');
    const specChanged = await s.update('Workflow', { ...w2, spec: { entrypoint: 'other' } });
    assert.equal(specChanged.metadata.generation, 2);
    assert.deepEqual(
      (await s.list('Workflow', { labelSelector: 'team=blue' })).items.map((i) => i.metadata.name),
      ['w1'],
    );
    await s.update('Workflow', { ...statusOnly, metadata: { ...statusOnly.metadata, labels: { team: 'red' } } });
    assert.deepEqual((await s.list('Workflow', { labelSelector: 'team=blue' })).items, []);
    assert.deepEqual(
      (await s.list('Workflow', { fieldSelector: { 'status.phase': 'Succeeded' } })).items.map((i) => i.metadata.name),
      ['w1'],
    );
    assert.equal(await s.delete('Workflow', 'default', 'w2', { resourceVersion: specChanged.metadata.resourceVersion }), true);

    const ac = new AbortController();
    const events: string[] = [];
    let deleted: StoredObject | undefined;
    for await (const ev of s.watch('Workflow', { sinceResourceVersion: '0', signal: ac.signal })) {
      events.push(`${ev.type} ${ev.object.metadata.name} ${ev.object.metadata.resourceVersion}`);
      if (ev.type === 'DELETED') deleted = ev.object;
      if (events.length === 8) break;
    }
    ac.abort();
    assert.deepEqual(events, [
      'ADDED w1 1',
      'MODIFIED w1 2',
      'MODIFIED w1 3',
      'ADDED w2 4',
      'MODIFIED w1 5',
      'MODIFIED w2 6',
      'MODIFIED w1 7',
      'DELETED w2 8',
    ]);
    assert.deepEqual(
      deleted,
      { ...specChanged, metadata: { ...specChanged.metadata, resourceVersion: '8' } },
      'DELETED carries the last state',
    );
  } finally {
    await s.close();
  }
  const check = new Database(join(dataDir, 'weir.db'), { readonly: true });
  try {
    assert.deepEqual(
      check.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(),
      Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1),
    );
    assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    check.close();
  }
});
