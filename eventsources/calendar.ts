// Calendar event source: fires on a cron schedule or a fixed interval.
// Config keys: schedule (5-field cron, @hourly-style descriptors, "@every 10s", CRON_TZ= prefix), interval (Go
// duration; used when no schedule), timezone (IANA), exclusionDates (no event on those calendar days, in the
// schedule's zone), metadata, persistence.catchup {enabled, maxDuration}, filter (host).
// Emits Argo's CalendarEventData `{eventTime, metadata}`; eventTime is the scheduled tick in Go's time.String() form.
// The event id is the scheduled tick (RFC 3339), and the last published tick is kept in the adapter state, so a
// restart never fires a tick twice; with catchup enabled, ticks missed while stopped are fired at once (at most
// maxDuration back). The clock is injected (ctx.clock).
import { isWeirError, errorMessage } from '../src/core/errors.js';
import { parseSchedule } from '../src/core/cron.js';
import { parseGoDuration } from '../src/core/duration.js';
import { goTimeString, localDate, stringMap, text } from '../src/core/adapter-kit.js';
import type { EventSourceAdapter, StartContext } from '../src/api/eventsource-adapter.js';

/** State key of the last published tick (RFC 3339). */
export const LAST_TICK_KEY = 'lastTick';
const MAX_SKIPS = 100_000;

interface Ticker {
  next(after: Date): Date | undefined;
}

/** The schedule of one calendar configuration, exclusion dates applied. */
export function calendarTicker(spec: Record<string, unknown>): Ticker {
  const tzText = text(spec.timezone);
  const tz = tzText === 'Local' ? undefined : tzText;
  const schedule = text(spec.schedule);
  let base: Ticker;
  if (schedule !== undefined) {
    base = parseSchedule(schedule, tz);
  } else {
    // robfig/cron's ConstantDelaySchedule as Argo builds it: the whole second of `after`, plus the interval.
    const ms = parseGoDuration(text(spec.interval) ?? '');
    base = {
      next: (after) => {
        const t = Math.floor(after.getTime() / 1000) * 1000 + ms;
        return new Date(t > after.getTime() ? t : after.getTime() + ms);
      },
    };
  }
  const excluded = new Set(
    (Array.isArray(spec.exclusionDates) ? spec.exclusionDates : [])
      .filter((d): d is string => typeof d === 'string' && !Number.isNaN(Date.parse(d)))
      .map((d) => d.trim().slice(0, 10)),
  );
  const zone = /^(?:CRON_TZ|TZ)=(\S+)/.exec(schedule ?? '')?.[1] ?? tz;
  return {
    next: (after) => {
      let t = base.next(after);
      for (let i = 0; t !== undefined && excluded.size > 0 && excluded.has(localDate(t, zone)) && i < MAX_SKIPS; i++) t = base.next(t);
      return t;
    },
  };
}

/** Where the next tick is searched from after a (re)start. */
export function startingPoint(now: number, last: number | undefined, catchup: boolean, maxDurationMs: number | undefined): number {
  if (last === undefined) return now;
  if (!catchup) return Math.max(last, now);
  return maxDurationMs !== undefined ? Math.max(last, now - maxDurationMs) : last;
}

async function run(ctx: StartContext): Promise<void> {
  const { spec, clock, signal, state, log } = ctx;
  const ticker = calendarTicker(spec);
  const tzText = text(spec.timezone);
  const zone = /^(?:CRON_TZ|TZ)=(\S+)/.exec(text(spec.schedule) ?? '')?.[1] ?? (tzText === 'Local' ? undefined : tzText);
  const catchupSpec = (spec.persistence as { catchup?: { enabled?: unknown; maxDuration?: unknown } } | undefined)?.catchup;
  const catchup = catchupSpec?.enabled === true;
  const maxDur = text(catchupSpec?.maxDuration);
  const metadata = stringMap(spec.metadata);

  const lastText = await state.get(LAST_TICK_KEY);
  const last = lastText !== undefined && !Number.isNaN(Date.parse(lastText)) ? Date.parse(lastText) : undefined;
  let from = startingPoint(clock.now(), last, catchup, maxDur !== undefined ? parseGoDuration(maxDur) : undefined);
  log.info(
    { schedule: text(spec.schedule), interval: text(spec.interval), timezone: zone, lastTick: lastText, catchup },
    'calendar started',
  );

  while (!signal.aborted) {
    const tick = ticker.next(new Date(from));
    if (tick === undefined) {
      log.warn({}, 'the schedule has no further ticks');
      await clock.sleep(Number.MAX_SAFE_INTEGER, signal).catch(() => undefined);
      return;
    }
    for (let wait = tick.getTime() - clock.now(); wait > 0; wait = tick.getTime() - clock.now()) {
      try {
        await clock.sleep(wait, signal);
      } catch {
        return;
      }
    }
    if (tick.getTime() < clock.now() - 1000) log.info({ tick: tick.toISOString() }, 'firing a missed tick (catch-up)');
    const data: Record<string, unknown> = { eventTime: goTimeString(tick, zone) };
    if (metadata !== undefined) data.metadata = metadata;
    try {
      await ctx.emit({ id: tick.toISOString(), time: tick, data }, { untilAcked: true });
    } catch (e) {
      if (signal.aborted || (isWeirError(e) && e.code === 'CANCELLED')) return;
      throw e;
    }
    try {
      await state.put(LAST_TICK_KEY, tick.toISOString());
    } catch (e) {
      // The bus de-duplicates the tick by id if it is fired again after a restart.
      log.warn({ err: errorMessage(e) }, 'could not save the last tick');
    }
    from = tick.getTime();
  }
}

export function createCalendarSource(): EventSourceAdapter {
  return { kind: 'calendar', start: run };
}
