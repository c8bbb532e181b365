// Node status offload to PostgreSQL (Argo's "offloadNodeStatus"): one row per workflow namespace/name and content
// version (a SHA-256 prefix of the nodes JSON). Versions other than the newest are kept for `keepMs` (default five
// minutes) so a reader holding an older object can still load its nodes, then dropped; remove() drops the rows of
// a deleted workflow (those saved up to a given database time: see KubernetesStore.dropOffloadedNodes). Uses the `pg` client; the table is created when missing. The newest version this process
// saved of each of the last 16 workflows it saved is also kept in memory, so reading back its own writes (the update's answer, its own watch
// events) costs no query.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { WeirError, errorMessage } from '../core/errors.js';
import type { NodeOffload } from './kubernetes-nodes.js';

export interface PgNodeOffloadOptions {
  /** postgres://user@host:5432/db */
  connectionString: string;
  /** Default `weir_node_status`. */
  table?: string;
  /** How long superseded versions stay loadable. Default 300,000 ms. */
  keepMs?: number;
}

/** Workflows whose newest saved nodes stay in memory (the most recently saved ones). */
const KEEP_IN_MEMORY = 16;

export class PgNodeOffload implements NodeOffload {
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly keepMs: number;
  private ready: Promise<void> | undefined;
  /** The newest version this process saved, per workflow `namespace/name`. */
  private readonly last = new Map<string, { version: string; json: string }>();

  constructor(o: PgNodeOffloadOptions) {
    const table = o.table ?? 'weir_node_status';
    if (!/^[a-z_][a-z0-9_]*$/.test(table))
      throw new WeirError('INVALID_ARGUMENT', `offload table name ${JSON.stringify(table)} is not a plain SQL identifier`);
    this.table = table;
    this.keepMs = o.keepMs ?? 300_000;
    this.pool = new pg.Pool({ connectionString: o.connectionString, max: 4 });
    this.pool.on('error', () => undefined); // an idle client's connection broke; the next query reconnects
  }

  private init(): Promise<void> {
    this.ready ??= this.pool
      .query(
        `CREATE TABLE IF NOT EXISTS ${this.table} (
      namespace text NOT NULL, name text NOT NULL, version text NOT NULL, nodes text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (namespace, name, version))`,
      )
      .then(
        () => undefined,
        (e: unknown) => {
          this.ready = undefined;
          throw dbError('create the offload table', e);
        },
      );
    return this.ready;
  }

  async save(namespace: string, name: string, nodesJson: string): Promise<string> {
    await this.init();
    const version = `sha256:${createHash('sha256').update(nodesJson).digest('hex').slice(0, 32)}`;
    try {
      await this.pool.query(
        `INSERT INTO ${this.table} (namespace, name, version, nodes) VALUES ($1, $2, $3, $4)
         ON CONFLICT (namespace, name, version) DO UPDATE SET updated_at = now()`,
        [namespace, name, version, nodesJson],
      );
      await this.pool.query(
        `DELETE FROM ${this.table} WHERE namespace = $1 AND name = $2 AND version <> $3 AND updated_at < now() - ($4 || ' milliseconds')::interval`,
        [namespace, name, version, String(this.keepMs)],
      );
    } catch (e) {
      throw dbError(`offload the node status of ${namespace}/${name}`, e);
    }
    const key = `${namespace}/${name}`;
    this.last.delete(key);
    this.last.set(key, { version, json: nodesJson });
    for (const old of this.last.keys()) {
      if (this.last.size <= KEEP_IN_MEMORY) break;
      this.last.delete(old);
    }
    return version;
  }

  async load(namespace: string, name: string, version: string): Promise<string> {
    const mine = this.last.get(`${namespace}/${name}`);
    if (mine?.version === version) return mine.json;
    await this.init();
    let rows: { nodes: string }[];
    try {
      ({ rows } = await this.pool.query<{ nodes: string }>(
        `SELECT nodes FROM ${this.table} WHERE namespace = $1 AND name = $2 AND version = $3`,
        [namespace, name, version],
      ));
    } catch (e) {
      throw dbError(`load the offloaded node status of ${namespace}/${name}`, e);
    }
    if (rows.length === 0) throw new WeirError('NOT_FOUND', `offloaded node status ${version} of workflow ${namespace}/${name} is gone`);
    return rows[0].nodes;
  }

  async remove(namespace: string, name: string, savedUpTo?: Date): Promise<void> {
    this.last.delete(`${namespace}/${name}`);
    await this.init();
    try {
      if (savedUpTo === undefined) await this.pool.query(`DELETE FROM ${this.table} WHERE namespace = $1 AND name = $2`, [namespace, name]);
      else
        await this.pool.query(`DELETE FROM ${this.table} WHERE namespace = $1 AND name = $2 AND updated_at <= $3`, [
          namespace,
          name,
          savedUpTo,
        ]);
    } catch (e) {
      throw dbError(`remove the offloaded node status of ${namespace}/${name}`, e);
    }
  }

  async now(): Promise<Date> {
    await this.init();
    try {
      const { rows } = await this.pool.query<{ now: Date }>('SELECT now() AS now');
      return rows[0].now;
    } catch (e) {
      throw dbError('read the database clock', e);
    }
  }

  async workflows(): Promise<{ namespace: string; name: string }[]> {
    await this.init();
    try {
      const { rows } = await this.pool.query<{ namespace: string; name: string }>(`SELECT DISTINCT namespace, name FROM ${this.table}`);
      return rows;
    } catch (e) {
      throw dbError('list the workflows with offloaded node status', e);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function dbError(what: string, e: unknown): WeirError {
  return new WeirError('IO_ERROR', `cannot ${what} in PostgreSQL: ${errorMessage(e)}`, { cause: e });
}
