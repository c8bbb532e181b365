// gjson's built-in modifiers as path components (`children|@reverse`, `@pretty:{"sortKeys":true}`): @this, @reverse,
// @ugly, @pretty, @valid, @flatten ({"deep":true}), @join, @keys, @values, @tostr, @fromstr, @group. A name that is
// not one of these is an ordinary key (JSON-LD's "@type" still reads as a key), as in gjson.
import { isJsonNumber, parseJsonLossless } from '../../src/core/json-lossless.js';
import { JsonText, isJsonText } from './gjson-text.js';

interface Result {
  exists: boolean;
  value: unknown;
}

type Modifier = (v: unknown, arg: unknown) => Result;

const ok = (value: unknown): Result => ({ exists: true, value });
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !isJsonNumber(v) && !isJsonText(v);
const optBool = (arg: unknown, k: string): boolean => isObj(arg) && arg[k] === true;

function defineKey(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (!isObj(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) defineKey(out, k, sortKeysDeep(v[k]));
  return out;
}

function flatten(v: unknown[], deep: boolean): unknown[] {
  const out: unknown[] = [];
  for (const x of v) {
    if (Array.isArray(x)) out.push(...(deep ? flatten(x as unknown[], true) : (x as unknown[])));
    else out.push(x);
  }
  return out;
}

const MODIFIERS: Record<string, Modifier> = {
  this: (v) => ok(v),
  valid: (v) => ok(v),
  ugly: (v) => ok(v),
  pretty: (v, arg) => {
    const indent = isObj(arg) && typeof arg.indent === 'string' ? arg.indent : '  ';
    const prefix = isObj(arg) && typeof arg.prefix === 'string' ? arg.prefix : '';
    const text = JSON.stringify(optBool(arg, 'sortKeys') ? sortKeysDeep(v) : v, null, indent) ?? 'null';
    return ok(
      new JsonText(
        `${text
          .split('\n')
          .map((l) => prefix + l)
          .join('\n')}\n`,
      ),
    );
  },
  reverse: (v) => {
    if (Array.isArray(v)) return ok([...(v as unknown[])].reverse());
    if (!isObj(v)) return ok(v);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).reverse()) defineKey(out, k, v[k]);
    return ok(out);
  },
  flatten: (v, arg) => ok(Array.isArray(v) ? flatten(v, optBool(arg, 'deep')) : v),
  join: (v) => {
    if (!Array.isArray(v)) return ok(v);
    const out: Record<string, unknown> = {};
    for (const x of v) if (isObj(x)) for (const k of Object.keys(x)) defineKey(out, k, x[k]);
    return ok(out);
  },
  keys: (v) => ok(isObj(v) ? Object.keys(v) : []),
  values: (v) => ok(isObj(v) ? Object.values(v) : Array.isArray(v) ? v : []),
  tostr: (v) => ok(typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? '')),
  fromstr: (v) => {
    if (typeof v !== 'string') return { exists: false, value: undefined };
    try {
      return ok(parseJsonLossless(v));
    } catch {
      return { exists: false, value: undefined };
    }
  },
  group: (v) => {
    if (!isObj(v)) return { exists: false, value: undefined };
    const rows: Record<string, unknown>[] = [];
    for (const [k, col] of Object.entries(v)) {
      if (!Array.isArray(col)) continue;
      col.forEach((x, i) => defineKey((rows[i] ??= {}), k, x));
    }
    return ok(rows);
  },
};

function nameOf(comp: string): string {
  const colon = comp.indexOf(':');
  return colon < 0 ? comp.slice(1) : comp.slice(1, colon);
}

/** True when the component (starting with `@`) names a built-in modifier. */
export function isModifier(comp: string): boolean {
  return Object.prototype.hasOwnProperty.call(MODIFIERS, nameOf(comp));
}

/** Applies `@name[:arg]` to a value; the argument is JSON when it parses, else its text. */
export function applyModifier(v: unknown, comp: string): Result {
  const name = nameOf(comp);
  const colon = comp.indexOf(':');
  let arg: unknown;
  if (colon >= 0) {
    const text = comp.slice(colon + 1);
    try {
      arg = parseJsonLossless(text);
    } catch {
      arg = text;
    }
  }
  return MODIFIERS[name](v, arg);
}
