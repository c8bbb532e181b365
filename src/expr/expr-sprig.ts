// The sprig functions Argo exposes as `sprig.<fn>` in `{{=...}}` expressions, with sprig's argument order
// (pipeline value last, e.g. sprig.replace(old, new, s)) and sprig's lenient conversions (atoi of junk is 0).
import { createHash, randomUUID } from 'node:crypto';
import { goSplit, str, toFloat, trimChars } from './expr-builtins.js';
import { compileRegex } from './expr-regex.js';
import type { GoRegexp } from '../core/go-regexp.js';
import { semverCompare } from './expr-semver.js';
import {
  Callable,
  MAX_STRING,
  checkString,
  exprError,
  formatGoTime,
  fromJSONText,
  goString,
  hasOwn,
  isMap,
  isNil,
  newMap,
  toJSONText,
  typeName,
} from './expr-values.js';
import type { CallContext } from './expr-values.js';

type Fn = (a: unknown[], ctx: CallContext) => unknown;

/** sprig's strval: strings as-is, nil as empty, everything else Go-formatted. */
const sv = (v: unknown): string => (typeof v === 'string' ? v : isNil(v) ? '' : goString(v));

/** cast.ToInt64-style conversion: junk becomes 0. */
function toI(v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[+-]?\d+$/.test(t)) return Number(t);
    if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
    return 0;
  }
  return 0;
}

function toF(v: unknown): number {
  try {
    return typeof v === 'boolean' ? Number(v) : isNil(v) ? 0 : toFloat(v);
  } catch {
    return 0;
  }
}

/** sprig's empty(): nil, zero numbers, false, "" and empty collections. */
export function sprigEmpty(v: unknown): boolean {
  if (isNil(v) || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isMap(v)) return Object.keys(v).length === 0;
  return false;
}

function list(v: unknown, name: string): unknown[] {
  if (isNil(v)) return [];
  if (!Array.isArray(v)) throw exprError(`${name}: cannot use ${typeName(v)} as a list`);
  return v;
}

function dict(v: unknown, name: string): Record<string, unknown> {
  if (!isMap(v)) throw exprError(`${name}: cannot use ${typeName(v)} as a dict`);
  return v;
}

/**
 * A time argument of sprig's date functions. Times and Unix seconds (numbers, digit strings) as sprig takes them; an
 * RFC 3339 string (how Argo passes `workflow.creationTimestamp` and other timestamps to expressions) is that time;
 * any other value is the current time, as sprig's dateInZone falls back to time.Now().
 */
function toTime(v: unknown, ctx: CallContext): Date {
  if (v instanceof Date) return v;
  if (typeof v === 'number') return new Date(v * 1000);
  if (typeof v === 'string' && /^\d+$/.test(v)) return new Date(Number(v) * 1000);
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return new Date(t);
  }
  return ctx.now();
}

/** Compiles a sprig regex argument for one subject (both must be strings). */
function rx(name: string, pattern: unknown, subject: unknown): [GoRegexp, string] {
  return [compileRegex(str(pattern, name)), str(subject, name)];
}

function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

const fns: Record<string, Fn> = {
  trim: ([s]) => str(s, 'trim').trim(),
  trimAll: ([c, s]) => trimChars(str(s, 'trimAll'), str(c, 'trimAll')),
  trimPrefix: ([p, s]) => (str(s, 'trimPrefix').startsWith(str(p, 'trimPrefix')) ? (s as string).slice((p as string).length) : s),
  trimSuffix: ([p, s]) =>
    str(s, 'trimSuffix').endsWith(str(p, 'trimSuffix')) && p !== '' ? (s as string).slice(0, -(p as string).length) : s,
  upper: ([s]) => str(s, 'upper').toUpperCase(),
  lower: ([s]) => str(s, 'lower').toLowerCase(),
  title: ([s]) => title(str(s, 'title')),
  untitle: ([s]) => str(s, 'untitle').replace(/(^|\s)(\S)/g, (_m, p: string, c: string) => p + c.toLowerCase()),
  replace: ([o, n, s]) => checkString(str(s, 'replace').replaceAll(str(o, 'replace'), () => str(n, 'replace'))),
  default: ([d, ...given]) => (given.length === 0 || sprigEmpty(given[0]) ? d : given[0]),
  empty: ([v]) => sprigEmpty(v),
  coalesce: (args) => args.find((v) => !sprigEmpty(v)) ?? null,
  ternary: ([t, f, c]) => (c === true ? t : f),
  contains: ([sub, s]) => str(s, 'contains').includes(str(sub, 'contains')),
  hasPrefix: ([p, s]) => str(s, 'hasPrefix').startsWith(str(p, 'hasPrefix')),
  hasSuffix: ([p, s]) => str(s, 'hasSuffix').endsWith(str(p, 'hasSuffix')),
  quote: (args) =>
    checkString(
      args
        .filter((a) => !isNil(a))
        .map((a) => JSON.stringify(sv(a)))
        .join(' '),
    ),
  squote: (args) =>
    checkString(
      args
        .filter((a) => !isNil(a))
        .map((a) => `'${sv(a)}'`)
        .join(' '),
    ),
  cat: (args) =>
    checkString(
      args
        .filter((a) => !isNil(a))
        .map(sv)
        .join(' '),
    ),
  join: ([sep, l]) => checkString((typeof l === 'string' ? [l] : list(l, 'join')).map(sv).join(str(sep, 'join'))),
  splitList: ([sep, s]) => goSplit(str(s, 'splitList'), str(sep, 'splitList'), -1, false),
  split: ([sep, s]) => newMap(goSplit(str(s, 'split'), str(sep, 'split'), -1, false).map((p, i) => [`_${i}`, p])),
  toString: ([v]: unknown[]) => sv(v),
  toStrings: ([l]) => list(l, 'toStrings').map(sv),
  atoi: ([s]) => toI(str(s, 'atoi')),
  int: ([v]) => toI(v),
  int64: ([v]) => toI(v),
  float64: ([v]) => toF(v),
  add: (args) => args.reduce<number>((a, b) => a + toI(b), 0),
  add1: ([v]) => toI(v) + 1,
  sub: ([a, b]) => toI(a) - toI(b),
  mul: (args) => args.reduce<number>((a, b) => a * toI(b), 1),
  div: ([a, b]) => {
    if (toI(b) === 0) throw exprError('div: integer divide by zero');
    return Math.trunc(toI(a) / toI(b));
  },
  mod: ([a, b]) => {
    if (toI(b) === 0) throw exprError('mod: integer divide by zero');
    return toI(a) % toI(b);
  },
  max: ([a, ...r]) => r.reduce<number>((m, v) => Math.max(m, toI(v)), toI(a)),
  min: ([a, ...r]) => r.reduce<number>((m, v) => Math.min(m, toI(v)), toI(a)),
  addf: (args) => args.reduce<number>((a, b) => a + toF(b), 0),
  subf: ([a, ...r]) => r.reduce<number>((m, v) => m - toF(v), toF(a)),
  mulf: (args) => args.reduce<number>((a, b) => a * toF(b), 1),
  divf: ([a, ...r]) => r.reduce<number>((m, v) => m / toF(v), toF(a)),
  floor: ([v]) => Math.floor(toF(v)),
  ceil: ([v]) => Math.ceil(toF(v)),
  round: ([v, p]) => {
    const f = 10 ** toI(p ?? 0);
    const n = toF(v) * f;
    return (Math.sign(n) * Math.round(Math.abs(n))) / f;
  },
  b64enc: ([s]) => checkString(Buffer.from(sv(s), 'utf8').toString('base64')),
  b64dec: ([s]) => {
    const t = str(s, 'b64dec');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.length % 4 !== 0) return 'illegal base64 data';
    return Buffer.from(t, 'base64').toString('utf8');
  },
  toJson: ([v]) => toJSONText(v),
  toJSON: ([v]) => toJSONText(v),
  toPrettyJson: ([v]) => toJSONText(v, '  '),
  toRawJson: ([v]) => checkString(JSON.stringify(JSON.parse(toJSONText(v)))),
  fromJson: ([s]) => {
    try {
      return fromJSONText(str(s, 'fromJson'));
    } catch {
      return newMap();
    }
  },
  regexMatch: ([p, s]) => {
    const [re, t] = rx('regexMatch', p, s);
    return re.test(t);
  },
  regexFind: ([p, s]) => {
    const [re, t] = rx('regexFind', p, s);
    return re.find(t)?.groups[0] ?? '';
  },
  regexFindAll: ([p, s, n]) => {
    const [re, t] = rx('regexFindAll', p, s);
    return re.findAll(t, toI(n ?? -1)).map((m) => m.groups[0] ?? '');
  },
  regexReplaceAll: ([p, s, r]) => {
    const [re, t] = rx('regexReplaceAll', p, s);
    return checkString(re.replaceAll(t, str(r, 'regexReplaceAll')));
  },
  regexReplaceAllLiteral: ([p, s, r]) => {
    const [re, t] = rx('regexReplaceAllLiteral', p, s);
    return checkString(re.replaceAllLiteral(t, str(r, 'regexReplaceAllLiteral')));
  },
  regexSplit: ([p, s, n]) => {
    const [re, t] = rx('regexSplit', p, s);
    return re.split(t, toI(n ?? -1));
  },
  date: ([layout, t], ctx) => formatGoTime(toTime(t, ctx), str(layout, 'date')),
  dateInZone: ([layout, t], ctx) => formatGoTime(toTime(t, ctx), str(layout, 'dateInZone')),
  now: (_a, ctx) => ctx.now(),
  unixEpoch: ([t], ctx) => String(Math.floor(toTime(t, ctx).getTime() / 1000)),
  list: (args) => [...args],
  dict: (args) => {
    const m = newMap();
    for (let i = 0; i < args.length; i += 2)
      Object.defineProperty(m, sv(args[i]), { value: args[i + 1] ?? '', enumerable: true, writable: true, configurable: true });
    return m;
  },
  get: ([d, k]) => {
    const m = dict(d, 'get');
    const key = str(k, 'get');
    return hasOwn(m, key) ? m[key] : '';
  },
  set: ([d, k, v]) => newMap([...Object.entries(dict(d, 'set')), [str(k, 'set'), v]]),
  unset: ([d, k]) => newMap(Object.entries(dict(d, 'unset')).filter(([key]) => key !== k)),
  hasKey: ([d, k]) => hasOwn(dict(d, 'hasKey'), str(k, 'hasKey')),
  keys: (args) => args.flatMap((d) => Object.keys(dict(d, 'keys'))),
  values: ([d]) => Object.values(dict(d, 'values')),
  pick: ([d, ...ks]) => newMap(Object.entries(dict(d, 'pick')).filter(([k]) => ks.includes(k))),
  omit: ([d, ...ks]) => newMap(Object.entries(dict(d, 'omit')).filter(([k]) => !ks.includes(k))),
  merge: (ds) => newMap(ds.reduceRight<[string, unknown][]>((acc, d) => [...acc, ...Object.entries(dict(d, 'merge'))], [])),
  first: ([l]) => list(l, 'first')[0] ?? null,
  last: ([l]) => list(l, 'last').at(-1) ?? null,
  rest: ([l]) => list(l, 'rest').slice(1),
  initial: ([l]) => list(l, 'initial').slice(0, -1),
  append: ([l, v]) => [...list(l, 'append'), v],
  prepend: ([l, v]) => [v, ...list(l, 'prepend')],
  concat: (ls) => ls.flatMap((l) => list(l, 'concat')),
  reverse: ([l]) => [...list(l, 'reverse')].reverse(),
  uniq: ([l], ctx) => {
    const seen = new Set<string>();
    const items = list(l, 'uniq');
    ctx.charge(items.length);
    return items.filter((v) => {
      const k = `${typeName(v)}:${goString(v)}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
  },
  has: ([needle, l]) => list(l, 'has').some((v) => goString(v) === goString(needle) && typeName(v) === typeName(needle)),
  without: ([l, ...drop], ctx) => {
    const items = list(l, 'without');
    ctx.charge(items.length * drop.length);
    return items.filter((v) => !drop.some((d) => goString(d) === goString(v)));
  },
  compact: ([l]) => list(l, 'compact').filter((v) => !sprigEmpty(v)),
  sortAlpha: ([l]) => list(l, 'sortAlpha').map(sv).sort(),
  trunc: ([n, s]) => {
    const c = toI(n);
    const t = str(s, 'trunc');
    if (c < 0 && t.length + c > 0) return t.slice(t.length + c);
    if (c >= 0 && t.length > c) return t.slice(0, c);
    return t;
  },
  substr: ([a, b, s]) => {
    const t = str(s, 'substr');
    const start = toI(a);
    const end = toI(b);
    if (start < 0) return t.slice(0, end);
    if (end < 0 || end > t.length) return t.slice(start);
    return t.slice(start, end);
  },
  nospace: ([s]) => str(s, 'nospace').replace(/\s+/g, ''),
  repeat: ([n, s]) => {
    const c = Math.max(0, toI(n));
    if (str(s, 'repeat').length * c > MAX_STRING) throw exprError(`repeat: result longer than ${MAX_STRING} characters`);
    return (s as string).repeat(c);
  },
  indent: ([n, s]) => indent(toI(n), str(s, 'indent')),
  nindent: ([n, s]) => `\n${indent(toI(n), str(s, 'nindent'))}`,
  until: ([n], ctx) => untilStep(0, toI(n), toI(n) < 0 ? -1 : 1, ctx),
  untilStep: ([a, b, s], ctx) => untilStep(toI(a), toI(b), toI(s), ctx),
  seq: (args, ctx) => {
    const p = args.map(toI);
    const [start, step, end] =
      p.length === 1 ? [1, p[0] >= 1 ? 1 : -1, p[0]] : p.length === 2 ? [p[0], p[0] <= p[1] ? 1 : -1, p[1]] : [p[0], p[1], p[2]];
    if (step === 0 || (end - start) * step < 0) return '';
    return untilStep(start, end + step, step, ctx).join(' ');
  },
  semverCompare: ([c, v]) => semverCompare(str(c, 'semverCompare'), str(v, 'semverCompare')),
  sha256sum: ([s]) => createHash('sha256').update(sv(s)).digest('hex'),
  sha1sum: ([s]) => createHash('sha1').update(sv(s)).digest('hex'),
  uuidv4: () => randomUUID(),
  kindOf: ([v]) => typeName(v),
  typeOf: ([v]) => typeName(v),
};

function indent(n: number, s: string): string {
  const pad = ' '.repeat(Math.max(0, Math.min(n, MAX_STRING)));
  const lines = s.split('\n');
  if (s.length + lines.length * pad.length > MAX_STRING) throw exprError(`indent: result longer than ${MAX_STRING} characters`);
  return lines.map((l) => pad + l).join('\n');
}

function untilStep(start: number, stop: number, step: number, ctx: CallContext): number[] {
  if (step === 0 || (stop - start) * step <= 0) return [];
  const n = Math.ceil((stop - start) / step);
  if (n > 1_000_000) throw exprError(`until: more than 1000000 elements`);
  ctx.charge(n);
  return Array.from({ length: n }, (_, i) => start + i * step);
}

/** The `sprig` map value: member access yields callables. */
export const SPRIG: Record<string, unknown> = Object.freeze(
  newMap(Object.entries(fns).map(([name, fn]) => [name, new Callable(`sprig.${name}`, fn)])),
);
