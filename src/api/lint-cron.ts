// Semantic checks for CronWorkflow: schedules (v4 `schedules` list, legacy `schedule` with a deprecation
// warning), time zone, and the embedded workflow spec.
import { finding } from './findings.js';
import type { Finding } from './findings.js';
import { parseSchedule, isValidTimeZone } from '../core/cron.js';
import { lintWorkflowSpec } from './lint-workflow.js';
import type { LintContext } from './lint-workflow.js';
import { asObj, asArr, str } from './walk.js';
import type { Obj } from './walk.js';
import { errorMessage } from '../core/errors.js';

export function lintCronWorkflow(obj: Obj, ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  const spec = asObj(obj.spec);
  if (spec === undefined) return out;
  const tz = str(spec.timezone);
  const tzOk = tz === undefined || tz === '' || isValidTimeZone(tz);
  if (!tzOk)
    out.push(
      finding(
        'error',
        'timezone',
        ['spec', 'timezone'],
        `unknown time zone ${JSON.stringify(tz)} (use an IANA name such as "America/New_York")`,
      ),
    );
  const check = (expr: unknown, path: (string | number)[]): void => {
    const s = str(expr);
    if (s === undefined) return;
    try {
      parseSchedule(s, tzOk ? tz : undefined);
    } catch (e) {
      out.push(finding('error', 'cron', path, errorMessage(e)));
    }
  };
  const schedules = asArr(spec.schedules);
  schedules.forEach((s, i) => check(s, ['spec', 'schedules', i]));
  if (spec.schedule !== undefined && spec.schedule !== null) {
    out.push(
      finding('warning', 'deprecated', ['spec', 'schedule'], '"schedule" is deprecated since Argo Workflows v4; use "schedules: [...]"'),
    );
    check(spec.schedule, ['spec', 'schedule']);
  }
  if (schedules.length === 0 && str(spec.schedule) === undefined) {
    out.push(finding('error', 'required', ['spec', 'schedules'], 'schedules is required (a list of cron expressions)'));
  }
  const wfSpec = asObj(spec.workflowSpec);
  if (wfSpec === undefined) out.push(finding('error', 'required', ['spec', 'workflowSpec'], 'workflowSpec is required'));
  else out.push(...lintWorkflowSpec(wfSpec, ['spec', 'workflowSpec'], 'CronWorkflow', ctx));
  return out;
}
