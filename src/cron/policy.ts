// Pure scheduling decisions of the cron controller: which due ticks run (live ticks always; ticks missed while
// Weir was down by the catch-up mode), and the two expressions over `cronworkflow.*` variables — `when` (Argo:
// `{{...}}` substituted, then evaluated as govaluate) and `stopStrategy.expression` (expr-lang).
import { WeirError } from '../core/errors.js';
import { evaluate } from '../expr/expr.js';
import { evaluateWhen } from '../expr/govaluate.js';
import { makeExprEvaluator, substitute } from '../expr/template.js';
import type { StoredObject } from '../store/types.js';
import type { CronSpecView, CronStatus } from './types.js';

export const DEFAULT_CATCHUP_LIMIT = 100;

export interface DueInput {
  /** Ticks in (cursor, now], ascending. */
  due: readonly Date[];
  /** When this controller started scheduling (ms): earlier ticks fell due while Weir was down. */
  liveSince: number;
  now: number;
  catchup?: 'none' | 'last' | 'all';
  catchupLimit?: number;
  startingDeadlineSeconds?: number;
}

export interface TickDecision {
  time: Date;
  run: boolean;
  /** Why a missed tick does not run. */
  reason?: string;
}

/**
 * Live ticks (at or after `liveSince`) always run, as in Argo (robfig fires them; no deadline check). Missed ticks:
 * - default (no `catchup`, Argo v4): only the latest, and only when startingDeadlineSeconds is set and not yet past;
 * - `none`: none; `last`: the latest; `all`: every one in order, the newest `catchupLimit` (default 100) of them.
 * For `last` and `all` a set startingDeadlineSeconds still bounds how late a tick may start.
 */
export function decideDue(i: DueInput): TickDecision[] {
  const missed = i.due.filter((t) => t.getTime() < i.liveSince);
  const live = i.due.filter((t) => t.getTime() >= i.liveSince);
  const deadlineMs = i.startingDeadlineSeconds === undefined ? undefined : i.startingDeadlineSeconds * 1000;
  const inDeadline = (t: Date): boolean => deadlineMs === undefined || i.now < t.getTime() + deadlineMs;
  const out: TickDecision[] = [];
  const latest = missed[missed.length - 1];
  const limit = Math.max(0, i.catchupLimit ?? DEFAULT_CATCHUP_LIMIT);
  missed.forEach((t, idx) => {
    let reason: string | undefined;
    switch (i.catchup) {
      case undefined:
        if (t !== latest) reason = 'Weir was down; by default only the latest missed run may start';
        else if (deadlineMs === undefined)
          reason = 'Weir was down; no startingDeadlineSeconds, so missed runs do not start (set catchup to change this)';
        else if (!inDeadline(t)) reason = 'Weir was down; startingDeadlineSeconds passed';
        break;
      case 'none':
        reason = 'Weir was down; catchup is none';
        break;
      case 'last':
        if (t !== latest) reason = 'Weir was down; catchup last runs only the latest';
        else if (!inDeadline(t)) reason = 'Weir was down; startingDeadlineSeconds passed';
        break;
      case 'all':
        if (idx < missed.length - limit) reason = `Weir was down; beyond catchupLimit (${limit})`;
        else if (!inDeadline(t)) reason = 'Weir was down; startingDeadlineSeconds passed';
        break;
    }
    out.push(reason === undefined ? { time: t, run: true } : { time: t, run: false, reason });
  });
  for (const t of live) out.push({ time: t, run: true });
  return out;
}

/** `cronworkflow.*` variables as Argo defines them (annotations mirror labels, as in Argo's code). */
function cronVars(cron: StoredObject): Record<string, unknown> {
  const st = (cron.status ?? {}) as CronStatus;
  const labels = cron.metadata.labels ?? {};
  const annotations = cron.metadata.annotations ?? {};
  return {
    name: cron.metadata.name,
    namespace: cron.metadata.namespace ?? 'default',
    labels,
    annotations: labels,
    'labels.json': JSON.stringify(labels),
    'annotations.json': JSON.stringify(annotations),
    failed: st.failed ?? 0,
    succeeded: st.succeeded ?? 0,
    lastScheduledTime: st.lastScheduledTime ? new Date(st.lastScheduledTime) : null,
  };
}

/** Evaluates spec.when; throws EXPRESSION_ERROR when it cannot be evaluated. */
export function evalWhen(cron: StoredObject, now: () => Date): boolean {
  const when = ((cron.spec ?? {}) as CronSpecView).when;
  if (when === undefined || when.trim() === '') return true;
  const vars = cronVars(cron);
  const flat: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) flat[`cronworkflow.${k}`] = v;
  const text = (v: unknown): string | undefined => {
    if (v === null || v === undefined) return undefined;
    if (v instanceof Date) return v.toISOString();
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return JSON.stringify(v);
  };
  const substituted = substitute(when, (n) => text(flat[n]), { strict: true, evalExpr: makeExprEvaluator(flat, { now }) });
  return evaluateWhen(substituted);
}

/** True when stopStrategy.expression (or the pre-v4 `condition`) holds. */
export function evalStop(cron: StoredObject, now: () => Date): boolean {
  const ss = ((cron.spec ?? {}) as CronSpecView).stopStrategy;
  const src = ss?.expression ?? ss?.condition;
  if (src === undefined || src.trim() === '') return false;
  const v = evaluate(src, { cronworkflow: cronVars(cron) }, { now });
  if (typeof v !== 'boolean') throw new WeirError('EXPRESSION_ERROR', `stopStrategy.expression must be boolean, got ${JSON.stringify(v)}`);
  return v;
}
