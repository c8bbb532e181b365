// Pure schedule arithmetic for CronWorkflows: the scheduled times ("ticks") of several schedules in one zone,
// merged and de-duplicated; Argo's child naming (`<cron>-<unix seconds of the scheduled time>`) and the
// `workflows.argoproj.io/scheduled-time` annotation (RFC 3339 in the schedule's zone, as Go's time.RFC3339 prints it).
// `@every D` ticks at the multiples of D since the Unix epoch (deterministic across replicas and restarts).
// DST: a wall-clock time that does not exist (spring forward) is SKIPPED, as robfig/cron (Argo) does — croner would
// shift it to the end of the gap; a repeated wall-clock time (fall back) fires once, at its first occurrence.
import { parseSchedule } from '../core/cron.js';
import type { Schedule } from '../core/cron.js';

export const CRON_WORKFLOW_LABEL = 'workflows.argoproj.io/cron-workflow';
export const SCHEDULED_TIME_ANNOTATION = 'workflows.argoproj.io/scheduled-time';
export const CRON_COMPLETED_LABEL = 'workflows.argoproj.io/cron-workflow-completed';

/** The schedules of a CronWorkflow spec: v4 `schedules` plus the legacy `schedule`, de-duplicated. */
export function scheduleExpressions(spec: { schedules?: readonly string[]; schedule?: string }): string[] {
  return [...new Set([...(spec.schedules ?? []), ...(spec.schedule ? [spec.schedule] : [])].map((s) => s.trim()).filter((s) => s !== ''))];
}

/** Wall-clock fields of `t` in `zone` (undefined: the process' local zone) as a UTC timestamp. */
function wallClockAsUtc(t: Date, zone: string | undefined): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(t);
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
}

/** Offset of `zone` from UTC at `t`, in minutes. */
export function zoneOffsetMinutes(t: Date, zone: string | undefined): number {
  return Math.round((wallClockAsUtc(t, zone) - Math.floor(t.getTime() / 1000) * 1000) / 60_000);
}

/** RFC 3339 with the zone's offset and whole seconds (`2026-03-29T03:00:00+02:00`, `...Z` for UTC). */
export function formatScheduledTime(t: Date, zone?: string): string {
  const off = zoneOffsetMinutes(t, zone);
  const local = new Date(Math.floor(t.getTime() / 1000) * 1000 + off * 60_000).toISOString().slice(0, 19);
  if (off === 0) return `${local}Z`;
  const a = Math.abs(off);
  return `${local}${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** Argo's child Workflow name for a scheduled time. */
export function childName(cronName: string, scheduled: Date): string {
  return `${cronName}-${Math.floor(scheduled.getTime() / 1000)}`;
}

/**
 * A schedule with robfig's DST rule: croner answers a non-existent local time with the first instant after the
 * gap; such answers are recognised (their wall-clock time does not match the pattern) and skipped.
 */
export function compileSchedule(expression: string, timezone?: string): Schedule {
  const s = parseSchedule(expression, timezone);
  const bare = expression.trim().replace(/^(?:CRON_TZ|TZ)=\S+\s+/, '');
  if (bare.startsWith('@every')) {
    // Ticks at the multiples of the interval since the Unix epoch, not counted from whenever a pass happened to
    // run: every replica and every restart derives the same times from nothing but the schedule, so a new leader
    // re-firing a tick the old one already created gets the same child name (AlreadyExists de-duplicates it).
    const step = s.next(new Date(0))?.getTime() ?? 1000;
    return { expression: s.expression, timezone: s.timezone, next: (after) => new Date((Math.floor(after.getTime() / step) + 1) * step) };
  }
  const wall = parseSchedule(bare, 'UTC');
  const matches = (t: Date): boolean => {
    const w = wallClockAsUtc(t, s.timezone);
    return wall.next(new Date(w - 1000))?.getTime() === w;
  };
  return {
    expression: s.expression,
    timezone: s.timezone,
    next(after) {
      let t = s.next(after);
      for (let guard = 0; t !== undefined && !matches(t) && guard < 1000; guard++) t = s.next(t);
      return t;
    },
  };
}

export function compileSchedules(expressions: readonly string[], timezone?: string): Schedule[] {
  return expressions.map((e) => compileSchedule(e, timezone));
}

/** The earliest tick strictly after `after` over all schedules. */
export function nextTick(schedules: readonly Schedule[], after: Date): Date | undefined {
  let best: Date | undefined;
  for (const s of schedules) {
    const t = s.next(after);
    if (t !== undefined && (best === undefined || t.getTime() < best.getTime())) best = t;
  }
  return best;
}

export interface TicksResult {
  /** Ticks in (after, until], ascending, one per instant (schedules that coincide fire once). */
  ticks: Date[];
  /** True when `limit` cut the enumeration short (more ticks exist before `until`). */
  truncated: boolean;
}

/** Ticks in the half-open interval (after, until], at most `limit` (default 100,000) of them. */
export function ticksBetween(schedules: readonly Schedule[], after: Date, until: Date, limit = 100_000): TicksResult {
  const ticks: Date[] = [];
  let cur = after;
  for (;;) {
    const t = nextTick(schedules, cur);
    if (t === undefined || t.getTime() > until.getTime()) return { ticks, truncated: false };
    if (ticks.length >= limit) return { ticks, truncated: true };
    ticks.push(t);
    cur = t;
  }
}

/** The latest tick in (after, until], found without keeping the ones before it. */
export function lastTickBetween(schedules: readonly Schedule[], after: Date, until: Date): { last: Date | undefined; count: number } {
  let last: Date | undefined;
  let count = 0;
  for (let t = nextTick(schedules, after); t !== undefined && t.getTime() <= until.getTime(); t = nextTick(schedules, t)) {
    last = t;
    count++;
  }
  return { last, count };
}

/**
 * A point in time from user input: RFC 3339 / ISO with an offset as given; a date `YYYY-MM-DD` or a local
 * date-time `YYYY-MM-DDTHH:MM[:SS]` without offset is wall-clock time in `zone`. `endOfDay` turns a bare date into
 * the last instant of that day (so `--to 2026-01-31` includes the 31st).
 */
export function parseTimeInZone(input: string, zone: string | undefined, endOfDay = false): Date | undefined {
  const s = input.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(s);
  if (!m) {
    if (!/^\d{4}-\d{2}-\d{2}T/.test(s)) return undefined;
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  const [y, mo, d] = m.slice(1, 4).map(Number);
  const [h, mi, se] = m.slice(4).map((x) => (x === undefined ? undefined : Number(x)));
  const dateOnly = h === undefined;
  const wall = Date.UTC(y, mo - 1, d, h ?? 0, mi ?? 0, se ?? 0);
  if (Number.isNaN(wall) || new Date(wall).getUTCDate() !== d) return undefined;
  // The instant whose wall clock in `zone` is `wall` (two passes settle the offset across a DST change).
  let t = wall - zoneOffsetMinutes(new Date(wall), zone) * 60_000;
  t = wall - zoneOffsetMinutes(new Date(t), zone) * 60_000;
  if (dateOnly && endOfDay) {
    const next = parseTimeInZone(new Date(wall + 86_400_000).toISOString().slice(0, 10), zone);
    return next === undefined ? undefined : new Date(next.getTime() - 1);
  }
  return new Date(t);
}
