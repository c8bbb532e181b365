// Translates ListOptions into one SQL query over the SQLite store's indexed columns: namespace (as a key range in
// name order), status.phase, metadata.name/namespace, label requirements (labels table), the keyset cursor and the
// order. Field selectors on other paths are left to the caller (`jsFields`), which filters decoded rows.
import { KIND_IDENTITY } from '../core/kinds.js';
import type { KindName } from '../api/kinds.js';
import type { Requirement } from './label-selector.js';
import type { Cursor } from './list-order.js';
import { storageKey } from './object-rules.js';
import type { ListOrder } from './types.js';

export interface ListQueryInput {
  kind: KindName;
  namespace: string | undefined;
  requirements: readonly Requirement[];
  fieldSelector: Readonly<Record<string, string>> | undefined;
  order: ListOrder;
  after: Cursor | undefined;
  /** Rows to fetch (page size + 1 to learn whether more follow); ignored when jsFields need filtering. */
  fetch: number | undefined;
}

export interface ListQuery {
  sql: string;
  params: (string | number)[];
  /** Field selectors SQL cannot evaluate; undefined when SQL did all the filtering. */
  jsFields: Record<string, string> | undefined;
}

/** Columns every list query returns. */
export interface ListRow {
  skey: string;
  created_ms: number;
  create_rv: number;
  body: string;
}

const LABEL_MATCH = 'o.id IN (SELECT l.obj FROM labels l WHERE l.key = ?';
const LABEL_NO_MATCH = 'NOT EXISTS (SELECT 1 FROM labels l WHERE l.obj = o.id AND l.key = ?';

function labelClause(r: Requirement, params: (string | number)[]): string {
  params.push(r.key);
  switch (r.op) {
    case 'exists':
      return `${LABEL_MATCH})`;
    case 'notexists':
      return `${LABEL_NO_MATCH})`;
    case 'eq':
      params.push(r.value);
      return `${LABEL_MATCH} AND l.value = ?)`;
    case 'neq':
      params.push(r.value);
      return `${LABEL_NO_MATCH} AND l.value = ?)`;
    case 'in':
      params.push(...r.values);
      return `${LABEL_MATCH} AND l.value IN (${r.values.map(() => '?').join(', ')}))`;
    case 'notin':
      params.push(...r.values);
      return `${LABEL_NO_MATCH} AND l.value IN (${r.values.map(() => '?').join(', ')}))`;
  }
}

export function buildListQuery(q: ListQueryInput): ListQuery {
  const where: string[] = ['o.kind = ?'];
  const params: (string | number)[] = [q.kind];
  const ns = KIND_IDENTITY[q.kind].namespaced ? q.namespace : undefined;
  const fields = { ...(q.fieldSelector ?? {}) };
  if (ns !== undefined && q.order === 'name') {
    // namespace/name keys of one namespace form a contiguous range ('0' follows '/' and no key lacks a '/'), so
    // name-order indexes serve it. Written as BETWEEN: with a phase filter too, SQLite then prefers the phase index.
    where.push('o.skey BETWEEN ? AND ?');
    params.push(`${ns}/`, `${ns}0`);
  } else if (ns !== undefined) {
    where.push('o.namespace = ?');
    params.push(ns);
  }
  if (Object.hasOwn(fields, 'status.phase')) {
    where.push('o.phase = ?');
    params.push(fields['status.phase']);
    delete fields['status.phase'];
  }
  if (Object.hasOwn(fields, 'metadata.name')) {
    if (ns !== undefined || !KIND_IDENTITY[q.kind].namespaced) {
      where.push('o.skey = ?');
      params.push(storageKey(ns, fields['metadata.name']));
    } else {
      where.push('o.name = ?');
      params.push(fields['metadata.name']);
    }
    delete fields['metadata.name'];
  }
  if (Object.hasOwn(fields, 'metadata.namespace')) {
    where.push('o.namespace = ?');
    params.push(fields['metadata.namespace']);
    delete fields['metadata.namespace'];
  }
  for (const r of q.requirements) where.push(labelClause(r, params));
  if (q.after?.order === 'name') {
    where.push('o.skey > ?');
    params.push(q.after.key);
  } else if (q.after?.order === 'newest') {
    where.push('(o.created_ms, o.create_rv) < (?, ?)');
    params.push(q.after.createdMs, q.after.createRv);
  }
  const jsFields = Object.keys(fields).length > 0 ? fields : undefined;
  const orderBy = q.order === 'name' ? 'o.skey' : 'o.created_ms DESC, o.create_rv DESC';
  let sql = `SELECT o.skey, o.created_ms, o.create_rv, o.body FROM objects o WHERE ${where.join(' AND ')} ORDER BY ${orderBy}`;
  if (q.fetch !== undefined && jsFields === undefined) {
    sql += ' LIMIT ?';
    params.push(q.fetch);
  }
  return { sql, params, jsFields };
}
