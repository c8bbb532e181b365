// Kubernetes label selector syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists), `!a`,
// combined with commas (AND). Parsed once into a predicate over a label map; bad syntax is INVALID_ARGUMENT.
import { WeirError } from '../core/errors.js';

export type Requirement =
  | { key: string; op: 'eq' | 'neq'; value: string }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | 'notexists' };

export type LabelPredicate = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

function bad(selector: string, why: string): WeirError {
  return new WeirError('INVALID_ARGUMENT', `invalid label selector ${JSON.stringify(selector)}: ${why}`, {
    details: { labelSelector: selector },
  });
}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function checkKey(selector: string, key: string): string {
  if (!KEY.test(key)) throw bad(selector, `bad key ${JSON.stringify(key)}`);
  return key;
}

function checkValue(selector: string, value: string): string {
  if (!VALUE.test(value) || value.length > 63) throw bad(selector, `bad value ${JSON.stringify(value)}`);
  return value;
}

/** Parses a selector into requirements (all must hold). The empty selector matches everything. */
export function parseLabelSelector(selector: string): Requirement[] {
  const reqs: Requirement[] = [];
  if (selector.trim() === '') return reqs;
  for (const raw of splitTop(selector)) {
    const part = raw.trim();
    if (part === '') throw bad(selector, 'empty requirement');
    const set = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(part);
    if (set) {
      const values = set[3].split(',').map((v) => checkValue(selector, v.trim()));
      reqs.push({ key: checkKey(selector, set[1]), op: set[2] as 'in' | 'notin', values });
      continue;
    }
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (cmp) {
      reqs.push({ key: checkKey(selector, cmp[1]), op: cmp[2] === '!=' ? 'neq' : 'eq', value: checkValue(selector, cmp[3]) });
      continue;
    }
    if (part.startsWith('!')) {
      reqs.push({ key: checkKey(selector, part.slice(1).trim()), op: 'notexists' });
      continue;
    }
    reqs.push({ key: checkKey(selector, part), op: 'exists' });
  }
  return reqs;
}

export function matchesRequirements(reqs: readonly Requirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case 'eq':
        return has && l[r.key] === r.value;
      case 'neq':
        return !has || l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

/** Compiles a selector into a predicate (throws INVALID_ARGUMENT on bad syntax). */
export function compileLabelSelector(selector: string | undefined): LabelPredicate {
  const reqs = parseLabelSelector(selector ?? '');
  return (labels) => matchesRequirements(reqs, labels);
}

/** A Kubernetes LabelSelector object (`matchLabels`, `matchExpressions`), as manifests write it. */
export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const OPERATORS: Record<string, Requirement['op']> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: 'notexists' };

/** Requirements of a LabelSelector object (all must hold; an empty one matches everything), INVALID_ARGUMENT when bad. */
export function labelSelectorRequirements(sel: LabelSelectorObject): Requirement[] {
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, value]) => ({ key, op: 'eq', value }));
  for (const e of sel.matchExpressions ?? []) {
    const op = OPERATORS[e.operator];
    if (op === undefined)
      throw new WeirError(
        'INVALID_ARGUMENT',
        `invalid label selector: operator ${JSON.stringify(e.operator)} of key ${JSON.stringify(e.key)} is not In, NotIn, Exists or DoesNotExist`,
      );
    if (op === 'in' || op === 'notin') {
      if ((e.values ?? []).length === 0)
        throw new WeirError('INVALID_ARGUMENT', `invalid label selector: ${e.operator} on ${JSON.stringify(e.key)} needs values`);
      reqs.push({ key: e.key, op, values: [...(e.values ?? [])] });
    } else reqs.push({ key: e.key, op: op as 'exists' | 'notexists' });
  }
  return reqs;
}
