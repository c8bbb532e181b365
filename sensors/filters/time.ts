// Time filter (`filters.time`): the event's time must fall in a daily window [start, stop) given as HH:MM:SS in
// `timezone` (default UTC; daylight saving followed); a stop before the start wraps past midnight.
import type { FilterKind } from './types.js';
import { PASS, fail, failErr } from './types.js';

export interface TimeFilterSpec {
  start: string;
  stop: string;
  timezone?: string;
}

function secondsOfDay(s: string): number | undefined {
  const m = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(s.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59) return undefined;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** Seconds since local midnight of `t` in `zone`. */
function localSeconds(t: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour12: false,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(t);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0) % (type === 'hour' ? 24 : 60);
  return get('hour') * 3600 + get('minute') * 60 + get('second');
}

export const timeFilter: FilterKind<TimeFilterSpec> = {
  kind: 'time',
  run(spec, _op, event) {
    const start = secondsOfDay(spec.start);
    const stop = secondsOfDay(spec.stop);
    if (start === undefined) return failErr(`time filter: invalid start ${JSON.stringify(spec.start)}`);
    if (stop === undefined) return failErr(`time filter: invalid stop ${JSON.stringify(spec.stop)}`);
    const t = new Date(event.time);
    if (Number.isNaN(t.getTime())) return failErr(`event time ${JSON.stringify(event.time)} is not a time`);
    let now: number;
    try {
      now = localSeconds(t, spec.timezone || 'UTC');
    } catch {
      return failErr(`time filter: unknown time zone ${JSON.stringify(spec.timezone)}`);
    }
    const ok = start < stop ? now >= start && now < stop : now >= start || now < stop;
    return ok ? PASS : fail(`event time ${event.time} is outside ${spec.start}-${spec.stop} ${spec.timezone || 'UTC'}`);
  },
};
