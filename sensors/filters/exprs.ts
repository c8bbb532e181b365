// Expr filter (`filters.exprs`): boolean expressions over `fields` bound from gjson paths of the event data,
// evaluated with govaluate as Argo Events does (Weir's interpreter, injected through the filter context): `=~`, `in (...)`. An expression with no fields
// is skipped, as in Argo. Several combine with `exprLogicalOperator`. Config keys: expr, fields[].name/path.
import { getPath } from '../common/json-path.js';
import type { FilterKind, FilterOutcome } from './types.js';
import { PASS, fail, failErr } from './types.js';
import { toPlainJson } from '../../src/core/json-lossless.js';
import { errorMessage } from '../../src/core/errors.js';

export interface ExprFilterSpec {
  expr: string;
  fields?: { name: string; path: string }[];
}

export const exprsFilter: FilterKind<ExprFilterSpec[]> = {
  kind: 'exprs',
  run(specs, op, event, ctx) {
    if (event.data === undefined || event.data === null) return PASS;
    const misses: FilterOutcome[] = [];
    for (const f of specs) {
      const env: Record<string, unknown> = {};
      let missing: string | undefined;
      for (const field of f.fields ?? []) {
        const r = getPath(event.data, field.path);
        if (!r.exists) {
          missing = field.path;
          break;
        }
        Object.defineProperty(env, field.name, { value: toPlainJson(r.value), enumerable: true, writable: true, configurable: true });
      }
      let outcome: FilterOutcome;
      if (missing !== undefined) outcome = failErr(`path '${missing}' does not exist`);
      else if (Object.keys(env).length === 0) continue;
      else {
        try {
          const v = ctx.evalExpr(f.expr, env);
          outcome = v === true ? PASS : fail(`${JSON.stringify(f.expr)} is ${JSON.stringify(v ?? null)}`);
        } catch (e) {
          outcome = failErr(`${JSON.stringify(f.expr)}: ${errorMessage(e)}`);
        }
      }
      if (outcome.pass && op === 'or') return PASS;
      if (!outcome.pass) {
        if (op === 'and') return outcome;
        misses.push(outcome);
      }
    }
    if (op === 'and') return PASS;
    return { pass: false, error: misses.some((m) => m.error), reason: misses.map((m) => m.reason).join(' / ') || 'no expression passed' };
  },
};
