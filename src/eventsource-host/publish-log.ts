// The emitter's "event published" log lines, bounded: the first `perWindow` events of each `windowMs` window are
// logged at info level one by one, the rest at debug level, and their count is summed up in one info line ("more
// events published") when the window ends. A quiet source shows every event in `weir eventsource
// logs`; a busy one writes at most perWindow + 1 info lines per window instead of one per event. Errors and warnings
// are never folded (the emitter logs them itself).
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

export interface PublishLogOptions {
  log: Logger;
  clock: Clock;
  /** Stops the end-of-window timer; the count of a window cut short is logged at once. */
  signal: AbortSignal;
  /** Fields of every line (eventSource, eventName). */
  fields: Readonly<Record<string, unknown>>;
  /** Default 10 s. */
  windowMs?: number;
  /** Events logged at info level per window; default 10. */
  perWindow?: number;
}

/** Records one published event (`duplicate`: the bus already had it). */
export type PublishLog = (eventId: string, seq: number, duplicate: boolean) => void;

export function createPublishLog(o: PublishLogOptions): PublishLog {
  const windowMs = o.windowMs ?? 10_000;
  const perWindow = o.perWindow ?? 10;
  let windowStart = -Infinity;
  let logged = 0;
  let folded = 0;
  let foldedDuplicates = 0;
  let timer = false;

  const flush = (): void => {
    if (folded === 0) return;
    o.log.info(
      { ...o.fields, events: folded, duplicates: foldedDuplicates > 0 ? foldedDuplicates : undefined, windowMs },
      'more events published (each logged at debug level)',
    );
    folded = 0;
    foldedDuplicates = 0;
  };

  const armTimer = (): void => {
    if (timer) return;
    timer = true;
    o.clock.sleep(windowStart + windowMs - o.clock.now(), o.signal).then(
      () => {
        timer = false;
        flush();
      },
      () => {
        timer = false;
        flush();
      },
    );
  };

  return (eventId, seq, duplicate) => {
    const fields = { ...o.fields, eventId, seq, duplicate: duplicate || undefined };
    const now = o.clock.now();
    if (now - windowStart >= windowMs) {
      flush();
      windowStart = now;
      logged = 0;
    }
    if (logged < perWindow) {
      logged++;
      o.log.info(fields, 'event published');
      return;
    }
    o.log.debug(fields, 'event published');
    folded++;
    if (duplicate) foldedDuplicates++;
    if (o.signal.aborted) flush();
    else armTimer();
  };
}
