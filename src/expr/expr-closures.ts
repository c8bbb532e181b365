// expr-lang builtins that take a predicate: all any none one filter map count find findIndex findLast
// findLastIndex groupBy sortBy reduce sum mean median min max. `#`, `#index` and `#acc` are bound per element.
import type { ExprNode } from './expr-parser.js';
import type { Interpreter } from './expr-eval.js';
import { compare, exprError, getMember, goString, isNil, isTruthyBool, newMap, setKey, typeName } from './expr-values.js';

type Closure = Extract<ExprNode, { k: 'closure' }>;

function arrayArg(v: unknown, name: string, pos: number): unknown[] {
  if (isNil(v)) return [];
  if (!Array.isArray(v)) throw exprError(`${name}: cannot iterate over ${typeName(v)}`, pos);
  return v;
}

function numbers(vals: unknown[], name: string, pos: number): number[] {
  return vals.map((v) => {
    if (typeof v !== 'number') throw exprError(`${name}: invalid argument ${typeName(v)}, expected number`, pos);
    return v;
  });
}

export function callPredicateBuiltin(it: Interpreter, name: string, args: ExprNode[], pos: number): unknown {
  const closure = args[1] as Closure;
  const numeric = name === 'min' || name === 'max';
  const first = it.eval(args[0]);
  if (numeric && !Array.isArray(first)) {
    const all = numbers([first, ...args.slice(1).map((a) => it.eval(a.k === 'closure' ? a.body : a))], name, pos);
    return name === 'min' ? Math.min(...all) : Math.max(...all);
  }
  const arr = arrayArg(first, name, pos);
  const apply = (item: unknown, index: number, acc?: unknown): unknown => it.withFrame({ item, index, acc }, () => it.eval(closure.body));
  const test = (item: unknown, index: number): boolean => isTruthyBool(apply(item, index), name, pos);
  switch (name) {
    case 'all':
      return arr.every(test);
    case 'any':
      return arr.some(test);
    case 'none':
      return !arr.some(test);
    case 'one':
      return arr.filter(test).length === 1;
    case 'filter':
      return arr.filter(test);
    case 'map':
      return arr.map((x, i) => apply(x, i));
    case 'count':
      return arr.filter(test).length;
    case 'find':
      return arr.find(test) ?? null;
    case 'findIndex':
      return arr.findIndex(test);
    case 'findLast': {
      for (let i = arr.length - 1; i >= 0; i--) if (test(arr[i], i)) return arr[i];
      return null;
    }
    case 'findLastIndex': {
      for (let i = arr.length - 1; i >= 0; i--) if (test(arr[i], i)) return i;
      return -1;
    }
    case 'groupBy': {
      const out = newMap();
      arr.forEach((x, i) => {
        const key = apply(x, i);
        const k = typeof key === 'string' ? key : goString(key);
        const bucket = (Object.prototype.hasOwnProperty.call(out, k) ? out[k] : []) as unknown[];
        bucket.push(x);
        setKey(out, k, bucket);
      });
      return out;
    }
    case 'sortBy': {
      const order = args[2] === undefined ? 'asc' : it.eval(args[2]);
      if (order !== 'asc' && order !== 'desc') throw exprError(`sortBy: unknown order ${goString(order)}`, pos);
      const body = closure.body;
      const keyOf = (x: unknown, i: number): unknown =>
        body.k === 'lit' && typeof body.v === 'string' ? getMember(x, body.v, pos) : apply(x, i);
      const keyed = arr.map((x, i) => ({ x, key: keyOf(x, i) }));
      it.charge(arr.length * Math.ceil(Math.log2(arr.length + 1)));
      keyed.sort((a, b) => compare(a.key, b.key, '<', pos) * (order === 'desc' ? -1 : 1));
      return keyed.map((k) => k.x);
    }
    case 'reduce': {
      let acc: unknown;
      let start = 0;
      if (args[2] !== undefined) acc = it.eval(args[2]);
      else if (arr.length === 0) return null;
      else {
        acc = arr[0];
        start = 1;
      }
      for (let i = start; i < arr.length; i++) acc = apply(arr[i], i, acc);
      return acc;
    }
    case 'sum':
    case 'mean':
    case 'median':
    case 'min':
    case 'max': {
      const vals = numbers(
        arr.map((x, i) => apply(x, i)),
        name,
        pos,
      );
      return aggregate(name, vals, pos);
    }
  }
  throw exprError(`unknown func ${name}`, pos);
}

/** sum/mean/median/min/max over numbers (also used without a predicate). */
export function aggregate(name: string, vals: number[], pos: number): number | null {
  if (name === 'sum') return vals.reduce((a, b) => a + b, 0);
  if (vals.length === 0) {
    if (name === 'min' || name === 'max') throw exprError(`${name}: not enough arguments`, pos);
    return 0;
  }
  if (name === 'mean') return vals.reduce((a, b) => a + b, 0) / vals.length;
  if (name === 'median') {
    const s = [...vals].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }
  return name === 'min' ? Math.min(...vals) : Math.max(...vals);
}
