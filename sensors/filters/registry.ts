// The filter registry (one row per kind, in Argo's evaluation order: exprs, data, context, time, script) and the
// combination of an event dependency's filter groups with `filtersLogicalOperator`.
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { contextFilter } from './context.js';
import type { ContextFilterSpec } from './context.js';
import { dataFilter } from './data.js';
import type { DataFilterSpec } from './data.js';
import { exprsFilter } from './exprs.js';
import type { ExprFilterSpec } from './exprs.js';
import { scriptFilter } from './script.js';
import { timeFilter } from './time.js';
import type { TimeFilterSpec } from './time.js';
import type { FilterContext, FilterKind, FilterOutcome } from './types.js';
import { opOf } from './types.js';

export interface DependencyFilters {
  exprs?: ExprFilterSpec[];
  data?: DataFilterSpec[];
  context?: ContextFilterSpec;
  time?: TimeFilterSpec;
  script?: string;
  dataLogicalOperator?: string;
  exprLogicalOperator?: string;
}

export type FilterKindName = 'exprs' | 'data' | 'context' | 'time' | 'script';

export const FILTERS = {
  exprs: exprsFilter,
  data: dataFilter,
  context: contextFilter,
  time: timeFilter,
  script: scriptFilter,
} satisfies { [K in FilterKindName]: FilterKind<NonNullable<DependencyFilters[K]>> };

const ORDER: readonly FilterKindName[] = ['exprs', 'data', 'context', 'time', 'script'];

export interface FiltersResult {
  pass: boolean;
  /** The filter kind that rejected the event (the first, for `and`). */
  filter?: FilterKindName;
  reason?: string;
  error?: boolean;
}

function runOne(k: FilterKindName, f: DependencyFilters, event: CloudEvent, ctx: FilterContext): FilterOutcome {
  switch (k) {
    case 'exprs':
      return FILTERS.exprs.run(f.exprs ?? [], opOf(f.exprLogicalOperator), event, ctx);
    case 'data':
      return FILTERS.data.run(f.data ?? [], opOf(f.dataLogicalOperator), event, ctx);
    case 'context':
      return FILTERS.context.run(f.context ?? {}, 'and', event, ctx);
    case 'time':
      return FILTERS.time.run(f.time as TimeFilterSpec, 'and', event, ctx);
    case 'script':
      return FILTERS.script.run(f.script ?? '', 'and', event, ctx);
  }
}

const present = (k: FilterKindName, f: DependencyFilters): boolean =>
  k === 'script' ? typeof f.script === 'string' && f.script !== '' : f[k] !== undefined && f[k] !== null;

/** Applies every configured filter group; `and` (default) needs all to pass, `or` any one. */
export function applyFilters(
  filters: DependencyFilters | undefined,
  operator: string | undefined,
  event: CloudEvent,
  ctx: FilterContext,
): FiltersResult {
  if (!filters) return { pass: true };
  const op = opOf(operator);
  const misses: { k: FilterKindName; r: FilterOutcome }[] = [];
  let anyPresent = false;
  for (const k of ORDER) {
    if (!present(k, filters)) continue;
    anyPresent = true;
    const r = runOne(k, filters, event, ctx);
    if (r.pass && op === 'or') return { pass: true };
    if (!r.pass) {
      if (op === 'and') return { pass: false, filter: k, reason: r.reason, error: r.error };
      misses.push({ k, r });
    }
  }
  if (op === 'and' || !anyPresent) return { pass: true };
  return { pass: false, filter: misses[0]?.k, reason: misses.map((m) => m.r.reason).join(' / '), error: misses.some((m) => m.r.error) };
}
