// Trigger execution policies from the Sensor spec: retryStrategy (Argo Backoff: steps, duration as nanoseconds or a
// Go duration, factor, jitter) and rateLimit (requestsPerUnit per Second/Minute/Hour). Time and randomness are
// injected so tests never sleep.
import { pause, systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { parseGoDuration } from '../core/duration.js';
import { isWeirError, NonRetryableError } from '../core/errors.js';

export interface BackoffSpec {
  duration?: string | number;
  factor?: unknown;
  jitter?: unknown;
  steps?: number;
}

/** The one Clock (src/core/clock.ts) plus the randomness of jitter. */
export interface PolicyClock extends Clock {
  random(): number;
}

export const realClock: PolicyClock = { ...systemClock, random: () => Math.random() };

function durationMs(v: string | number | undefined): number {
  if (v === undefined || v === '') return 1000;
  if (typeof v === 'number') return v / 1e6;
  if (/^\d+$/.test(v)) return Number(v) / 1e6;
  return parseGoDuration(v);
}

/** Delays between attempts: `steps` attempts in all (default 1), the first delay `duration`, then × factor, + jitter. */
export function backoffDelays(b: BackoffSpec | undefined, random: () => number): number[] {
  const steps = Math.max(1, b?.steps ?? 1);
  const factor = Number(b?.factor ?? 1) || 1;
  const jitter = Number(b?.jitter ?? 0) || 0;
  let d = durationMs(b?.duration);
  const out: number[] = [];
  for (let i = 1; i < steps; i++) {
    out.push(Math.round(d + (jitter > 0 ? random() * jitter * d : 0)));
    d *= factor;
  }
  return out;
}

/** Runs `fn` with the retry strategy; NonRetryableError stops at once. Throws the last error. */
export async function withRetries<T>(
  b: BackoffSpec | undefined,
  clock: PolicyClock,
  signal: AbortSignal,
  fn: () => Promise<T>,
): Promise<T> {
  const delays = backoffDelays(b, () => clock.random());
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof NonRetryableError || (isWeirError(e) && e.code === 'INVALID_SPEC') || attempt >= delays.length || signal.aborted)
        throw e;
      // Stopped while waiting: the last error is the answer (no attempt after the abort).
      await clock.sleep(delays[attempt], signal).catch(() => {
        throw e;
      });
    }
  }
}

const UNIT_MS = { Second: 1000, Minute: 60_000, Hour: 3_600_000 } as const;

/** A sliding-window limiter: at most `requestsPerUnit` starts per unit; take() waits for a slot. */
export class RateLimiter {
  private readonly starts: number[] = [];
  private readonly windowMs: number;
  private readonly max: number;

  constructor(
    spec: { unit?: string; requestsPerUnit?: number } | undefined,
    private readonly clock: PolicyClock,
  ) {
    this.windowMs = UNIT_MS[(spec?.unit ?? 'Second') as keyof typeof UNIT_MS] ?? 1000;
    this.max = spec?.requestsPerUnit && spec.requestsPerUnit > 0 ? spec.requestsPerUnit : Infinity;
  }

  async take(signal: AbortSignal): Promise<void> {
    if (this.max === Infinity) return;
    for (;;) {
      const now = this.clock.now();
      while (this.starts.length > 0 && this.starts[0] <= now - this.windowMs) this.starts.shift();
      if (this.starts.length < this.max || signal.aborted) {
        this.starts.push(now);
        return;
      }
      await pause(this.clock, this.starts[0] + this.windowMs - now, signal);
    }
  }
}
