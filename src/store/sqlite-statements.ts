// The SQLite store's fixed statements, prepared once per connection (schema in sqlite-schema.ts).
import type Database from 'better-sqlite3';

/** The columns get reads. */
export interface ObjectRow {
  id: number;
  rv: number;
  body: string;
}

/** The columns update/delete read: what they need of the current object, without its body. */
export interface ObjectHead {
  id: number;
  rv: number;
  uid: string | null;
  created: string | null;
  generation: number;
  spec_hash: string;
  labels: string;
}

export class SqliteStatements {
  readonly exists: Database.Statement;
  readonly getObject: Database.Statement;
  readonly getHead: Database.Statement;
  readonly deletedBody: Database.Statement;
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
  readonly compactChanges: Database.Statement;

  constructor(db: Database.Database) {
    this.exists = db.prepare('SELECT 1 FROM objects WHERE kind = ? AND skey = ?').pluck();
    this.getObject = db.prepare('SELECT id, rv, body FROM objects WHERE kind = ? AND skey = ?');
    this.getHead = db.prepare('SELECT id, rv, uid, created, generation, spec_hash, labels FROM objects WHERE kind = ? AND skey = ?');
    // The last state stamped with the deletion's resourceVersion, edited by SQLite's JSON functions (no JS parse).
    this.deletedBody = db.prepare("SELECT json_set(body, '$.metadata.resourceVersion', ?) FROM objects WHERE id = ?").pluck();
    this.insertObject = db.prepare(
      `INSERT INTO objects (kind, namespace, name, skey, phase, created_ms, create_rv, rv, body, uid, created, generation, spec_hash, labels)
       VALUES (@kind, @namespace, @name, @skey, @phase, @created_ms, @create_rv, @rv, @body, @uid, @created, 1, @spec_hash, @labels)`,
    );
    this.updateObject = db.prepare(
      'UPDATE objects SET phase = @phase, rv = @rv, body = @body, generation = @generation, spec_hash = @spec_hash, labels = @labels WHERE id = @id',
    );
    this.deleteObject = db.prepare('DELETE FROM objects WHERE id = ?');
    this.insertLabel = db.prepare('INSERT INTO labels (obj, key, value) VALUES (?, ?, ?)');
    this.deleteLabels = db.prepare('DELETE FROM labels WHERE obj = ?');
    this.bumpRv = db.prepare('UPDATE revision SET rv = rv + 1 WHERE id = 1 RETURNING rv').pluck();
    this.currentRv = db.prepare('SELECT rv FROM revision WHERE id = 1').pluck();
    this.insertChange = db.prepare('INSERT INTO changes (rv, kind, type, body, skey) VALUES (?, ?, ?, ?, ?)');
    this.pruneChanges = db.prepare('DELETE FROM changes WHERE rv <= ?');
    this.oldestChange = db.prepare('SELECT min(rv) FROM changes').pluck();
    this.readChanges = db.prepare(
      "SELECT rv, type, body FROM changes WHERE rv > ? AND kind = ? AND type <> 'COMPACTED' ORDER BY rv LIMIT ?",
    );
    // A superseded MODIFIED row keeps its rv (so the oldest kept version, hence Expired, is unchanged) but not its body.
    this.compactChanges = db.prepare(
      "UPDATE changes SET type = 'COMPACTED', body = '' WHERE kind = ? AND skey = ? AND type = 'MODIFIED' AND rv <= ?",
    );
  }
}
