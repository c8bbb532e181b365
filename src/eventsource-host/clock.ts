// The real clock for event sources: Date.now and an abortable sleep. Tests inject their own Clock.
import { setTimeout as delay } from 'node:timers/promises';
import { WeirError } from '../core/errors.js';
import type { Clock } from '../api/eventsource-adapter.js';

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (signal.aborted) throw new WeirError('CANCELLED', 'stopped');
    if (ms <= 0) return;
    try {
      // Long waits are chunked so a changed system clock is noticed by callers that re-check now().
      await delay(Math.min(ms, 2_147_000_000), undefined, { signal });
    } catch (e) {
      throw new WeirError('CANCELLED', 'stopped', { cause: e });
    }
  },
};
