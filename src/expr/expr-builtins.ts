// expr-lang's plain builtin functions (no predicate) plus Argo's additions (asInt, asFloat, toJson, jsonpath).
// Each checks its argument types and never returns strings longer than MAX_STRING.
import { aggregate } from './expr-closures.js';
import { jsonPathQuery } from './expr-jsonpath.js';
import { parseDate } from './expr-time.js';
import {
  Callable,
  MAX_STRING,
  checkString,
  compare,
  exprError,
  fromJSONText,
  goString,
  hasOwn,
  isMap,
  isNil,
  newMap,
  parseDuration,
  table,
  toJSONText,
  typeName,
} from './expr-values.js';
import type { CallContext } from './expr-values.js';

type Fn = (args: unknown[], ctx: CallContext) => unknown;

function arity(name: string, args: unknown[], min: number, max = min): void {
  if (args.length < min) throw exprError(`not enough arguments to call ${name}`);
  if (args.length > max) throw exprError(`too many arguments to call ${name}`);
}

export function str(v: unknown, name: string): string {
  if (typeof v !== 'string') throw exprError(`${name}: invalid argument type ${typeName(v)}, expected string`);
  return v;
}

export function int(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw exprError(`${name}: invalid argument type ${typeName(v)}, expected int`);
  return v;
}

export function arr(v: unknown, name: string): unknown[] {
  if (!Array.isArray(v)) throw exprError(`${name}: invalid argument type ${typeName(v)}, expected array`);
  return v;
}

function map(v: unknown, name: string): Record<string, unknown> {
  if (!isMap(v)) throw exprError(`${name}: invalid argument type ${typeName(v)}, expected map`);
  return v;
}

/** expr-lang's int(): numbers truncate, strings must be decimal integers. */
export function toInt(v: unknown, name = 'int'): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string') {
    const t = v.trim();
    if (!/^[+-]?\d+$/.test(t)) throw exprError(`${name}: cannot parse ${JSON.stringify(v)} as int`);
    return Number(t);
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw exprError(`${name}: invalid argument type ${typeName(v)}`);
}

export function toFloat(v: unknown, name = 'float'): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) && !/^[+-]?(Inf|NaN)$/i.test(t)) {
      throw exprError(`${name}: cannot parse ${JSON.stringify(v)} as float`);
    }
    return /inf/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : Number(t);
  }
  throw exprError(`${name}: invalid argument type ${typeName(v)}`);
}

/** Go's strings.SplitN / SplitAfterN. */
export function goSplit(s: string, sep: string, n: number, after: boolean): string[] {
  if (n === 0) return [];
  if (sep === '') {
    const chars = [...s];
    return n > 0 && chars.length > n ? [...chars.slice(0, n - 1), chars.slice(n - 1).join('')] : chars;
  }
  const out: string[] = [];
  let rest = s;
  while (n < 0 || out.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, after ? i + sep.length : i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

/** Go's strings.Trim with a cutset. */
export function trimChars(s: string, cutset: string, left = true, right = true): string {
  const set = new Set([...cutset]);
  const chars = [...s];
  let a = 0;
  let b = chars.length;
  while (left && a < b && set.has(chars[a])) a++;
  while (right && b > a && set.has(chars[b - 1])) b--;
  return chars.slice(a, b).join('');
}

function b64decode(s: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 !== 0) throw exprError('illegal base64 data');
  return Buffer.from(s, 'base64').toString('utf8');
}

function flattenDeep(v: unknown[], ctx: CallContext, depth = 0): unknown[] {
  if (depth > 64) throw exprError('flatten: array nested too deeply');
  ctx.charge(v.length);
  return v.flatMap((x) => (Array.isArray(x) ? flattenDeep(x, ctx, depth + 1) : [x]));
}

function sorted(a: unknown[], order: unknown, ctx: CallContext): unknown[] {
  if (order !== 'asc' && order !== 'desc') throw exprError(`sort: unknown order ${goString(order)}`);
  ctx.charge(a.length * Math.ceil(Math.log2(a.length + 1)));
  return [...a].sort((x, y) => compare(x, y, '<') * (order === 'desc' ? -1 : 1));
}

const defs: Record<string, [number, number, Fn]> = {
  len: [
    1,
    1,
    ([v]) => {
      if (typeof v === 'string') return [...v].length;
      if (Array.isArray(v)) return v.length;
      if (isMap(v)) return Object.keys(v).length;
      throw exprError(`len: invalid argument type ${typeName(v)}`);
    },
  ],
  abs: [1, 1, ([v]) => Math.abs(toFloatStrict(v, 'abs'))],
  ceil: [1, 1, ([v]) => Math.ceil(toFloatStrict(v, 'ceil'))],
  floor: [1, 1, ([v]) => Math.floor(toFloatStrict(v, 'floor'))],
  round: [
    1,
    1,
    ([v]) => {
      const n = toFloatStrict(v, 'round');
      return Math.sign(n) * Math.round(Math.abs(n));
    },
  ],
  int: [1, 1, ([v]) => toInt(v)],
  float: [1, 1, ([v]) => toFloat(v)],
  asInt: [1, 1, ([v]) => toInt(v, 'asInt')],
  asFloat: [1, 1, ([v]) => toFloat(v, 'asFloat')],
  string: [1, 1, ([v]) => checkString(goString(v))],
  type: [1, 1, ([v]) => typeName(v)],
  trim: [1, 2, ([s, c]) => (c === undefined ? str(s, 'trim').trim() : trimChars(str(s, 'trim'), str(c, 'trim')))],
  trimPrefix: [2, 2, ([s, p]) => (str(s, 'trimPrefix').startsWith(str(p, 'trimPrefix')) ? (s as string).slice((p as string).length) : s)],
  trimSuffix: [
    2,
    2,
    ([s, p]) =>
      str(s, 'trimSuffix').endsWith(str(p, 'trimSuffix')) && (p as string) !== '' ? (s as string).slice(0, -(p as string).length) : s,
  ],
  upper: [1, 1, ([s]) => str(s, 'upper').toUpperCase()],
  lower: [1, 1, ([s]) => str(s, 'lower').toLowerCase()],
  split: [2, 3, ([s, sep, n]) => goSplit(str(s, 'split'), str(sep, 'split'), n === undefined ? -1 : int(n, 'split'), false)],
  splitAfter: [
    2,
    3,
    ([s, sep, n]) => goSplit(str(s, 'splitAfter'), str(sep, 'splitAfter'), n === undefined ? -1 : int(n, 'splitAfter'), true),
  ],
  replace: [3, 3, ([s, o, n]) => checkString(str(s, 'replace').replaceAll(str(o, 'replace'), () => str(n, 'replace')))],
  repeat: [
    2,
    2,
    ([s, n]) => {
      const count = int(n, 'repeat');
      if (count < 0) throw exprError('repeat: negative repeat count');
      if (str(s, 'repeat').length * count > MAX_STRING) throw exprError(`repeat: result longer than ${MAX_STRING} characters`);
      return (s as string).repeat(count);
    },
  ],
  indexOf: [2, 2, ([s, sub]) => str(s, 'indexOf').indexOf(str(sub, 'indexOf'))],
  lastIndexOf: [2, 2, ([s, sub]) => str(s, 'lastIndexOf').lastIndexOf(str(sub, 'lastIndexOf'))],
  hasPrefix: [2, 2, ([s, p]) => str(s, 'hasPrefix').startsWith(str(p, 'hasPrefix'))],
  hasSuffix: [2, 2, ([s, p]) => str(s, 'hasSuffix').endsWith(str(p, 'hasSuffix'))],
  join: [
    1,
    2,
    ([a, sep]) =>
      checkString(
        arr(a, 'join')
          .map((x) => (typeof x === 'string' ? x : goString(x)))
          .join(sep === undefined ? '' : str(sep, 'join')),
      ),
  ],
  keys: [1, 1, ([m]) => Object.keys(map(m, 'keys'))],
  values: [1, 1, ([m]) => Object.values(map(m, 'values'))],
  toPairs: [1, 1, ([m]) => Object.entries(map(m, 'toPairs'))],
  fromPairs: [
    1,
    1,
    ([a]) =>
      newMap(
        arr(a, 'fromPairs').map((p) => {
          if (!Array.isArray(p) || p.length !== 2) throw exprError('fromPairs: expected [key, value] pairs');
          return [typeof p[0] === 'string' ? p[0] : goString(p[0]), p[1]] as [string, unknown];
        }),
      ),
  ],
  toJSON: [1, 1, ([v]) => toJSONText(v, '  ')],
  toJson: [1, 1, ([v]) => toJSONText(v)],
  fromJSON: [1, 1, ([s]) => fromJSONText(str(s, 'fromJSON'))],
  toBase64: [1, 1, ([s]) => checkString(Buffer.from(str(s, 'toBase64'), 'utf8').toString('base64'))],
  fromBase64: [1, 1, ([s]) => b64decode(str(s, 'fromBase64'))],
  now: [0, 0, (_a, ctx) => ctx.now()],
  duration: [1, 1, ([s]) => parseDuration(str(s, 'duration'))],
  date: [
    1,
    3,
    ([s, layout, tz]) =>
      parseDate(str(s, 'date'), layout === undefined ? undefined : str(layout, 'date'), tz === undefined ? undefined : str(tz, 'date')),
  ],
  first: [1, 1, ([a]) => (isNil(a) ? null : (arr(a, 'first')[0] ?? null))],
  last: [1, 1, ([a]) => (isNil(a) ? null : (arr(a, 'last').at(-1) ?? null))],
  take: [2, 2, ([a, n]) => arr(a, 'take').slice(0, Math.max(0, int(n, 'take')))],
  reverse: [1, 1, ([a]) => [...arr(a, 'reverse')].reverse()],
  sort: [1, 2, ([a, o], ctx) => sorted(arr(a, 'sort'), o ?? 'asc', ctx)],
  concat: [
    1,
    100,
    (args, ctx) => {
      const out = args.flatMap((a) => arr(a, 'concat'));
      ctx.charge(out.length);
      return out;
    },
  ],
  flatten: [1, 1, ([a], ctx) => flattenDeep(arr(a, 'flatten'), ctx)],
  uniq: [
    1,
    1,
    ([a], ctx) => {
      const items = arr(a, 'uniq');
      ctx.charge(items.length);
      const seen = new Set<string>();
      return items.filter((x) => {
        const k = typeof x === 'object' && x !== null ? `o:${toJSONText(x)}` : `${typeof x}:${String(x)}`;
        return seen.has(k) ? false : (seen.add(k), true);
      });
    },
  ],
  get: [
    2,
    2,
    ([v, k]) => {
      if (isNil(v)) return null;
      if (isMap(v)) return typeof k === 'string' && hasOwn(v, k) ? v[k] : null;
      if (Array.isArray(v) && typeof k === 'number' && Number.isInteger(k)) {
        const items: unknown[] = v;
        const i = k < 0 ? items.length + k : k;
        return i >= 0 && i < items.length ? items[i] : null;
      }
      return null;
    },
  ],
  jsonpath: [2, 2, ([s, p]) => jsonPathQuery(fromJSONText(str(s, 'jsonpath')), str(p, 'jsonpath'))],
  sum: [1, 1, ([a]) => aggregate('sum', nums(arr(a, 'sum'), 'sum'), 0)],
  mean: [1, 1, ([a]) => aggregate('mean', nums(arr(a, 'mean'), 'mean'), 0)],
  median: [1, 1, ([a]) => aggregate('median', nums(arr(a, 'median'), 'median'), 0)],
  min: [1, 100, (args) => aggregate('min', nums(args.length === 1 && Array.isArray(args[0]) ? args[0] : args, 'min'), 0)],
  max: [1, 100, (args) => aggregate('max', nums(args.length === 1 && Array.isArray(args[0]) ? args[0] : args, 'max'), 0)],
  count: [1, 1, ([a]) => arr(a, 'count').filter((x) => x === true).length],
};

function nums(a: unknown[], name: string): number[] {
  return a.map((x) => {
    if (typeof x !== 'number') throw exprError(`${name}: invalid argument ${typeName(x)}, expected number`);
    return x;
  });
}

function toFloatStrict(v: unknown, name: string): number {
  if (typeof v !== 'number') throw exprError(`${name}: invalid argument type ${typeName(v)}, expected number`);
  return v;
}

/** Builtin functions by name (predicate builtins are dispatched by the interpreter). */
export const BUILTINS = table<Callable>(
  Object.fromEntries(
    Object.entries(defs).map(([name, [min, max, fn]]) => [
      name,
      new Callable(name, (args, ctx) => {
        arity(name, args, min, max);
        return fn(args, ctx);
      }),
    ]),
  ),
);
