// Functions and value printing for the Go-template subset used in sensor filters and parameters: Go's template
// builtins (and, or, not, eq, len, index, printf...) and the common sprig functions (upper, lower, trim, default,
// quote, b64enc, toJson, ...). Plain functions over JSON-like data; no reflection, no evaluation of strings.
import { createHash } from 'node:crypto';
import { WeirError, errorMessage } from '../../src/core/errors.js';
import { compileGoRegexp } from '../../src/core/go-regexp.js';
import type { GoRegexp } from '../../src/core/go-regexp.js';
import { formatFloatF } from './json-path.js';

export type TplFunc = (...args: unknown[]) => unknown;

export function tplError(msg: string): WeirError {
  return new WeirError('EXPRESSION_ERROR', `template: ${msg}`);
}

/** Go's %v for float64 (strconv 'g' with shortest precision): 42, 1.5, 1e+06, 1.234567e+06. */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const exp = Number(n.toExponential().split('e')[1]);
  const digits = n.toExponential().split('e')[0].replace('-', '').replace('.', '');
  const nd = digits.length;
  const dp = exp + 1;
  let eprec = 6;
  if (eprec > nd && nd >= dp) eprec = nd;
  if (exp < -4 || exp >= eprec) {
    const mant = n.toExponential().split('e')[0];
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return formatFloatF(n);
}

/** Go's fmt %v of a JSON value: maps as map[k:v], arrays as [a b], nil as <nil> (or <no value> at top level). */
export function goPrint(v: unknown, top = true): string {
  if (v === undefined || v === null) return top ? '<no value>' : '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return goFloat(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => goPrint(x, false)).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${goPrint(o[k], false)}`)
      .join(' ')}]`;
  }
  return JSON.stringify(v) ?? '';
}

/** Go template truthiness: zero values are false. */
export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : goPrint(v, false));
const num = (v: unknown): number => {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = Number.parseFloat(typeof v === 'string' ? v : '');
  return Number.isNaN(n) ? 0 : n;
};
const int = (v: unknown): number => Math.trunc(num(v));

function toJson(v: unknown, indent?: number): string {
  return JSON.stringify(v === undefined ? null : v, null, indent) ?? 'null';
}

/** Minimal Go printf: %s %v %d %q %f %t %%; enough for the formats sensor authors write. */
function printf(format: unknown, ...args: unknown[]): string {
  let i = 0;
  return String(format).replace(
    /%([-+ 0#]*)(\d*)(?:\.(\d+))?([svdqftx%])/g,
    (_m, _flags: string, _w: string, prec: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      if (i >= args.length) return `%!${verb}(MISSING)`;
      const a = args[i++];
      switch (verb) {
        case 'd':
          return String(int(a));
        case 'q':
          return JSON.stringify(str(a));
        case 'f':
          return num(a).toFixed(prec === undefined ? 6 : Number(prec));
        case 't':
          return String(truthy(a));
        case 'x':
          return typeof a === 'number' ? int(a).toString(16) : Buffer.from(str(a)).toString('hex');
        default:
          return goPrint(a, false);
      }
    },
  );
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw tplError(`incompatible types for comparison: ${typeof a} and ${typeof b}`);
}

function length(v: unknown): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  throw tplError(`len of ${v === null || v === undefined ? 'nil' : typeof v}`);
}

function index(v: unknown, ...keys: unknown[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (Array.isArray(cur)) {
      const i = int(k);
      if (i < 0 || i >= cur.length) throw tplError(`index out of range: ${i}`);
      cur = cur[i];
    } else if (cur !== null && typeof cur === 'object') {
      cur = Object.prototype.hasOwnProperty.call(cur, str(k)) ? (cur as Record<string, unknown>)[str(k)] : undefined;
    } else throw tplError(`can't index item of type ${cur === null || cur === undefined ? 'nil' : typeof cur}`);
  }
  return cur;
}

function regex(pattern: unknown): GoRegexp {
  try {
    return compileGoRegexp(str(pattern));
  } catch (e) {
    throw tplError(errorMessage(e));
  }
}

const hash =
  (alg: string) =>
  (v: unknown): string =>
    createHash(alg).update(str(v)).digest('hex');
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

export const FUNCS: Readonly<Record<string, TplFunc>> = Object.freeze({
  // Go builtins
  and: (...a: unknown[]) => a.find((x) => !truthy(x)) ?? a[a.length - 1],
  or: (...a: unknown[]) => a.find((x) => truthy(x)) ?? a[a.length - 1],
  not: (a: unknown) => !truthy(a),
  eq: (a: unknown, ...bs: unknown[]) => bs.some((b) => a === b || (a == null && b == null)),
  ne: (a: unknown, b: unknown) => a !== b,
  lt: (a: unknown, b: unknown) => cmp(a, b) < 0,
  le: (a: unknown, b: unknown) => cmp(a, b) <= 0,
  gt: (a: unknown, b: unknown) => cmp(a, b) > 0,
  ge: (a: unknown, b: unknown) => cmp(a, b) >= 0,
  len: length,
  index,
  print: (...a: unknown[]) => a.map((x) => goPrint(x, false)).join(''),
  println: (...a: unknown[]) => a.map((x) => goPrint(x, false)).join(' ') + '\n',
  printf,
  urlquery: (...a: unknown[]) => encodeURIComponent(a.map((x) => str(x)).join('')),
  // sprig: strings
  upper: (s: unknown) => str(s).toUpperCase(),
  lower: (s: unknown) => str(s).toLowerCase(),
  title: (s: unknown) => str(s).replace(/(^|[^\p{L}\p{N}])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()),
  trim: (s: unknown) => str(s).trim(),
  trimAll: (cut: unknown, s: unknown) => {
    const c = [...str(cut)];
    let x = str(s);
    while (x && c.includes(x[0])) x = x.slice(1);
    while (x && c.includes(x[x.length - 1])) x = x.slice(0, -1);
    return x;
  },
  trimPrefix: (p: unknown, s: unknown) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  trimSuffix: (p: unknown, s: unknown) => (str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s)),
  replace: (o: unknown, n: unknown, s: unknown) => str(s).split(str(o)).join(str(n)),
  contains: (sub: unknown, s: unknown) => str(s).includes(str(sub)),
  hasPrefix: (p: unknown, s: unknown) => str(s).startsWith(str(p)),
  hasSuffix: (p: unknown, s: unknown) => str(s).endsWith(str(p)),
  repeat: (n: unknown, s: unknown) => str(s).repeat(Math.max(0, Math.min(int(n), 10_000))),
  substr: (a: unknown, b: unknown, s: unknown) => str(s).slice(int(a), int(b) < 0 ? undefined : int(b)),
  trunc: (n: unknown, s: unknown) => (int(n) >= 0 ? str(s).slice(0, int(n)) : str(s).slice(int(n))),
  nospace: (s: unknown) => str(s).replace(/\s+/g, ''),
  quote: (...a: unknown[]) =>
    a
      .filter((x) => x != null)
      .map((x) => JSON.stringify(str(x)))
      .join(' '),
  squote: (...a: unknown[]) =>
    a
      .filter((x) => x != null)
      .map((x) => `'${str(x)}'`)
      .join(' '),
  cat: (...a: unknown[]) =>
    a
      .filter((x) => x != null)
      .map((x) => str(x))
      .join(' '),
  indent: (n: unknown, s: unknown) =>
    str(s)
      .split('\n')
      .map((l) => ' '.repeat(int(n)) + l)
      .join('\n'),
  nindent: (n: unknown, s: unknown) =>
    '\n' +
    str(s)
      .split('\n')
      .map((l) => ' '.repeat(int(n)) + l)
      .join('\n'),
  split: (sep: unknown, s: unknown) =>
    Object.fromEntries(
      str(s)
        .split(str(sep))
        .map((p, i) => [`_${i}`, p]),
    ),
  splitList: (sep: unknown, s: unknown) => str(s).split(str(sep)),
  join: (sep: unknown, l: unknown) =>
    list(l)
      .map((x) => str(x))
      .join(str(sep)),
  regexMatch: (re: unknown, s: unknown) => regex(re).test(str(s)),
  regexFind: (re: unknown, s: unknown) => regex(re).find(str(s))?.groups[0] ?? '',
  regexFindAll: (re: unknown, s: unknown, n: unknown) =>
    regex(re)
      .findAll(str(s), int(n))
      .map((m) => m.groups[0] ?? ''),
  regexReplaceAll: (re: unknown, s: unknown, r: unknown) => regex(re).replaceAll(str(s), str(r)),
  regexReplaceAllLiteral: (re: unknown, s: unknown, r: unknown) => regex(re).replaceAllLiteral(str(s), str(r)),
  regexSplit: (re: unknown, s: unknown, n: unknown) => regex(re).split(str(s), int(n)),
  // sprig: defaults and types
  default: (d: unknown, v?: unknown) => (truthy(v) ? v : d),
  empty: (v: unknown) => !truthy(v),
  coalesce: (...a: unknown[]) => a.find((x) => truthy(x)),
  ternary: (t: unknown, f: unknown, c: unknown) => (truthy(c) ? t : f),
  toString: (v: unknown) => str(v),
  toJson: (v: unknown) => toJson(v),
  toRawJson: (v: unknown) => toJson(v),
  toPrettyJson: (v: unknown) => toJson(v, 2),
  fromJson: (s: unknown) => {
    try {
      return JSON.parse(str(s)) as unknown;
    } catch {
      return {};
    }
  },
  int: (v: unknown) => int(v),
  int64: (v: unknown) => int(v),
  atoi: (v: unknown) => int(v),
  float64: (v: unknown) => num(v),
  // sprig: encodings and hashes
  b64enc: (s: unknown) => Buffer.from(str(s), 'utf8').toString('base64'),
  b64dec: (s: unknown) => Buffer.from(str(s), 'base64').toString('utf8'),
  sha256sum: hash('sha256'),
  sha1sum: hash('sha1'),
  // sprig: math
  add: (...a: unknown[]) => a.reduce<number>((s, x) => s + int(x), 0),
  add1: (a: unknown) => int(a) + 1,
  sub: (a: unknown, b: unknown) => int(a) - int(b),
  mul: (...a: unknown[]) => a.reduce<number>((s, x) => s * int(x), 1),
  div: (a: unknown, b: unknown) => {
    if (int(b) === 0) throw tplError('integer divide by zero');
    return Math.trunc(int(a) / int(b));
  },
  mod: (a: unknown, b: unknown) => {
    if (int(b) === 0) throw tplError('integer divide by zero');
    return int(a) % int(b);
  },
  max: (...a: unknown[]) => Math.max(...a.map(int)),
  min: (...a: unknown[]) => Math.min(...a.map(int)),
  // sprig: lists and dicts
  list: (...a: unknown[]) => a,
  first: (l: unknown) => list(l)[0],
  last: (l: unknown) => list(l)[list(l).length - 1],
  has: (needle: unknown, l: unknown) => list(l).includes(needle),
  dict: (...a: unknown[]) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i + 1 < a.length; i += 2)
      Object.defineProperty(o, str(a[i]), { value: a[i + 1], enumerable: true, writable: true, configurable: true });
    return o;
  },
  get: (d: unknown, k: unknown) =>
    d !== null && typeof d === 'object' && Object.prototype.hasOwnProperty.call(d, str(k)) ? (d as Record<string, unknown>)[str(k)] : '',
  hasKey: (d: unknown, k: unknown) => d !== null && typeof d === 'object' && Object.prototype.hasOwnProperty.call(d, str(k)),
  keys: (d: unknown) => (d !== null && typeof d === 'object' ? Object.keys(d).sort() : []),
});
