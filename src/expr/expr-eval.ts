// Tree-walking interpreter for parsed expr-lang expressions. Values only come from the environment and
// literals; every node visit and closure iteration is charged to a step budget so hostile input stays bounded.
import { WeirError, errorMessage } from '../core/errors.js';
import type { ExprNode } from './expr-parser.js';
import { BUILTINS } from './expr-builtins.js';
import { callPredicateBuiltin } from './expr-closures.js';
import { regexTest } from './expr-regex.js';
import { SPRIG } from './expr-sprig.js';
import {
  Callable,
  Duration,
  checkString,
  compare,
  equal,
  exprError,
  getMember,
  hasOwn,
  isMap,
  isNil,
  isTruthyBool,
  newMap,
  setKey,
  typeName,
} from './expr-values.js';
import type { CallContext } from './expr-values.js';

export interface EvalOptions {
  /** Maximum node visits plus closure iterations (default 1,000,000). */
  stepBudget?: number;
  /** Clock for `now()` (default: the system clock). */
  now?: () => Date;
}

export const MAX_RANGE = 1_000_000;
const SHORT = Symbol('optional-chain');

interface Scope {
  name: string;
  value: unknown;
  parent: Scope | undefined;
}

/** One closure iteration: `#`, `#index`, `#acc`. */
export interface Frame {
  item: unknown;
  index: number;
  acc?: unknown;
}

export class Interpreter implements CallContext {
  private steps = 0;
  private readonly budget: number;
  private readonly clock: () => Date;
  private scope: Scope | undefined;
  private frames: Frame[] = [];

  constructor(
    private readonly env: Record<string, unknown>,
    opts: EvalOptions = {},
  ) {
    this.budget = opts.stepBudget ?? 1_000_000;
    this.clock = opts.now ?? (() => new Date());
  }

  charge(units: number): void {
    this.steps += units;
    if (this.steps > this.budget) throw exprError(`expression exceeded its step budget (${this.budget})`);
  }

  now(): Date {
    return this.clock();
  }

  /** Runs `body` once per element with `#`/`#index` bound. */
  withFrame<T>(frame: Frame, body: () => T): T {
    this.charge(1);
    this.frames.push(frame);
    try {
      return body();
    } finally {
      this.frames.pop();
    }
  }

  eval(n: ExprNode): unknown {
    const v = this.chain(n);
    return v === SHORT ? null : v;
  }

  private chain(n: ExprNode): unknown {
    this.charge(1);
    switch (n.k) {
      case 'lit':
        return n.v;
      case 'id':
        return this.lookup(n.name, n.pos);
      case 'ptr':
        return this.pointer(n.name, n.pos);
      case 'member': {
        const obj = this.chain(n.obj);
        if (obj === SHORT) return SHORT;
        if (n.opt && isNil(obj)) return SHORT;
        return getMember(obj, this.eval(n.prop), n.prop.pos);
      }
      case 'slice': {
        const obj = this.chain(n.obj);
        if (obj === SHORT) return SHORT;
        return this.slice(obj, n.from && this.eval(n.from), n.to && this.eval(n.to), n.pos);
      }
      case 'call':
        return this.call(n);
      case 'closure':
        throw exprError('a predicate is only allowed as a builtin argument', n.pos);
      case 'unary':
        return this.unary(n.op, this.eval(n.arg), n.pos);
      case 'binary':
        return this.binary(n);
      case 'cond':
        return isTruthyBool(this.eval(n.test), 'ternary operator', n.pos) ? this.eval(n.then) : this.eval(n.else);
      case 'array': {
        const out = n.items.map((i) => this.eval(i));
        return out;
      }
      case 'map': {
        const m = newMap();
        for (const [k, v] of n.entries) {
          const key = this.eval(k);
          if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
            throw exprError(`cannot use ${typeName(key)} as map key`, k.pos);
          }
          setKey(m, String(key), this.eval(v));
        }
        return m;
      }
      case 'let': {
        const value = this.eval(n.value);
        const saved = this.scope;
        this.scope = { name: n.name, value, parent: saved };
        try {
          return this.eval(n.body);
        } finally {
          this.scope = saved;
        }
      }
    }
  }

  private lookup(name: string, pos: number): unknown {
    for (let s = this.scope; s; s = s.parent) if (s.name === name) return s.value;
    if (name === '$env') return this.env;
    if (hasOwn(this.env, name)) return this.env[name];
    if (name === 'sprig') return SPRIG;
    throw exprError(`unknown name ${name}`, pos);
  }

  private pointer(name: string, pos: number): unknown {
    const f = this.frames[this.frames.length - 1];
    if (!f) throw exprError('pointer used outside of a predicate', pos);
    if (name === 'index') return f.index;
    if (name === 'acc') return f.acc;
    return f.item;
  }

  private call(n: Extract<ExprNode, { k: 'call' }>): unknown {
    let fn: unknown;
    if (n.callee.k === 'id') {
      const name = n.callee.name;
      let local: unknown;
      for (let s = this.scope; s; s = s.parent) if (s.name === name) local = s.value;
      if (local === undefined && hasOwn(this.env, name)) local = this.env[name];
      if (local instanceof Callable) fn = local;
      else if (n.args[1]?.k === 'closure') return callPredicateBuiltin(this, name, n.args, n.pos);
      else {
        const b = BUILTINS[name];
        if (!b) throw exprError(`unknown func ${name}`, n.pos);
        fn = b;
      }
    } else {
      fn = this.chain(n.callee);
      if (fn === SHORT) return SHORT;
    }
    if (!(fn instanceof Callable)) throw exprError(`${typeName(fn)} is not callable`, n.pos);
    const args = n.args.map((a) => this.eval(a));
    return this.invoke(fn, args, n.pos);
  }

  invoke(fn: Callable, args: unknown[], pos: number): unknown {
    try {
      return fn.fn(args, this);
    } catch (e) {
      if (e instanceof WeirError) {
        if (e.details?.position === undefined) throw exprError(`${fn.name}: ${e.message}`, pos);
        throw e;
      }
      throw new WeirError('EXPRESSION_ERROR', `${fn.name}: ${errorMessage(e)} (at position ${pos + 1})`, {
        cause: e,
        details: { position: pos },
      });
    }
  }

  private slice(obj: unknown, from: unknown, to: unknown, pos: number): unknown {
    if (!Array.isArray(obj) && typeof obj !== 'string') throw exprError(`cannot slice ${typeName(obj)}`, pos);
    const len = obj.length;
    const norm = (v: unknown, dflt: number): number => {
      if (isNil(v)) return dflt;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw exprError(`invalid slice index ${typeName(v)}`, pos);
      const i = v < 0 ? len + v : v;
      return Math.min(Math.max(i, 0), len);
    };
    const a = norm(from, 0);
    const b = Math.max(norm(to, len), a);
    return obj.slice(a, b);
  }

  private unary(op: string, v: unknown, pos: number): unknown {
    if (op === 'not') return !isTruthyBool(v, 'not', pos);
    if (typeof v !== 'number') throw exprError(`invalid operation: ${op} ${typeName(v)}`, pos);
    return op === '-' ? -v : v;
  }

  private binary(n: Extract<ExprNode, { k: 'binary' }>): unknown {
    const { op, pos } = n;
    if (op === 'and' || op === '&&') {
      return isTruthyBool(this.eval(n.left), op, pos) && isTruthyBool(this.eval(n.right), op, pos);
    }
    if (op === 'or' || op === '||') {
      return isTruthyBool(this.eval(n.left), op, pos) || isTruthyBool(this.eval(n.right), op, pos);
    }
    if (op === '??') {
      const l = this.eval(n.left);
      return isNil(l) ? this.eval(n.right) : l;
    }
    return binaryOp(op, this.eval(n.left), this.eval(n.right), pos, this);
  }
}

function bad(op: string, a: unknown, b: unknown, pos: number): WeirError {
  return exprError(`invalid operation: ${typeName(a)} ${op} ${typeName(b)}`, pos);
}

export function binaryOp(op: string, a: unknown, b: unknown, pos: number, ctx: CallContext): unknown {
  const nums = typeof a === 'number' && typeof b === 'number';
  switch (op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '<':
      return compare(a, b, op, pos) < 0;
    case '<=':
      return compare(a, b, op, pos) <= 0;
    case '>':
      return compare(a, b, op, pos) > 0;
    case '>=':
      return compare(a, b, op, pos) >= 0;
    case '+':
      if (nums) return a + b;
      if (typeof a === 'string' && typeof b === 'string') return checkString(a + b, pos);
      if (a instanceof Date && b instanceof Duration) return new Date(a.getTime() + b.ns / 1e6);
      if (a instanceof Duration && b instanceof Date) return new Date(b.getTime() + a.ns / 1e6);
      if (a instanceof Duration && b instanceof Duration) return new Duration(a.ns + b.ns);
      throw bad(op, a, b, pos);
    case '-':
      if (nums) return a - b;
      if (a instanceof Date && b instanceof Date) return new Duration((a.getTime() - b.getTime()) * 1e6);
      if (a instanceof Date && b instanceof Duration) return new Date(a.getTime() - b.ns / 1e6);
      if (a instanceof Duration && b instanceof Duration) return new Duration(a.ns - b.ns);
      throw bad(op, a, b, pos);
    case '*':
      if (nums) return a * b;
      if (a instanceof Duration && typeof b === 'number') return new Duration(a.ns * b);
      if (typeof a === 'number' && b instanceof Duration) return new Duration(a * b.ns);
      throw bad(op, a, b, pos);
    case '/':
      if (nums) return a / b;
      throw bad(op, a, b, pos);
    case '%':
      if (nums && Number.isInteger(a) && Number.isInteger(b)) {
        if (b === 0) throw exprError('integer divide by zero', pos);
        return a % b;
      }
      throw bad(op, a, b, pos);
    case '**':
    case '^':
      if (nums) return Math.pow(a, b);
      throw bad(op, a, b, pos);
    case '..': {
      if (!nums || !Number.isInteger(a) || !Number.isInteger(b)) throw bad(op, a, b, pos);
      const size = b - a + 1;
      if (size > MAX_RANGE) throw exprError(`range ${a}..${b} larger than ${MAX_RANGE} elements`, pos);
      if (size <= 0) return [];
      ctx.charge(size);
      return Array.from({ length: size }, (_, i) => a + i);
    }
    case 'in':
      if (Array.isArray(b)) {
        ctx.charge(b.length);
        return b.some((x) => equal(a, x));
      }
      if (isMap(b)) {
        if (typeof a !== 'string' && typeof a !== 'number') throw bad(op, a, b, pos);
        return hasOwn(b, String(a));
      }
      if (isNil(b)) return false;
      throw bad(op, a, b, pos);
    case 'matches':
      if (typeof a !== 'string' || typeof b !== 'string') throw bad(op, a, b, pos);
      return regexTest(b, a, pos);
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      if (typeof a !== 'string' || typeof b !== 'string') throw bad(op, a, b, pos);
      return op === 'contains' ? a.includes(b) : op === 'startsWith' ? a.startsWith(b) : a.endsWith(b);
  }
  throw exprError(`unknown operator ${op}`, pos);
}
