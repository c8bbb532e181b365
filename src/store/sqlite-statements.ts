// The SQLite store's fixed statements, prepared once per connection (schema in sqlite-schema.ts).
import type Database from 'better-sqlite3';

/** The columns get/update/delete read. */
export interface ObjectRow {
  id: number;
  rv: number;
  body: string;
}

export class SqliteStatements {
  readonly exists: Database.Statement;
  readonly getObject: Database.Statement;
  readonly insertObject: Database.Statement;
  readonly updateObject: Database.Statement;
  readonly deleteObject: Database.Statement;
  readonly insertLabel: Database.Statement;
  readonly deleteLabels: Database.Statement;
  readonly bumpRv: Database.Statement;
  readonly currentRv: Database.Statement;
  readonly insertChange: Database.Statement;
  readonly pruneChanges: Database.Statement;
  readonly oldestChange: Database.Statement;
  readonly readChanges: Database.Statement;

  constructor(db: Database.Database) {
    this.exists = db.prepare('SELECT 1 FROM objects WHERE kind = ? AND skey = ?').pluck();
    this.getObject = db.prepare('SELECT id, rv, body FROM objects WHERE kind = ? AND skey = ?');
    this.insertObject = db.prepare(
      `INSERT INTO objects (kind, namespace, name, skey, phase, created_ms, create_rv, rv, body)
       VALUES (@kind, @namespace, @name, @skey, @phase, @created_ms, @create_rv, @rv, @body)`,
    );
    this.updateObject = db.prepare('UPDATE objects SET phase = ?, rv = ?, body = ? WHERE id = ?');
    this.deleteObject = db.prepare('DELETE FROM objects WHERE id = ?');
    this.insertLabel = db.prepare('INSERT INTO labels (obj, key, value) VALUES (?, ?, ?)');
    this.deleteLabels = db.prepare('DELETE FROM labels WHERE obj = ?');
    this.bumpRv = db.prepare('UPDATE revision SET rv = rv + 1 WHERE id = 1 RETURNING rv').pluck();
    this.currentRv = db.prepare('SELECT rv FROM revision WHERE id = 1').pluck();
    this.insertChange = db.prepare('INSERT INTO changes (rv, kind, type, body) VALUES (?, ?, ?, ?)');
    this.pruneChanges = db.prepare('DELETE FROM changes WHERE rv <= ?');
    this.oldestChange = db.prepare('SELECT min(rv) FROM changes').pluck();
    this.readChanges = db.prepare('SELECT rv, type, body FROM changes WHERE rv > ? AND kind = ? ORDER BY rv LIMIT ?');
  }
}
