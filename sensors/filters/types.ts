// The filter adapter contract: one small function per filter kind of an event dependency (expr, data, context,
// time, script), pure over the CloudEvent. The host combines them (filters.ts) with Argo's logical operators.
import type { CloudEvent } from '../../src/core/cloudevent.js';

/** What one filter group decided. `error` means it could not be evaluated (a failure, not a mismatch). */
export interface FilterOutcome {
  pass: boolean;
  /** Why it did not pass (or why it errored), for the decision log. */
  reason?: string;
  error?: boolean;
}

export interface FilterContext {
  /** govaluate evaluation with parameters, as Argo's `exprs` (injected so adapters import nothing beyond src/core). */
  evalExpr(src: string, env: Record<string, unknown>): unknown;
}

export type LogicalOperator = 'and' | 'or';

export interface FilterKind<Spec> {
  readonly kind: string;
  run(spec: Spec, op: LogicalOperator, event: CloudEvent, ctx: FilterContext): FilterOutcome;
}

export const PASS: FilterOutcome = Object.freeze({ pass: true });
export const fail = (reason: string): FilterOutcome => ({ pass: false, reason });
export const failErr = (reason: string): FilterOutcome => ({ pass: false, reason, error: true });
export const opOf = (v: unknown): LogicalOperator => (v === 'or' ? 'or' : 'and');
