// Cron schedules with the semantics Argo users rely on (robfig/cron's standard parser): five fields, the
// descriptors @yearly/@annually/@monthly/@weekly/@daily/@midnight/@hourly, `@every <duration>`, and an optional
// `CRON_TZ=<zone>` / `TZ=<zone>` prefix. Next-tick computation is DST-correct in IANA time zones (croner).
import { createRequire } from 'node:module';
import type * as Croner from 'croner';
import type { Cron } from 'croner';
import { WeirError, errorMessage } from './errors.js';
import { parseGoDuration } from './duration.js';

/** croner, loaded when the first schedule is parsed (through its CommonJS build: this API is synchronous). */
let croner: typeof Croner | undefined;
const cronClass = (): typeof Cron => (croner ??= createRequire(import.meta.url)('croner') as typeof Croner).Cron;

export interface Schedule {
  readonly expression: string;
  readonly timezone: string | undefined;
  /** The first scheduled time strictly after `after`, or undefined if there is none. */
  next(after: Date): Date | undefined;
}

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** True if `zone` is an IANA time zone name this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  if (zone === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses a schedule; throws WeirError INVALID_SPEC naming the problem. */
export function parseSchedule(expression: string, timezone?: string): Schedule {
  let expr = expression.trim();
  let zone = timezone === '' ? undefined : timezone;
  const tzPrefix = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(expr);
  if (tzPrefix) {
    zone = tzPrefix[1];
    expr = tzPrefix[2].trim();
  }
  if (zone !== undefined && !isValidTimeZone(zone)) {
    throw new WeirError('INVALID_SPEC', `unknown time zone ${JSON.stringify(zone)} (use an IANA name such as "Europe/Berlin")`);
  }
  if (expr.startsWith('@every')) {
    const rest = expr.slice('@every'.length).trim();
    let ms: number;
    try {
      ms = parseGoDuration(rest);
    } catch {
      throw new WeirError(
        'INVALID_SPEC',
        `invalid duration in ${JSON.stringify(expression)}: use a form like "@every 30s" or "@every 1h30m"`,
      );
    }
    if (!(ms > 0)) throw new WeirError('INVALID_SPEC', `${JSON.stringify(expression)}: the interval must be positive`);
    // As in robfig/cron: intervals under a second round up to one second, others down to whole seconds.
    const step = Math.max(1000, Math.floor(ms / 1000) * 1000);
    return {
      expression,
      timezone: zone,
      next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + step),
    };
  }
  const pattern = DESCRIPTORS[expr.toLowerCase()] ?? expr;
  if (pattern.startsWith('@')) throw new WeirError('INVALID_SPEC', `unknown schedule descriptor ${JSON.stringify(expr)}`);
  const fields = pattern.split(/\s+/).length;
  if (fields !== 5) {
    throw new WeirError(
      'INVALID_SPEC',
      `cron expression ${JSON.stringify(expression)} has ${fields} fields; expected 5 (minute hour day-of-month month day-of-week)`,
    );
  }
  let cron: Cron;
  try {
    const CronClass = cronClass();
    cron = new CronClass(pattern, { timezone: zone, paused: true, mode: '5-part' });
  } catch (e) {
    const why = errorMessage(e).replace(/^CronPattern:\s*/, '');
    throw new WeirError('INVALID_SPEC', `invalid cron expression ${JSON.stringify(expression)}: ${why}`, { cause: e });
  }
  return {
    expression,
    timezone: zone,
    next: (after) => cron.nextRun(after) ?? undefined,
  };
}
