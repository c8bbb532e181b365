// Versioned schema of the SQLite store. Each migration runs once, in its own transaction, and is recorded in
// `schema_migrations`; a database written by a newer Weir (unknown versions) is refused rather than guessed at.
// Tables: objects (one row per object, indexed columns + JSON body + what an update needs from the current object),
// labels (object row id, key, value), changes (the bounded change log watches replay) and revision (the store-wide
// resourceVersion counter).
import type Database from 'better-sqlite3';
import { WeirError } from '../core/errors.js';
import { hashSpecJson } from './sqlite-rows.js';
import type { StoredObject } from './types.js';

interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Runs after `sql`, in the same transaction: fills new columns from existing rows. */
  backfill?: (db: Database.Database) => void;
}

/** Version 2: the columns update() reads instead of parsing the stored body, computed once from each body. */
function backfillUpdateColumns(db: Database.Database): void {
  // One body at a time: rows may be several MB each.
  const ids = db.prepare('SELECT id FROM objects ORDER BY id').pluck().all() as number[];
  const read = db.prepare('SELECT body FROM objects WHERE id = ?').pluck();
  const set = db.prepare('UPDATE objects SET uid = ?, created = ?, generation = ?, spec_hash = ?, labels = ? WHERE id = ?');
  for (const id of ids) {
    const o = JSON.parse(read.get(id) as string) as StoredObject;
    const m = o.metadata;
    const generation = typeof m.generation === 'number' ? m.generation : 1;
    set.run(
      m.uid ?? null,
      m.creationTimestamp ?? null,
      generation,
      hashSpecJson(JSON.stringify(o.spec)),
      JSON.stringify(m.labels ?? {}),
      id,
    );
  }
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'objects, labels, change log, revision',
    sql: `
      CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), rv INTEGER NOT NULL);
      INSERT INTO revision (id, rv) VALUES (1, 0);
      CREATE TABLE objects (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,      -- '' for cluster-scoped kinds
        name TEXT NOT NULL,
        skey TEXT NOT NULL,           -- namespace/name: the name-order sort key (etcd key order)
        phase TEXT NOT NULL,          -- status.phase as a field selector sees it, '' when absent
        created_ms INTEGER NOT NULL,  -- creationTimestamp in ms
        create_rv INTEGER NOT NULL,   -- resourceVersion of the create: unique tie-breaker of the newest order
        rv INTEGER NOT NULL,
        body TEXT NOT NULL            -- the whole object as JSON
      );
      CREATE UNIQUE INDEX objects_key ON objects (kind, skey);
      CREATE INDEX objects_newest ON objects (kind, created_ms, create_rv);
      CREATE INDEX objects_ns_newest ON objects (kind, namespace, created_ms, create_rv);
      CREATE INDEX objects_phase_key ON objects (kind, phase, skey);
      CREATE INDEX objects_phase_newest ON objects (kind, phase, created_ms, create_rv);
      CREATE INDEX objects_ns_phase_newest ON objects (kind, namespace, phase, created_ms, create_rv);
      CREATE TABLE labels (
        obj INTEGER NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (obj, key)
      ) WITHOUT ROWID;
      CREATE INDEX labels_key_value ON labels (key, value, obj);
      CREATE TABLE changes (
        rv INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'objects: uid, creationTimestamp, generation, spec hash and labels JSON for updates',
    sql: `
      ALTER TABLE objects ADD COLUMN uid TEXT;                               -- metadata.uid
      ALTER TABLE objects ADD COLUMN created TEXT;                           -- metadata.creationTimestamp as stored
      ALTER TABLE objects ADD COLUMN generation INTEGER NOT NULL DEFAULT 1;  -- metadata.generation
      ALTER TABLE objects ADD COLUMN spec_hash TEXT NOT NULL DEFAULT '';     -- sha256 of the spec JSON, '' without spec
      ALTER TABLE objects ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';      -- metadata.labels as JSON
    `,
    backfill: backfillUpdateColumns,
  },
  {
    version: 3,
    name: 'changes: object key, so superseded MODIFIED rows can be compacted',
    sql: `
      ALTER TABLE changes ADD COLUMN skey TEXT;  -- namespace/name of the changed object (NULL in rows written before v3)
      CREATE INDEX changes_modified ON changes (kind, skey, rv) WHERE type = 'MODIFIED';
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Brings the database to SCHEMA_VERSION; returns the versions it applied. */
export function migrate(db: Database.Database, now: () => string): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  const unknown = [...applied].filter((v) => !MIGRATIONS.some((m) => m.version === v));
  if (unknown.length > 0) {
    throw new WeirError(
      'INVALID_ARGUMENT',
      `database schema version ${Math.max(...unknown)} is newer than this Weir supports (${SCHEMA_VERSION})`,
    );
  }
  const ran: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const isApplied = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').pluck();
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    // Checked again under the write lock: another process may have migrated since the read above.
    db.transaction(() => {
      if (isApplied.get(m.version) !== undefined) return;
      db.exec(m.sql);
      m.backfill?.(db);
      record.run(m.version, m.name, now());
      ran.push(m.version);
    }).immediate();
  }
  return ran;
}
