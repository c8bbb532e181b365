// Data filter (`filters.data`): the value at a gjson path of the event data, optionally rewritten by a Go template,
// compared as string (Go/RE2 regexps run in linear time, = / !=), number (>=, >, =, !=, <, <=) or bool against a list of values (any matches).
// Several data filters combine with `dataLogicalOperator` (and by default). Config keys: path, type, value,
// comparator, template.
import { compileGoRegexp } from '../../src/core/go-regexp.js';
import type { GoRegexp } from '../../src/core/go-regexp.js';
import { renderTemplate } from '../common/go-template.js';
import { getPath, resultBool, resultFloat, resultString } from '../common/json-path.js';
import type { FilterKind, FilterOutcome, LogicalOperator } from './types.js';
import { PASS, fail, failErr } from './types.js';
import { errorMessage } from '../../src/core/errors.js';

export interface DataFilterSpec {
  path: string;
  type?: string;
  value?: unknown[];
  comparator?: string;
  template?: string;
}

const GO_BOOL: Record<string, boolean> = {
  1: true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  0: false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

/** One data filter: undefined when it matched, else why not (error = could not evaluate). */
function one(f: DataFilterSpec, data: unknown): FilterOutcome {
  const found = getPath(data, f.path);
  if (!found.exists) return failErr(`path '${f.path}' does not exist`);
  const values = (f.value ?? []).map((v) => String(v));
  if (values.length === 0) return failErr('no values specified');
  let actual: unknown = found.value;
  if (f.template !== undefined && f.template !== '') {
    let out: string;
    try {
      out = renderTemplate(f.template, { Input: resultString(found.value) });
    } catch (e) {
      return failErr(errorMessage(e));
    }
    if (out === '' || out === '<no value>') return failErr(`template '${f.template}' evaluated to empty string or no value`);
    actual = out;
  }
  const cmp = f.comparator ?? '';
  switch (f.type) {
    case 'bool': {
      const got = resultBool(actual);
      for (const v of values) {
        const want = GO_BOOL[v];
        if (want === undefined) return failErr(`${JSON.stringify(v)} is not a boolean`);
        if (want === got) return PASS;
      }
      return fail(`${f.path}=${resultString(actual)} is not ${values.join(' or ')}`);
    }
    case 'number': {
      const got = resultFloat(actual);
      for (const v of values) {
        const want = Number(v.trim());
        if (v.trim() === '' || Number.isNaN(want)) return failErr(`${JSON.stringify(v)} is not a number`);
        const ok =
          cmp === '>='
            ? got >= want
            : cmp === '>'
              ? got > want
              : cmp === '<'
                ? got < want
                : cmp === '<='
                  ? got <= want
                  : cmp === '!='
                    ? got !== want
                    : got === want;
        if (ok) return PASS;
      }
      return fail(`${f.path}=${got} is not ${cmp || '='} ${values.join(' or ')}`);
    }
    case 'string': {
      const got = resultString(actual);
      for (const v of values) {
        let re: GoRegexp;
        try {
          re = compileGoRegexp(v);
        } catch (e) {
          return failErr(`bad regular expression ${JSON.stringify(v)}: ${errorMessage(e)}`);
        }
        const m = re.test(got);
        if ((cmp === '' || cmp === '=') && m) return PASS;
        if (cmp === '!=' && !m) return PASS;
      }
      return fail(
        `${f.path}=${JSON.stringify(got)} ${cmp === '!=' ? 'matches one of' : 'matches none of'} ${values.map((v) => JSON.stringify(v)).join(', ')}`,
      );
    }
    default:
      return failErr(`unsupported JSON type '${f.type ?? ''}'`);
  }
}

export const dataFilter: FilterKind<DataFilterSpec[]> = {
  kind: 'data',
  run(specs, op: LogicalOperator, event) {
    if (specs.length === 0 || event.data === undefined || event.data === null) return PASS;
    const misses: FilterOutcome[] = [];
    for (const f of specs) {
      const r = one(f, event.data);
      if (r.pass && op === 'or') return PASS;
      if (!r.pass) {
        if (op === 'and') return r;
        misses.push(r);
      }
    }
    if (op === 'and') return PASS;
    const errored = misses.some((m) => m.error);
    return { pass: false, error: errored, reason: misses.map((m) => m.reason).join(' / ') };
  },
};
