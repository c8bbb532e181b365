// The embedded bus's SQLite tables and the synchronous operations on them (each runs inside a group-commit
// transaction): the append-only event log with its de-duplication index and size totals, retention, durable
// consumers (a cursor into the log plus one `pending` row per delivered-but-unacked message with its delivery count
// and the time it is due again) and KV buckets. Schema version in `bus_schema`; a newer version is refused.
import type Database from 'better-sqlite3';
import { WeirError } from '../core/errors.js';

export interface LogLimits {
  /** 0 = unlimited. */
  maxAgeMs: number;
  /** -1 = unlimited. */
  maxMsgs: number;
  maxBytes: number;
  discard: 'old' | 'new';
  duplicateWindowMs: number;
}

export interface ConsumerRow {
  name: string;
  cursor: number;
  filters: { eventSourceName: string; eventName: string }[];
}

export interface Delivery {
  seq: number;
  body: string;
  deliveries: number;
}

/** An event as the log stores it: its id (the de-duplication key), subject parts and JSON body. */
export interface AppendInput {
  id: string;
  source: string;
  name: string;
  body: string;
}

export interface PruneReport {
  removed: number;
  /** Per consumer: events removed before it acked them. */
  unconsumed: Map<string, number>;
  byLimits: boolean;
}

const SCHEMA = 1;
const DDL = `
  CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, source TEXT NOT NULL, name TEXT NOT NULL,
    stored_ms INTEGER NOT NULL, size INTEGER NOT NULL, body TEXT NOT NULL);
  CREATE INDEX events_time ON events (stored_ms);
  CREATE INDEX events_subject ON events (source, name, seq);
  CREATE TABLE totals (id INTEGER PRIMARY KEY CHECK (id = 1), msgs INTEGER NOT NULL, bytes INTEGER NOT NULL);
  INSERT INTO totals VALUES (1, 0, 0);
  CREATE TABLE dedup (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, stored_ms INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX dedup_time ON dedup (stored_ms);
  CREATE TABLE consumers (name TEXT PRIMARY KEY, cursor INTEGER NOT NULL, filters TEXT NOT NULL, created_ms INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE pending (consumer TEXT NOT NULL, seq INTEGER NOT NULL, deliveries INTEGER NOT NULL, due_ms INTEGER NOT NULL,
    PRIMARY KEY (consumer, seq)) WITHOUT ROWID;
  CREATE INDEX pending_due ON pending (consumer, due_ms);
  CREATE TABLE kv_buckets (bucket TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE kv (bucket TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, revision INTEGER NOT NULL, PRIMARY KEY (bucket, key)) WITHOUT ROWID;
`;

export function migrateBusDb(db: Database.Database, path: string): void {
  db.exec('CREATE TABLE IF NOT EXISTS bus_schema (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM bus_schema').get() as { version: number } | undefined;
  if (row === undefined) {
    db.transaction(() => {
      db.exec(DDL);
      db.prepare('INSERT INTO bus_schema (version) VALUES (?)').run(SCHEMA);
    }).immediate();
  } else if (row.version > SCHEMA) {
    throw new WeirError('IO_ERROR', `${path}: bus schema version ${row.version} is newer than this Weir understands (${SCHEMA})`);
  }
}

function filterSql(filters: readonly { eventSourceName: string; eventName: string }[]): { sql: string; args: string[] } {
  const parts: string[] = [];
  const args: string[] = [];
  for (const f of filters) {
    const conds: string[] = [];
    if (f.eventSourceName !== '*') {
      conds.push('source = ?');
      args.push(f.eventSourceName);
    }
    if (f.eventName !== '*') {
      conds.push('name = ?');
      args.push(f.eventName);
    }
    if (conds.length === 0) return { sql: '1', args: [] };
    parts.push(`(${conds.join(' AND ')})`);
  }
  return { sql: parts.join(' OR '), args };
}

export class EventLog {
  private readonly cache = new Map<string, Database.Statement>();
  /**
   * Consumers are handed events up to this seq only: with the WAL flushed off the main thread (wal-sync.ts) the bus
   * raises it as commits become durable, so nothing a power loss could take back is delivered.
   */
  visibleUpTo = Number.POSITIVE_INFINITY;

  constructor(
    private readonly db: Database.Database,
    private readonly limits: LogLimits,
  ) {}

  private st(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      if (this.cache.size > 500) this.cache.clear();
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  totals(): { msgs: number; bytes: number } {
    return this.st('SELECT msgs, bytes FROM totals WHERE id = 1').get() as { msgs: number; bytes: number };
  }

  lastSeq(): number {
    const r = this.st("SELECT seq FROM sqlite_sequence WHERE name = 'events'").get() as { seq: number } | undefined;
    return r?.seq ?? 0;
  }

  /** Appends unless the id was stored within the window. Throws BUS_UNAVAILABLE (full) under discard: new. */
  append(e: AppendInput, now: number): { seq: number; duplicate: boolean } {
    const [r] = this.appendMany([e], now);
    if (r instanceof WeirError) throw r;
    return r;
  }

  /**
   * `append` for many events in order (one statement each, the size totals updated once): per event its seq, or
   * BUS_UNAVAILABLE (full) when it does not fit under discard: new (the others are still stored). A later event with
   * the id of an earlier one in the same call is a duplicate of it.
   */
  appendMany(es: readonly AppendInput[], now: number): ({ seq: number; duplicate: boolean } | WeirError)[] {
    const l = this.limits;
    const seen = this.st('SELECT seq, stored_ms FROM dedup WHERE id = ?');
    const insert = this.st('INSERT INTO events (id, source, name, stored_ms, size, body) VALUES (?, ?, ?, ?, ?, ?)');
    const remember = this.st('INSERT OR REPLACE INTO dedup (id, seq, stored_ms) VALUES (?, ?, ?)');
    // Under discard: new, the totals as they will be with this call's events so far.
    const before = l.discard === 'new' ? this.totals() : undefined;
    let msgs = 0;
    let bytes = 0;
    const out: ({ seq: number; duplicate: boolean } | WeirError)[] = [];
    for (const e of es) {
      const hit = seen.get(e.id) as { seq: number; stored_ms: number } | undefined;
      if (hit && hit.stored_ms >= now - l.duplicateWindowMs) {
        out.push({ seq: hit.seq, duplicate: true });
        continue;
      }
      const size = Buffer.byteLength(e.body);
      if (before !== undefined) {
        const t = { msgs: before.msgs + msgs, bytes: before.bytes + bytes };
        if ((l.maxMsgs > 0 && t.msgs + 1 > l.maxMsgs) || (l.maxBytes > 0 && t.bytes + size > l.maxBytes)) {
          out.push(
            new WeirError('BUS_UNAVAILABLE', `publish: bus full (${t.msgs} events, ${t.bytes} bytes; discard: new)`, {
              details: { reason: 'full', eventId: e.id },
            }),
          );
          continue;
        }
      }
      const seq = Number(insert.run(e.id, e.source, e.name, now, size, e.body).lastInsertRowid);
      remember.run(e.id, seq, now);
      msgs++;
      bytes += size;
      out.push({ seq, duplicate: false });
    }
    if (msgs > 0) this.st('UPDATE totals SET msgs = msgs + ?, bytes = bytes + ? WHERE id = 1').run(msgs, bytes);
    return out;
  }

  /** Removes events past maxAge, and the oldest beyond maxMsgs/maxBytes (discard: old); expired de-dup ids. */
  prune(now: number): PruneReport {
    const l = this.limits;
    this.st('DELETE FROM dedup WHERE stored_ms < ?').run(now - l.duplicateWindowMs);
    let upTo = 0;
    let byLimits = false;
    if (l.maxAgeMs > 0) {
      const r = this.st('SELECT MAX(seq) AS s FROM events WHERE stored_ms < ?').get(now - l.maxAgeMs) as { s: number | null };
      upTo = r.s ?? 0;
    }
    const t = this.totals();
    if (l.discard === 'old' && ((l.maxMsgs > 0 && t.msgs > l.maxMsgs) || (l.maxBytes > 0 && t.bytes > l.maxBytes))) {
      let msgs = t.msgs;
      let bytes = t.bytes;
      for (const r of this.st('SELECT seq, size FROM events ORDER BY seq').iterate() as Iterable<{ seq: number; size: number }>) {
        if (!((l.maxMsgs > 0 && msgs > l.maxMsgs) || (l.maxBytes > 0 && bytes > l.maxBytes))) break;
        msgs--;
        bytes -= r.size;
        if (r.seq > upTo) {
          upTo = r.seq;
          byLimits = true;
        }
      }
    }
    const unconsumed = new Map<string, number>();
    if (upTo === 0) return { removed: 0, unconsumed, byLimits };
    for (const c of this.consumers()) {
      const f = filterSql(c.filters);
      const unread = this.st(`SELECT COUNT(*) AS n FROM events WHERE seq > ? AND seq <= ? AND (${f.sql})`).get(
        c.cursor,
        upTo,
        ...f.args,
      ) as { n: number };
      const inFlight = this.st('DELETE FROM pending WHERE consumer = ? AND seq <= ?').run(c.name, upTo).changes;
      if (unread.n + inFlight > 0) unconsumed.set(c.name, unread.n + inFlight);
    }
    const gone = this.st('SELECT COUNT(*) AS n, COALESCE(SUM(size), 0) AS b FROM events WHERE seq <= ?').get(upTo) as {
      n: number;
      b: number;
    };
    this.st('DELETE FROM events WHERE seq <= ?').run(upTo);
    this.st('UPDATE totals SET msgs = msgs - ?, bytes = bytes - ? WHERE id = 1').run(gone.n, gone.b);
    return { removed: gone.n, unconsumed, byLimits };
  }

  consumers(): ConsumerRow[] {
    return (this.st('SELECT name, cursor, filters FROM consumers').all() as { name: string; cursor: number; filters: string }[]).map(
      (r) => ({ name: r.name, cursor: r.cursor, filters: JSON.parse(r.filters) as ConsumerRow['filters'] }),
    );
  }

  /** Creates the consumer (cursor at the start or the end of the log) or updates its filters. */
  upsertConsumer(name: string, filters: ConsumerRow['filters'], deliverPolicy: 'all' | 'new', now: number): void {
    const json = JSON.stringify(filters);
    const r = this.st('UPDATE consumers SET filters = ? WHERE name = ?').run(json, name);
    if (r.changes === 0)
      this.st('INSERT INTO consumers (name, cursor, filters, created_ms) VALUES (?, ?, ?, ?)').run(
        name,
        deliverPolicy === 'all' ? 0 : this.lastSeq(),
        json,
        now,
      );
  }

  /**
   * Hands out up to `max` messages: due redeliveries first (those past maxDeliver are dropped and reported), then
   * new events after the cursor, within maxAckPending. Returns them and when the next pending one falls due.
   */
  dispatch(
    c: { name: string; ackWaitMs: number; maxDeliver: number; maxAckPending: number },
    filters: readonly { eventSourceName: string; eventName: string }[],
    max: number,
    now: number,
  ): { out: Delivery[]; gaveUp: number[]; nextDue: number | undefined } {
    const out: Delivery[] = [];
    const gaveUp: number[] = [];
    const due = this.st(
      'SELECT p.seq, p.deliveries, e.body FROM pending p LEFT JOIN events e ON e.seq = p.seq WHERE p.consumer = ? AND p.due_ms <= ? ORDER BY p.seq LIMIT ?',
    ).all(c.name, now, max) as { seq: number; deliveries: number; body: string | null }[];
    for (const d of due) {
      if (d.body === null || (c.maxDeliver > 0 && d.deliveries >= c.maxDeliver)) {
        this.st('DELETE FROM pending WHERE consumer = ? AND seq = ?').run(c.name, d.seq);
        if (d.body !== null) gaveUp.push(d.seq);
        continue;
      }
      this.st('UPDATE pending SET deliveries = deliveries + 1, due_ms = ? WHERE consumer = ? AND seq = ?').run(
        now + c.ackWaitMs,
        c.name,
        d.seq,
      );
      out.push({ seq: d.seq, body: d.body, deliveries: d.deliveries + 1 });
    }
    const pendingCount = (this.st('SELECT COUNT(*) AS n FROM pending WHERE consumer = ?').get(c.name) as { n: number }).n;
    const room = Math.min(max - out.length, c.maxAckPending - pendingCount);
    if (room > 0) {
      const cur = this.st('SELECT cursor FROM consumers WHERE name = ?').get(c.name) as { cursor: number } | undefined;
      if (cur !== undefined) {
        const f = filterSql(filters);
        const upTo = Math.min(this.visibleUpTo, Number.MAX_SAFE_INTEGER);
        const rows = this.st(`SELECT seq, body FROM events WHERE seq > ? AND seq <= ? AND (${f.sql}) ORDER BY seq LIMIT ?`).all(
          cur.cursor,
          upTo,
          ...f.args,
          room,
        ) as { seq: number; body: string }[];
        for (const r of rows) {
          this.st('INSERT OR REPLACE INTO pending (consumer, seq, deliveries, due_ms) VALUES (?, ?, 1, ?)').run(
            c.name,
            r.seq,
            now + c.ackWaitMs,
          );
          out.push({ seq: r.seq, body: r.body, deliveries: 1 });
        }
        // Past the last match, or (nothing matched) up to the end of the log, so later reads skip what was scanned.
        const next = rows.length === room ? rows[rows.length - 1].seq : Math.min(this.lastSeq(), upTo);
        if (next > cur.cursor) this.st('UPDATE consumers SET cursor = ? WHERE name = ?').run(next, c.name);
      }
    }
    const nd = this.st('SELECT MIN(due_ms) AS d FROM pending WHERE consumer = ?').get(c.name) as { d: number | null };
    return { out, gaveUp, nextDue: nd.d ?? undefined };
  }

  /** ack / term: forget the pending row. Returns false when it was not pending (already acked or given up). */
  settle(consumer: string, seq: number): boolean {
    return this.st('DELETE FROM pending WHERE consumer = ? AND seq = ?').run(consumer, seq).changes > 0;
  }

  /** nak / working: the message falls due again at `dueMs`. */
  reschedule(consumer: string, seq: number, dueMs: number): boolean {
    return this.st('UPDATE pending SET due_ms = ? WHERE consumer = ? AND seq = ?').run(dueMs, consumer, seq).changes > 0;
  }

  kvGet(bucket: string, key: string): { value: string; revision: number } | undefined {
    return this.st('SELECT value, revision FROM kv WHERE bucket = ? AND key = ?').get(bucket, key) as
      { value: string; revision: number } | undefined;
  }

  kvPut(bucket: string, key: string, value: string, expectedRevision: number | undefined): number {
    const cur = this.kvGet(bucket, key);
    if (expectedRevision !== undefined && (cur?.revision ?? 0) !== expectedRevision) {
      throw new WeirError(
        'CONFLICT',
        `kv ${bucket}/${key}: ${expectedRevision === 0 ? 'key exists already' : `key is no longer at revision ${expectedRevision}`}`,
        {
          details: { bucket, key, expectedRevision, revision: cur?.revision ?? 0 },
        },
      );
    }
    this.st('INSERT INTO kv_buckets (bucket, revision) VALUES (?, 1) ON CONFLICT (bucket) DO UPDATE SET revision = revision + 1').run(
      bucket,
    );
    const rev = (this.st('SELECT revision FROM kv_buckets WHERE bucket = ?').get(bucket) as { revision: number }).revision;
    this.st('INSERT OR REPLACE INTO kv (bucket, key, value, revision) VALUES (?, ?, ?, ?)').run(bucket, key, value, rev);
    return rev;
  }

  kvDelete(bucket: string, key: string): void {
    this.st('DELETE FROM kv WHERE bucket = ? AND key = ?').run(bucket, key);
  }

  kvKeys(bucket: string, prefix: string): string[] {
    // Keys with the prefix are one contiguous range in the byte order of the primary key.
    const out: string[] = [];
    for (const r of this.st('SELECT key FROM kv WHERE bucket = ? AND key >= ? ORDER BY key').iterate(bucket, prefix) as Iterable<{
      key: string;
    }>) {
      if (!r.key.startsWith(prefix)) break;
      out.push(r.key);
    }
    return out.sort();
  }
}
