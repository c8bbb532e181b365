// The bus counters (BusMetrics) as a mutable object owned by one bus; `snapshot()` hands out a copy.
import type { BusMetrics } from './types.js';

export function newBusMetrics(): BusMetrics {
  return {
    published: 0,
    duplicates: 0,
    publishFailures: 0,
    rejectedFull: 0,
    limitWarnings: 0,
    droppedUnconsumed: 0,
    delivered: 0,
    redelivered: 0,
    acked: 0,
    nakked: 0,
    termed: 0,
    maxDeliverExceeded: 0,
    disconnects: 0,
  };
}

export const snapshot = (m: BusMetrics): BusMetrics => ({ ...m });
