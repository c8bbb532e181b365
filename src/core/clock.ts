// The one clock: `now()` in milliseconds since the epoch and `sleep(ms, signal)`. Components that wait take a Clock
// (default `systemClock`) so tests inject a fake one and never sleep for real. One rule for an aborted sleep: it
// rejects with a CANCELLED WeirError (also when the signal was aborted before the call). A wait that is meant to end
// early (a wake-up signal) uses `pause`, which resolves instead.
import { setTimeout as delay } from 'node:timers/promises';
import { WeirError } from './errors.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` (at once when ms <= 0); rejects with CANCELLED when `signal` aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Longest single timer Node accepts; longer waits end early so callers that re-check now() see a changed clock. */
const MAX_TIMER_MS = 2_147_000_000;

/** The system time (Date.now). */
export function now(): number {
  return Date.now();
}

/** Waits `ms` on the real timer; rejects with CANCELLED when `signal` aborts (see the rule above). */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) throw new WeirError('CANCELLED', 'stopped', { cause: signal.reason });
  if (!(ms > 0)) return;
  try {
    await delay(Math.min(ms, MAX_TIMER_MS), undefined, signal === undefined ? undefined : { signal });
  } catch (e) {
    throw new WeirError('CANCELLED', 'stopped', { cause: e });
  }
}

export const systemClock: Clock = { now, sleep };

/** A Clock that reads its time from `now` (say a fixed or hand-advanced time in a test) and sleeps on the real timer. */
export function clockAt(now: () => number): Clock {
  return { now, sleep };
}

/** `clock.sleep` that resolves (instead of rejecting) when `signal` aborts: for waits that may end early on purpose. */
export async function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  try {
    await clock.sleep(ms, signal);
  } catch (e) {
    if (!signal.aborted) throw e;
  }
}
