// Argo's `{{...}}` placeholder substitution: simple tags `{{inputs.parameters.x}}` and expression tags `{{=expr}}`.
// Single pass: an inserted value is never scanned again, so values containing `{{...}}`, `$(...)` or backticks stay
// literal text. Expression tags end at the first `}}` outside string literals and balanced braces.
import { WeirError } from '../core/errors.js';
import { envFromFlat, evalExpr, parseExpr, renderValue } from './expr.js';
import type { EvalOptions } from './expr.js';
import { hasOwn } from './expr-values.js';

export interface Placeholder {
  /** Trimmed tag name for simple tags; the expression source (after `=`) for expression tags. */
  name: string;
  expr: boolean;
  /** Offset of `{{`. */
  start: number;
  /** Offset just after `}}`. */
  end: number;
}

export interface SubstituteOptions {
  /** Throw on unknown tags and failing expressions instead of leaving them in place. */
  strict?: boolean;
  /** Evaluates the source of a `{{=...}}` tag to its rendered text; without it such tags are left as they are. */
  evalExpr?: (src: string) => string;
}

/** Finds the end of an expression tag body starting at `from`; returns the index of its closing `}}`. */
function exprTagEnd(text: string, from: number): number {
  let depth = 0;
  let quote = '';
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0 && text[i + 1] === '}') return i;
      if (depth > 0) depth--;
    }
  }
  return text.indexOf('}}', from);
}

/** All placeholders in `text`, in order. Text without a closing `}}` is not a placeholder. */
export function listPlaceholders(text: string): Placeholder[] {
  const out: Placeholder[] = [];
  let i = 0;
  for (;;) {
    const start = text.indexOf('{{', i);
    if (start < 0) return out;
    const isExpr = text[start + 2] === '=';
    const close = isExpr ? exprTagEnd(text, start + 3) : text.indexOf('}}', start + 2);
    if (close < 0) return out;
    const body = text.slice(start + 2, close);
    out.push({ name: isExpr ? body.slice(1) : body.trim(), expr: isExpr, start, end: close + 2 });
    i = close + 2;
  }
}

/**
 * Replaces placeholders in one pass. Unknown simple tags and unevaluable expressions are left as written
 * unless `strict`, in which case an EXPRESSION_ERROR lists every unresolved tag.
 */
export function substitute(text: string, lookup: (name: string) => string | undefined, opts: SubstituteOptions = {}): string {
  const parts: string[] = [];
  const unresolved: string[] = [];
  let causes: unknown;
  let last = 0;
  for (const p of listPlaceholders(text)) {
    parts.push(text.slice(last, p.start));
    last = p.end;
    const original = text.slice(p.start, p.end);
    let value: string | undefined;
    if (p.expr) {
      if (opts.evalExpr) {
        try {
          value = opts.evalExpr(p.name);
        } catch (e) {
          causes ??= e;
        }
      }
    } else value = lookup(p.name);
    if (value === undefined) {
      unresolved.push(original);
      parts.push(original);
    } else parts.push(value);
  }
  parts.push(text.slice(last));
  if (opts.strict && unresolved.length > 0) {
    const first = causes instanceof Error ? `: ${causes.message}` : '';
    throw new WeirError('EXPRESSION_ERROR', `failed to resolve ${unresolved.join(', ')}${first}`, {
      cause: causes,
      details: { unresolved },
    });
  }
  return parts.join('');
}

/**
 * An evaluator for `{{=...}}` over Argo's flat variables (`inputs.parameters.x` ...), exposed as nested maps.
 * A nil result is an error (Argo refuses to render it).
 */
export function makeExprEvaluator(vars: Record<string, unknown>, opts: EvalOptions = {}): (src: string) => string {
  let env: Record<string, unknown> | undefined;
  return (src) => {
    env ??= envFromFlat(vars);
    const out = renderValue(evalExpr(parseExpr(src), env, opts));
    if (out === undefined) throw new WeirError('EXPRESSION_ERROR', `expression ${JSON.stringify(src)} evaluated to nil`);
    return out;
  };
}

/** Convenience: substitute from a flat variable map, with `{{=...}}` support. */
export function substituteVars(text: string, vars: Record<string, string>, opts: { strict?: boolean } & EvalOptions = {}): string {
  return substitute(text, (name) => (hasOwn(vars, name) ? vars[name] : undefined), {
    strict: opts.strict,
    evalExpr: makeExprEvaluator(vars, opts),
  });
}

const EXPR_LITERAL = /^(true|false|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/;

/**
 * Puts `{{name}}` values into the text of an expression (retryStrategy.expression) so that they stay data: inside a
 * quoted string a value is escaped for that quote; elsewhere a number or boolean is written as that literal (Argo's
 * `{{inputs.parameters.ok}} == true`) and anything else as a quoted string, never as code. Unknown names and
 * `{{=...}}` tags are left as written.
 */
export function substituteIntoExpression(expr: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let last = 0;
  let quote: string | undefined;
  let scanned = 0;
  const scanTo = (end: number): void => {
    for (let i = scanned; i < end; i++) {
      const ch = expr[i];
      if (quote !== undefined) {
        if (ch === '\\' && quote !== '`') i++;
        else if (ch === quote) quote = undefined;
      } else if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    }
    scanned = end;
  };
  for (const p of listPlaceholders(expr)) {
    if (p.expr) continue;
    const value = lookup(p.name);
    if (value === undefined) continue;
    scanTo(p.start);
    out += expr.slice(last, p.start);
    if (quote === '`') out += value.replaceAll('`', '');
    else if (quote !== undefined) {
      const escaped = JSON.stringify(value).slice(1, -1); // backslashes, double quotes and control characters escaped
      out += quote === "'" ? escaped.replaceAll("'", "\\'") : escaped;
    } else out += EXPR_LITERAL.test(value) ? value : JSON.stringify(value);
    last = p.end;
    scanned = p.end;
  }
  return out + expr.slice(last);
}
