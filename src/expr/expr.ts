// Public API of Weir's expr-lang implementation (Argo's `{{=...}}`, `when`/`expression` of retry, hooks, stop):
// parse once, evaluate against an environment of plain values, with Argo's functions (sprig, jsonpath, asInt...).
// Untrusted data must only ever be passed in `env`, never concatenated into the source.
import { WeirError, errorMessage } from '../core/errors.js';
import { lazyModule } from '../core/lazy-module.js';
import type * as Eval from './expr-eval.js';
import type { EvalOptions } from './expr-eval.js';
import type * as Parser from './expr-parser.js';
import type { ExprNode } from './expr-parser.js';
import { Duration, goNumber, isMap, newMap, setKey, toJSONText } from './expr-values.js';

export type { ExprNode, EvalOptions };

/** The parser (with its lexer) loads on the first parse: a workflow without `{{=...}}` or expressions never parses one. */
const parserModule = lazyModule<typeof Parser>(import.meta.url, './expr-parser.js');

/** Parses one expression (expr-parser.ts; its errors unchanged). */
export function parseExpr(src: string): ExprNode {
  return parserModule().parseExpr(src);
}

/**
 * The interpreter with Argo's function library (builtins, sprig, jsonpath, dates, semver: 9 modules, ~12 ms of a
 * CLI start) is loaded on the first evaluation; parsing, as lint and plain `{{...}}` substitution do, does without.
 */
const evalModule = lazyModule<typeof Eval>(import.meta.url, './expr-eval.js');

/** Evaluates a parsed expression. Results are plain JS values (times are Date, durations are nanoseconds). */
export function evalExpr(node: ExprNode, env: Record<string, unknown>, opts: EvalOptions = {}): unknown {
  try {
    const { Interpreter } = evalModule();
    return exportValue(new Interpreter(env, opts).eval(node));
  } catch (e) {
    if (e instanceof WeirError) throw e;
    const msg = e instanceof RangeError ? 'expression exhausted resources' : errorMessage(e);
    throw new WeirError('EXPRESSION_ERROR', msg, { cause: e });
  }
}

/** Parses and evaluates `src` in one go. */
export function evaluate(src: string, env: Record<string, unknown>, opts: EvalOptions = {}): unknown {
  return evalExpr(parseExpr(src), env, opts);
}

function exportValue(v: unknown): unknown {
  if (v instanceof Duration) return v.ns;
  return v;
}

/**
 * Turns Argo's flat variable map (`inputs.parameters.x`, `workflow.name`) into nested maps, as Argo does before
 * evaluating `{{=...}}`. When a key is both a value and a parent (`a` and `a.b`), the parent map wins.
 */
export function envFromFlat(flat: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(flat).sort();
  const dropped = new Set<string>();
  for (const k of keys) {
    for (let i = k.indexOf('.'); i > 0; i = k.indexOf('.', i + 1)) dropped.add(k.slice(0, i));
  }
  const root = newMap();
  for (const key of keys) {
    if (dropped.has(key)) continue;
    const parts = key.split('.');
    let cur = root;
    for (const p of parts.slice(0, -1)) {
      const next = Object.prototype.hasOwnProperty.call(cur, p) ? cur[p] : undefined;
      if (isMap(next)) cur = next;
      else {
        const m = newMap();
        setKey(cur, p, m);
        cur = m;
      }
    }
    setKey(cur, parts[parts.length - 1], flat[key]);
  }
  return root;
}

/**
 * Renders an expression result the way Argo inserts it into text: strings raw, numbers in JSON notation
 * (integers without `.0`), booleans, and arrays/maps as compact JSON. Returns undefined for nil.
 */
export function renderValue(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : goNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().replace(/\.000Z$/, 'Z');
  return toJSONText(v);
}
