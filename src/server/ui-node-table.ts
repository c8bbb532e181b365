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

/** A column holds interned strings when it has at most this many distinct ones per node. */
const INTERN_SHARE = 0.5;

/** A field's values by node index; a hole (undefined: JSON has none) where the node lacks the field. */
type Raw = unknown[];

function modeOf(raw: Raw, nodeKeys: readonly string[], index: ReadonlyMap<string, number>): ColumnMode {
  let own = true;
  let strings = true;
  let ids = true;
  const distinct = new Set<string>();
  // Interned only when at most this many distinct strings (counted until the limit is passed).
  const limit = Math.max(8, raw.length * INTERN_SHARE);
  let last: unknown;
  let present = 0;
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v === undefined) continue;
    // Mostly distinct from the start (names, ids, messages): not worth hashing every one to find out.
    if (++present === 64 && distinct.size * 2 > present) strings = false;
    if (own && v !== nodeKeys[i]) own = false;
    if (strings) {
      if (typeof v !== 'string') strings = false;
      else if (v !== last && distinct.size <= limit) distinct.add(v); // a run of equal values is hashed once
      last = v;
    }
    if (ids && !(Array.isArray(v) && v.every((c) => typeof c === 'string' && index.has(c)))) ids = false;
    if (!own && !ids && (!strings || distinct.size > limit)) return 'r';
  }
  if (own) return 'k';
  if (strings && distinct.size <= limit) return 's';
  return ids ? 'i' : 'r';
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Encodes a node map (Argo's status.nodes) as columns, or undefined (see above); `decodeNodes` gives it back. */
export function encodeNodes(map: Readonly<Record<string, unknown>>): NodeTable | undefined {
  const keys = Object.keys(map);
  const n = keys.length;
  const index = new Map<string, number>();
  // One pass over the nodes, field by field into columns (in the order fields first appear).
  const raws = new Map<string, Raw>();
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    const node = map[k];
    if (!isObject(node) || k === '__proto__') return undefined;
    index.set(k, i);
    for (const f in node) {
      if (f === '__proto__') return undefined;
      let raw = raws.get(f);
      if (raw === undefined) raws.set(f, (raw = new Array<unknown>(n)));
      raw[i] = node[f];
    }
  }
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  let last = '';
  let lastIndex = -1;
  const intern = (s: string): number => {
    if (s === last && lastIndex >= 0) return lastIndex; // runs of one phase, type or time: no hashing
    let i = stringIndex.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      stringIndex.set(s, i);
    }
    last = s;
    lastIndex = i;
    return i;
  };
  const columns: NodeColumn[] = [];
  for (const [key, raw] of raws) {
    const mode = modeOf(raw, keys, index);
    const missing: number[] = [];
    let values: unknown[] = [];
    if (mode === 's') values = Array.from(raw, (v) => (v === undefined ? -1 : intern(v as string)));
    else if (mode === 'i') values = Array.from(raw, (v) => (v === undefined ? null : (v as string[]).map((c) => index.get(c))));
    else
      for (let i = 0; i < n; i++) {
        const v = raw[i];
        if (v === undefined) missing.push(i);
        if (mode === 'r') values.push(v === undefined ? null : v);
      }
    columns.push(missing.length > 0 ? { key, mode, values, missing } : { key, mode, values });
  }
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
