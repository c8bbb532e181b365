// Loop expansion for steps and DAG tasks: withItems (values substituted), withParam (a JSON list after
// substitution) and withSequence (count/start/end with a printf-style format), plus the `item` variables.
import type { Sequence } from '../api/workflow-steps.js';
import { paramString, subst, substDeep } from './params.js';
import type { Vars } from './params.js';

export interface LoopSource {
  withItems?: unknown[];
  withParam?: string;
  withSequence?: Sequence;
}

/** Message of the Skipped node Argo creates for a loop over no items. */
export const EMPTY_PARAMS = 'Skipped, empty params';

export const isLoop = (s: LoopSource): boolean => s.withItems !== undefined || s.withParam !== undefined || s.withSequence !== undefined;

/** Expands a loop into its items; errors (bad JSON, bad sequence) are pushed to `errors` and yield []. */
export function expandLoop(s: LoopSource, vars: Vars, errors: string[]): unknown[] {
  if (s.withItems !== undefined) return substDeep(s.withItems, vars, errors);
  if (s.withParam !== undefined) {
    const text = subst(s.withParam, vars, errors);
    if (errors.length > 0) return [];
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      errors.push(`withParam value could not be parsed as a JSON list: ${text.trim()}`);
      return [];
    }
    if (!Array.isArray(v)) {
      errors.push(`withParam value could not be parsed as a JSON list: ${text.trim()}`);
      return [];
    }
    return v;
  }
  if (s.withSequence !== undefined) return expandSequence(substDeep(s.withSequence, vars, errors), errors);
  return [];
}

function int(v: unknown, field: string, errors: string[]): number | undefined {
  const s = paramString(v);
  if (s === undefined || s === '') return undefined;
  if (!/^-?\d+$/.test(s.trim())) {
    errors.push(`withSequence.${field} must be an integer, got ${JSON.stringify(s)}`);
    return undefined;
  }
  return Number(s.trim());
}

/** Argo's withSequence: start (default 0) to end inclusive, or `count` numbers from start; end < start counts down. */
export function expandSequence(seq: Sequence, errors: string[]): string[] {
  const start = int(seq.start, 'start', errors) ?? 0;
  const count = int(seq.count, 'count', errors);
  let end = int(seq.end, 'end', errors);
  if (count !== undefined && end !== undefined) errors.push('withSequence: only one of count or end may be set');
  if (count === undefined && end === undefined) errors.push('withSequence: one of count or end is required');
  if (errors.length > 0) return [];
  if (count !== undefined) {
    if (count === 0) return [];
    end = start + count - 1;
  }
  const e = end as number;
  const out: string[] = [];
  const step = e >= start ? 1 : -1;
  for (let i = start; step > 0 ? i <= e : i >= e; i += step) {
    out.push(seq.format ? sprintfInt(seq.format, i) : String(i));
    if (out.length > 100_000) {
      errors.push('withSequence expands to more than 100000 items');
      return [];
    }
  }
  return out;
}

/** A small printf for one integer: %d %i %x %X %o %b %s %v with flags `0`, `-`, `+` and a width; `%%` is `%`. */
export function sprintfInt(format: string, n: number): string {
  return format.replace(/%([-+0]*)(\d*)([dixXobsv%])/g, (_m, flags: string, width: string, verb: string) => {
    if (verb === '%') return '%';
    let body: string;
    const abs = Math.abs(n);
    switch (verb) {
      case 'x':
        body = abs.toString(16);
        break;
      case 'X':
        body = abs.toString(16).toUpperCase();
        break;
      case 'o':
        body = abs.toString(8);
        break;
      case 'b':
        body = abs.toString(2);
        break;
      default:
        body = String(abs);
    }
    const sign = n < 0 ? '-' : flags.includes('+') ? '+' : '';
    const w = width === '' ? 0 : Number(width);
    if (flags.includes('-')) return (sign + body).padEnd(w, ' ');
    if (flags.includes('0')) return sign + body.padStart(Math.max(0, w - sign.length), '0');
    return (sign + body).padStart(w, ' ');
  });
}

/** `item` (and `item.key` for maps) as Argo substitutes them: scalars as text, maps and lists as JSON. */
export function itemVars(item: unknown): Vars {
  const v: Vars = {};
  if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
    v.item = JSON.stringify(item);
    for (const [k, x] of Object.entries(item as Record<string, unknown>)) {
      v[`item.${k}`] = typeof x === 'string' ? x : JSON.stringify(x);
    }
  } else if (Array.isArray(item)) {
    v.item = JSON.stringify(item);
  } else {
    v.item = typeof item === 'string' ? item : item === null || item === undefined ? '' : JSON.stringify(item);
  }
  return v;
}
