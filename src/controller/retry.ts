// retryStrategy decisions, pure and clock-injected: whether a failed attempt is retried (limit, retryPolicy,
// expression, maxDuration) and how long to back off first (duration * factor^(n-1), capped).
import { parseGoDuration } from '../core/duration.js';
import { evaluate, envFromFlat } from '../expr/expr.js';
import type { RetryStrategy } from '../api/workflow-steps.js';
import { paramString } from './params.js';
import type { NodeStatus } from './types.js';
import { isFailed, isFinished } from './nodes.js';
import { errorMessage } from '../core/errors.js';

export type RetryDecision =
  | { kind: 'start'; attempt: number }
  | { kind: 'running' }
  | { kind: 'wait'; ms: number }
  | { kind: 'done'; phase: NodeStatus['phase']; message?: string; from?: NodeStatus };

function parseLimit(limit: unknown): number | undefined {
  const s = paramString(limit);
  if (s === undefined || s === '') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? Math.max(0, Math.floor(n)) : undefined;
}

/** Whether a finished attempt's phase is retried under the policy (OnFailure by default; Always if only an expression). */
export function policyAllows(strategy: RetryStrategy, phase: NodeStatus['phase'], message: string | undefined): boolean {
  const policy = strategy.retryPolicy ?? (strategy.expression ? 'Always' : 'OnFailure');
  switch (policy) {
    case 'Always':
      return phase === 'Failed' || phase === 'Error';
    case 'OnFailure':
      return phase === 'Failed';
    case 'OnError':
      return phase === 'Error';
    case 'OnTransientError':
      return phase === 'Error' && /transient|timeout|connection reset|i\/o timeout/i.test(message ?? '');
  }
}

/** Delay before attempt number `attempts` (the count of attempts so far, >= 1). */
export function backoffDelayMs(strategy: RetryStrategy, attempts: number): number {
  const b = strategy.backoff;
  if (!b || b.duration === undefined) return 0;
  let ms = parseGoDuration(String(b.duration));
  const factor = Number(paramString(b.factor) ?? '');
  if (Number.isFinite(factor) && factor > 0) ms *= factor ** (attempts - 1);
  if (b.cap) ms = Math.min(ms, parseGoDuration(b.cap));
  return ms;
}

/** Decides the next move of a Retry node from its attempts so far. */
export function decideRetry(strategy: RetryStrategy, attempts: readonly NodeStatus[], now: number): RetryDecision {
  if (attempts.length === 0) return { kind: 'start', attempt: 0 };
  const last = attempts[attempts.length - 1];
  if (!isFinished(last.phase)) return { kind: 'running' };
  if (!isFailed(last.phase)) return { kind: 'done', phase: last.phase, from: last };
  const limit = parseLimit(strategy.limit);
  if (!policyAllows(strategy, last.phase, last.message)) return { kind: 'done', phase: last.phase, message: last.message, from: last };
  if (limit !== undefined && attempts.length > limit)
    return { kind: 'done', phase: last.phase, message: 'No more retries left', from: last };
  if (strategy.expression) {
    const started = Date.parse(last.startedAt ?? '') || now;
    const finished = Date.parse(last.finishedAt ?? '') || now;
    const env = envFromFlat({
      'lastRetry.exitCode': last.outputs?.exitCode ?? '-1',
      'lastRetry.status': last.phase,
      // Whole seconds, as Argo's (its node times have second precision), so asInt(lastRetry.duration) works.
      'lastRetry.duration': String(Math.floor(finished / 1000) - Math.floor(started / 1000)),
      'lastRetry.message': last.message ?? '',
    });
    let ok: unknown;
    try {
      ok = evaluate(strategy.expression, env);
    } catch (e) {
      return { kind: 'done', phase: 'Error', message: `retryStrategy.expression: ${errorMessage(e)}`, from: last };
    }
    if (ok !== true) return { kind: 'done', phase: last.phase, message: last.message, from: last };
  }
  const delay = backoffDelayMs(strategy, attempts.length);
  const lastEnd = Date.parse(last.finishedAt ?? '') || now;
  const b = strategy.backoff;
  if (b?.maxDuration) {
    const firstStart = Date.parse(attempts[0].startedAt ?? '') || now;
    if (lastEnd + delay > firstStart + parseGoDuration(b.maxDuration)) {
      return { kind: 'done', phase: last.phase, message: 'Backoff would exceed max duration limit', from: last };
    }
  }
  if (now < lastEnd + delay) return { kind: 'wait', ms: lastEnd + delay - now };
  return { kind: 'start', attempt: attempts.length };
}
