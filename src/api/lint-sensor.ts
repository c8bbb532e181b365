// Semantic checks for Argo Events Sensors beyond the schema: unique dependency names, trigger conditions that
// parse and name declared dependencies, parameters that name declared dependencies, data/time filters,
// conditionsReset crons, argoWorkflow operations and retry durations. Pure; findings carry field paths.
import { finding } from './findings.js';
import type { FieldPath, Finding } from './findings.js';
import { asArr, asObj, str } from './walk.js';
import type { Obj } from './walk.js';
import { conditionNames, parseConditions } from './sensor-conditions.js';
import { ARGO_WORKFLOW_OPERATIONS, TRIGGER_KINDS, UNSUPPORTED_TRIGGER_KINDS } from './sensor-triggers.js';
import { DATA_FILTER_COMPARATORS, DATA_FILTER_TYPES } from './sensor.js';
import { isValidTimeZone, parseSchedule } from '../core/cron.js';
import { parseGoDuration } from '../core/duration.js';
import { goRegexpError } from '../core/go-regexp.js';
import { checkGovaluateSyntax } from '../expr/govaluate.js';
import { errorMessage } from '../core/errors.js';

const TIME_OF_DAY = /^(\d{1,2}):(\d{2}):(\d{2})$/;
const GO_BOOLS = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'];

function isTimeOfDay(s: string): boolean {
  const m = TIME_OF_DAY.exec(s);
  return m !== null && Number(m[1]) < 24 && Number(m[2]) < 60 && Number(m[3]) < 60;
}

function list(names: ReadonlySet<string>): string {
  return names.size === 0 ? 'none declared' : `declared: ${[...names].join(', ')}`;
}

function lintDataFilter(f: Obj, path: FieldPath, out: Finding[]): void {
  const type = f.type;
  if (type === undefined || type === null || type === '') {
    out.push(finding('error', 'required', [...path, 'type'], `type is required (${DATA_FILTER_TYPES.join(', ')})`));
  } else if (!(DATA_FILTER_TYPES as readonly unknown[]).includes(type)) {
    out.push(
      finding(
        'error',
        'data-filter-type',
        [...path, 'type'],
        `data filter type must be one of ${DATA_FILTER_TYPES.join(', ')}, got ${JSON.stringify(type)}`,
      ),
    );
  }
  const values = asArr(f.value);
  if (values.length === 0) out.push(finding('error', 'required', [...path, 'value'], 'value needs at least one entry'));
  values.forEach((v, i) => {
    const s = String(v);
    if (type === 'number' && (s.trim() === '' || Number.isNaN(Number(s)))) {
      out.push(finding('error', 'data-filter-value', [...path, 'value', i], `${JSON.stringify(v)} is not a number`));
    } else if (type === 'bool' && !(typeof v === 'boolean' || GO_BOOLS.includes(s))) {
      out.push(finding('error', 'data-filter-value', [...path, 'value', i], `${JSON.stringify(v)} is not a boolean (true/false)`));
    } else if (type === 'string') {
      const bad = goRegexpError(s);
      if (bad !== undefined) {
        out.push(
          finding('error', 'data-filter-value', [...path, 'value', i], `${JSON.stringify(v)} is not a Go (RE2) regular expression: ${bad}`),
        );
      }
    }
  });
  const cmp = f.comparator;
  if (cmp !== undefined && cmp !== null && !(DATA_FILTER_COMPARATORS as readonly unknown[]).includes(cmp)) {
    out.push(
      finding(
        'error',
        'data-filter-comparator',
        [...path, 'comparator'],
        `comparator must be one of ${DATA_FILTER_COMPARATORS.filter((c) => c !== '')
          .map((c) => JSON.stringify(c))
          .join(', ')}, got ${JSON.stringify(cmp)}`,
      ),
    );
  }
}

function lintFilters(filters: Obj, path: FieldPath, out: Finding[]): void {
  const time = asObj(filters.time);
  if (time !== undefined) {
    for (const key of ['start', 'stop'] as const) {
      const v = str(time[key]);
      if (v !== undefined && !isTimeOfDay(v)) {
        out.push(
          finding('error', 'time-filter', [...path, 'time', key], `${key} must be a time of day HH:MM:SS, got ${JSON.stringify(v)}`),
        );
      }
    }
    const tz = str(time.timezone);
    if (tz !== undefined && tz !== '' && !isValidTimeZone(tz)) {
      out.push(
        finding(
          'error',
          'timezone',
          [...path, 'time', 'timezone'],
          `unknown time zone ${JSON.stringify(tz)} (use an IANA name such as "Europe/Berlin")`,
        ),
      );
    }
  }
  asArr(filters.data).forEach((d, i) => {
    const f = asObj(d);
    if (f !== undefined) lintDataFilter(f, [...path, 'data', i], out);
  });
  asArr(filters.exprs).forEach((e, i) => {
    const expr = str(asObj(e)?.expr);
    const bad = expr === undefined ? undefined : checkGovaluateSyntax(expr);
    if (bad !== undefined)
      out.push(
        finding('error', 'expression', [...path, 'exprs', i, 'expr'], `${bad} (exprs filters are govaluate expressions, as in Argo)`),
      );
  });
}

function lintDurationLike(v: unknown, path: FieldPath, out: Finding[]): void {
  if (typeof v !== 'string' || v === '') return;
  try {
    parseGoDuration(v);
  } catch (e) {
    out.push(finding('error', 'duration', path, errorMessage(e)));
  }
}

/**
 * Parameter sources must name declared dependencies. A trigger-level parameter may rewrite an action's parameters
 * before they resolve (Argo applies `trigger.parameters` to the template first, e.g. upstream's
 * 02-parameterization/sensor-05.yaml writes `argoWorkflow.parameters.0.src.dependencyName`): such a placeholder is
 * only noted (info). `overwritten` holds the trigger-level dests; `at` is this list's path inside the template.
 */
function lintParameters(
  params: unknown,
  path: FieldPath,
  deps: ReadonlySet<string>,
  out: Finding[],
  overwritten: readonly string[] = [],
  at = '',
): void {
  asArr(params).forEach((p, i) => {
    const dep = str(asObj(asObj(p)?.src)?.dependencyName);
    if (dep === undefined || deps.has(dep)) return;
    const self = `${at}.${i}.src.dependencyName`;
    const rewritten = at !== '' && overwritten.some((d) => self === d || self.startsWith(`${d}.`));
    if (rewritten) {
      out.push(
        finding(
          'info',
          'unknown-dependency',
          [...path, i, 'src', 'dependencyName'],
          `dependency ${JSON.stringify(dep)} is a placeholder: trigger-level parameters set it at run time`,
        ),
      );
    } else {
      out.push(
        finding(
          'error',
          'unknown-dependency',
          [...path, i, 'src', 'dependencyName'],
          `parameter refers to unknown dependency ${JSON.stringify(dep)} (${list(deps)})`,
        ),
      );
    }
  });
}

function lintConditions(template: Obj, path: FieldPath, deps: ReadonlySet<string>, out: Finding[]): void {
  const conditions = str(template.conditions);
  if (conditions !== undefined && conditions.trim() !== '') {
    try {
      for (const { name } of conditionNames(parseConditions(conditions))) {
        if (!deps.has(name)) {
          out.push(
            finding(
              'error',
              'unknown-dependency',
              [...path, 'conditions'],
              `conditions refer to unknown dependency ${JSON.stringify(name)} (${list(deps)})`,
            ),
          );
        }
      }
    } catch (e) {
      out.push(finding('error', 'conditions', [...path, 'conditions'], errorMessage(e)));
    }
  }
  asArr(template.conditionsReset).forEach((r, i) => {
    const byTime = asObj(asObj(r)?.byTime);
    if (byTime === undefined) return;
    const p: FieldPath = [...path, 'conditionsReset', i, 'byTime'];
    const tz = str(byTime.timezone);
    const tzOk = tz === undefined || tz === '' || isValidTimeZone(tz);
    if (!tzOk)
      out.push(
        finding(
          'error',
          'timezone',
          [...p, 'timezone'],
          `unknown time zone ${JSON.stringify(tz)} (use an IANA name such as "Europe/Berlin")`,
        ),
      );
    const cron = str(byTime.cron);
    if (cron === undefined || cron.trim() === '') {
      out.push(finding('error', 'required', [...p, 'cron'], 'byTime.cron is required'));
      return;
    }
    try {
      parseSchedule(cron, tzOk && tz !== '' ? tz : undefined);
    } catch (e) {
      out.push(finding('error', 'cron', [...p, 'cron'], errorMessage(e)));
    }
  });
}

function lintTrigger(trigger: Obj, path: FieldPath, deps: ReadonlySet<string>, out: Finding[]): void {
  const template = asObj(trigger.template);
  if (template !== undefined) {
    const tp: FieldPath = [...path, 'template'];
    lintConditions(template, tp, deps, out);
    const kinds = TRIGGER_KINDS.filter((k) => asObj(template[k]) !== undefined);
    if (kinds.length === 0) {
      out.push(finding('warning', 'trigger-kind', tp, `trigger has no action; add one of ${TRIGGER_KINDS.join(', ')}`));
    } else if (kinds.length > 1) {
      out.push(finding('warning', 'trigger-kind', tp, `trigger sets several actions (${kinds.join(', ')}); only one is used`));
    }
    const overwritten = asArr(trigger.parameters)
      .map((p) => str(asObj(p)?.dest))
      .filter((d): d is string => d !== undefined && d !== '');
    for (const k of kinds) {
      if (UNSUPPORTED_TRIGGER_KINDS.includes(k))
        out.push(
          finding(
            'warning',
            'trigger-unsupported',
            [...tp, k],
            `${k} triggers are not supported by Weir: this trigger fails at run time (see the README's events section)`,
          ),
        );
      const body = asObj(template[k]) as Obj;
      lintParameters(body.parameters, [...tp, k, 'parameters'], deps, out, overwritten, `${k}.parameters`);
      lintParameters(body.payload, [...tp, k, 'payload'], deps, out, overwritten, `${k}.payload`);
      if (k === 'http') lintParameters(body.dynamicHeaders, [...tp, k, 'dynamicHeaders'], deps, out, overwritten, `${k}.dynamicHeaders`);
    }
    const wf = asObj(template.argoWorkflow);
    if (wf !== undefined) {
      const op = wf.operation;
      if (op !== undefined && op !== null && op !== '' && !(ARGO_WORKFLOW_OPERATIONS as readonly unknown[]).includes(op)) {
        out.push(
          finding(
            'error',
            'trigger-operation',
            [...tp, 'argoWorkflow', 'operation'],
            `argoWorkflow operation must be one of ${ARGO_WORKFLOW_OPERATIONS.join(', ')}, got ${JSON.stringify(op)}`,
          ),
        );
      }
      if (asObj(wf.source) === undefined)
        out.push(
          finding(
            'error',
            'required',
            [...tp, 'argoWorkflow', 'source'],
            'argoWorkflow.source is required (the workflow to submit or operate on)',
          ),
        );
    }
    const k8s = asObj(template.k8s);
    if (k8s !== undefined && asObj(k8s.source) === undefined) {
      out.push(finding('error', 'required', [...tp, 'k8s', 'source'], 'k8s.source is required (the resource to create or change)'));
    }
    const http = asObj(template.http);
    if (http !== undefined && (str(http.url) ?? '').trim() === '') {
      out.push(finding('error', 'required', [...tp, 'http', 'url'], 'http.url is required'));
    }
  }
  lintParameters(trigger.parameters, [...path, 'parameters'], deps, out);
  lintDurationLike(asObj(trigger.retryStrategy)?.duration, [...path, 'retryStrategy', 'duration'], out);
  lintDurationLike(asObj(asObj(asObj(trigger.policy)?.k8s)?.backoff)?.duration, [...path, 'policy', 'k8s', 'backoff', 'duration'], out);
  const dlq = asObj(trigger.dlqTrigger);
  if (dlq !== undefined) {
    if (trigger.atLeastOnce !== true) {
      out.push(finding('warning', 'dlq-trigger', [...path, 'dlqTrigger'], 'dlqTrigger only runs when atLeastOnce is true'));
    }
    lintTrigger(dlq, [...path, 'dlqTrigger'], deps, out);
  }
}

/** Semantic checks for one Sensor document. */
export function lintSensor(doc: unknown): Finding[] {
  const out: Finding[] = [];
  const spec = asObj(asObj(doc)?.spec);
  if (spec === undefined) return out;

  const deps = new Set<string>();
  const depList = asArr(spec.dependencies);
  if (Array.isArray(spec.dependencies) && depList.length === 0) {
    out.push(finding('error', 'required', ['spec', 'dependencies'], 'a sensor needs at least one dependency'));
  }
  depList.forEach((d, i) => {
    const dep = asObj(d);
    if (dep === undefined) return;
    const name = str(dep.name);
    if (name !== undefined) {
      if (deps.has(name))
        out.push(
          finding(
            'error',
            'duplicate-dependency',
            ['spec', 'dependencies', i, 'name'],
            `dependency name ${JSON.stringify(name)} is used more than once`,
          ),
        );
      deps.add(name);
    }
    const filters = asObj(dep.filters);
    if (filters !== undefined) lintFilters(filters, ['spec', 'dependencies', i, 'filters'], out);
  });

  const triggers = asArr(spec.triggers);
  if (Array.isArray(spec.triggers) && triggers.length === 0) {
    out.push(finding('error', 'required', ['spec', 'triggers'], 'a sensor needs at least one trigger'));
  }
  const triggerNames = new Set<string>();
  triggers.forEach((t, i) => {
    const trigger = asObj(t);
    if (trigger === undefined) return;
    const name = str(asObj(trigger.template)?.name);
    if (name !== undefined) {
      if (triggerNames.has(name))
        out.push(
          finding(
            'warning',
            'duplicate-trigger',
            ['spec', 'triggers', i, 'template', 'name'],
            `trigger name ${JSON.stringify(name)} is used more than once`,
          ),
        );
      triggerNames.add(name);
    }
    lintTrigger(trigger, ['spec', 'triggers', i], deps, out);
  });
  return out;
}
