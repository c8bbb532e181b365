// A compact, lossless encoding of a workflow's `status.nodes` for the web UI (GET /api/v1/ui/workflow/{ns}/{name}).
// Argo's node map repeats every field name in every node and every phase, type, template name and timestamp as a
// string: a 10,000-node workflow is ~2.4 MB of JSON, which the server stringifies and the browser parses before it
// can draw anything. Here the nodes are columns, one per field:
//   'k': the value is the node's own key (the `id` field of Argo's nodes): nothing is sent;
//   's': strings from a shared table (`strings`), sent as indices (-1: the node has no such field);
//   'i': arrays of node keys (`children`, `outboundNodes`), sent as arrays of node indices (null: no such field);
//   'r': any JSON value as is; `missing` lists the nodes without the field.
// A 10,000-node fan-out is about a third of the bytes and parses several times faster. Decoding gives back equal
// objects (each node's fields in column order, which JSON does not make significant). A map with an entry that is
// not an object, or a key `__proto__` (which an assignment would not create as a field), is not encoded (undefined):
// the caller sends it as it is. Pure code: the UI bundles it.

export type ColumnMode = 'k' | 's' | 'i' | 'r';

export interface NodeColumn {
  key: string;
  mode: ColumnMode;
  /** One entry per node ('k': empty). */
  values: unknown[];
  /** 'k' and 'r': indices of the nodes without this field. */
  missing?: number[];
}

export interface NodeTable {
  /** The node map's keys, in order: a node's index is its position here. */
  keys: string[];
  strings: string[];
  columns: NodeColumn[];
}

type Json = Record<string, unknown>;

/** A column holds interned strings when at most this share of its values are distinct. */
const INTERN_SHARE = 0.5;

function modeOf(key: string, nodeKeys: readonly string[], nodes: readonly Json[], index: ReadonlyMap<string, number>): ColumnMode {
  let own = true;
  let strings = true;
  let ids = true;
  const distinct = new Set<string>();
  let present = 0;
  for (let i = 0; i < nodes.length; i++) {
    if (!Object.hasOwn(nodes[i], key)) continue;
    const v = nodes[i][key];
    present++;
    if (v !== nodeKeys[i]) own = false;
    if (typeof v === 'string') distinct.add(v);
    else strings = false;
    if (!Array.isArray(v) || !v.every((c) => typeof c === 'string' && index.has(c))) ids = false;
    if (!own && !strings && !ids) return 'r';
  }
  if (own) return 'k';
  if (strings && distinct.size <= Math.max(8, present * INTERN_SHARE)) return 's';
  return ids ? 'i' : 'r';
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Encodes a node map (Argo's status.nodes) as columns, or undefined (see above); `decodeNodes` gives it back. */
export function encodeNodes(map: Readonly<Record<string, unknown>>): NodeTable | undefined {
  const keys = Object.keys(map);
  const nodes: Json[] = [];
  for (const k of keys) {
    const n = map[k];
    if (!isObject(n) || k === '__proto__') return undefined;
    nodes.push(n);
  }
  const index = new Map(keys.map((k, i) => [k, i]));
  const fields: string[] = [];
  const seen = new Set<string>();
  for (const n of nodes)
    for (const f of Object.keys(n)) {
      if (f === '__proto__') return undefined;
      if (!seen.has(f)) {
        seen.add(f);
        fields.push(f);
      }
    }
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const intern = (s: string): number => {
    let i = stringIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringIndex.set(s, i);
    }
    return i;
  };
  const columns = fields.map((key): NodeColumn => {
    const mode = modeOf(key, keys, nodes, index);
    const values: unknown[] = [];
    const missing: number[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const has = Object.hasOwn(nodes[i], key);
      const v = nodes[i][key];
      if (mode === 'k') {
        if (!has) missing.push(i);
      } else if (mode === 's') values.push(has ? intern(v as string) : -1);
      else if (mode === 'i') values.push(has ? (v as string[]).map((c) => index.get(c)) : null);
      else {
        if (!has) missing.push(i);
        values.push(has ? v : null);
      }
    }
    return missing.length > 0 ? { key, mode, values, missing } : { key, mode, values };
  });
  return { keys, strings, columns };
}

/** The node map `encodeNodes` encoded. */
export function decodeNodes<T = Json>(t: NodeTable): Record<string, T> {
  const n = t.keys.length;
  const nodes: Json[] = new Array<Json>(n);
  for (let i = 0; i < n; i++) nodes[i] = {};
  for (const c of t.columns) {
    const key = c.key;
    const v = c.values;
    if (c.mode === 's') {
      for (let i = 0; i < n; i++) if ((v[i] as number) >= 0) nodes[i][key] = t.strings[v[i] as number];
    } else if (c.mode === 'i') {
      for (let i = 0; i < n; i++) if (v[i] !== null) nodes[i][key] = (v[i] as number[]).map((x) => t.keys[x]);
    } else {
      const skip = new Set(c.missing ?? []);
      const own = c.mode === 'k';
      for (let i = 0; i < n; i++) if (!skip.has(i)) nodes[i][key] = own ? t.keys[i] : v[i];
    }
  }
  const out: Record<string, T> = {};
  for (let i = 0; i < n; i++) out[t.keys[i]] = nodes[i] as T;
  return out;
}
