// Reading values out of a resource object for `resource` templates: Argo's success/failure conditions (a
// label-selector-like list of requirements over gjson-style paths, e.g. `status.phase == Succeeded,status.x > 2`),
// kubectl-style `jsonPath` output parameters (`{.metadata.name}`, `{.items[0].x}`, `{.a[*].b}`) and a small `jq`
// subset (`.`, `.a.b`, `.a[0]`, `.a[]`, `.["k"]`, `| length`, `| keys`). Anything beyond is a clear error.

type Json = unknown;
const asList = (v: Json): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

const isObj = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A gjson-style path (`status.phase`, `items.0.name`, `items.#` = length, `\.` escapes a dot). */
export function gjsonGet(obj: Json, path: string): Json {
  const parts = path.split(/(?<!\\)\./).map((p) => p.replace(/\\\./g, '.'));
  let cur: Json = obj;
  for (const p of parts) {
    if (Array.isArray(cur)) {
      if (p === '#') return cur.length;
      if (!/^\d+$/.test(p)) return undefined;
      cur = cur[Number(p)];
    } else if (isObj(cur)) cur = cur[p];
    else return undefined;
  }
  return cur;
}

/** How Argo turns a found value into text for comparisons: strings as is, others as JSON. */
const asText = (v: Json): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

interface Requirement {
  key: string;
  op: '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | '>' | '<';
  values: string[];
}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

/** Parses a condition; throws with a message naming the bad requirement. */
export function parseCondition(text: string): Requirement[] {
  return splitTop(text).map((r) => {
    let m = /^(\S+?)\s*(==|!=|=|>|<)\s*(.*)$/.exec(r);
    if (m) return { key: m[1], op: m[2] === '==' ? '=' : (m[2] as Requirement['op']), values: [m[3].trim()] };
    m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(r);
    if (m) return { key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((x) => x.trim()) };
    m = /^!\s*(\S+)$/.exec(r);
    if (m) return { key: m[1], op: '!', values: [] };
    if (/^\S+$/.test(r)) return { key: r, op: 'exists', values: [] };
    throw new Error(`cannot parse requirement ${JSON.stringify(r)}`);
  });
}

/** Whether every requirement of the condition holds for `obj`. */
export function conditionHolds(text: string, obj: Json): boolean {
  for (const r of parseCondition(text)) {
    const v = gjsonGet(obj, r.key);
    const t = asText(v);
    let ok: boolean;
    switch (r.op) {
      case '=':
        ok = v !== undefined && t === r.values[0];
        break;
      case '!=':
        ok = t !== r.values[0];
        break;
      case 'in':
        ok = v !== undefined && r.values.includes(t);
        break;
      case 'notin':
        ok = !r.values.includes(t);
        break;
      case 'exists':
        ok = v !== undefined;
        break;
      case '!':
        ok = v === undefined;
        break;
      case '>':
      case '<': {
        const a = Number(t);
        const b = Number(r.values[0]);
        if (t === '' || !Number.isFinite(a) || !Number.isFinite(b)) ok = false;
        else ok = r.op === '>' ? a > b : a < b;
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

/** kubectl-style JSONPath template: text with `{...}` expressions; lists print space-separated. */
export function kubectlJsonPath(tmpl: string, obj: Json): string {
  return tmpl.replace(/\{([^{}]*)\}/g, (_m, expr: string) => {
    const vals = evalPath(expr.trim(), obj);
    return vals.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(' ');
  });
}

function evalPath(expr: string, obj: Json): Json[] {
  if (expr === '' || expr === '.' || expr === '$') return [obj];
  const re = /\.([A-Za-z0-9_-]+)|\[(\d+|\*)\]|\['([^']*)'\]|\["([^"]*)"\]|\.\*/y;
  let cur: Json[] = [obj];
  let i = expr.startsWith('$') ? 1 : 0;
  while (i < expr.length) {
    re.lastIndex = i;
    const m = re.exec(expr);
    if (!m)
      throw new Error(
        `jsonPath ${JSON.stringify(expr)}: not supported at ${JSON.stringify(expr.slice(i))} (supported: .field, [n], [*], ['key'])`,
      );
    i = re.lastIndex;
    const key = m[1] ?? m[3] ?? m[4];
    if (key !== undefined) cur = cur.flatMap((c) => (isObj(c) && c[key] !== undefined ? [c[key]] : []));
    else if (m[2] === '*' || m[0] === '.*') cur = cur.flatMap((c): Json[] => (isObj(c) ? Object.values(c) : asList(c)));
    else cur = cur.flatMap((c): Json[] => (asList(c)[Number(m[2])] !== undefined ? [asList(c)[Number(m[2])]] : []));
  }
  return cur;
}

/** A small jq subset over `obj`; the result as jq prints it (strings raw, other values as JSON, one per line). */
export function jqFilter(filter: string, obj: Json): string {
  const stages = filter.split('|').map((s) => s.trim());
  let cur: Json[] = [obj];
  for (const st of stages) {
    if (st === 'length')
      cur = cur.map((v) => (Array.isArray(v) ? v.length : isObj(v) ? Object.keys(v).length : typeof v === 'string' ? v.length : 0));
    else if (st === 'keys') cur = cur.map((v) => (isObj(v) ? Object.keys(v).sort() : Array.isArray(v) ? v.map((_x, i) => i) : []));
    else if (st.startsWith('.')) cur = cur.flatMap((v) => jqPath(st, v, filter));
    else throw new Error(`jqFilter ${JSON.stringify(filter)}: not supported (Weir supports paths like .a.b[0], .a[], | length, | keys)`);
  }
  return cur.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n');
}

function jqPath(path: string, obj: Json, filter: string): Json[] {
  if (path === '.') return [obj];
  const re = /\.([A-Za-z_][A-Za-z0-9_]*)|\.?\["([^"]*)"\]|\.?\[(\d*)\]/y;
  let cur: Json[] = [obj];
  let i = 0;
  while (i < path.length) {
    re.lastIndex = i;
    const m = re.exec(path);
    if (!m) throw new Error(`jqFilter ${JSON.stringify(filter)}: not supported (Weir supports paths like .a.b[0], .a[], | length, | keys)`);
    i = re.lastIndex;
    const key = m[1] ?? m[2];
    if (key !== undefined) cur = cur.map((c) => (isObj(c) ? (c[key] ?? null) : null));
    else if (m[3] === '') cur = cur.flatMap((c): Json[] => (isObj(c) ? Object.values(c) : asList(c)));
    else cur = cur.map((c): Json => asList(c)[Number(m[3])] ?? null);
  }
  return cur;
}
