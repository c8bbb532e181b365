// Date parsing for expr-lang's date() and sprig's date helpers: the default formats expr-lang accepts
// (2006-01-02, 15:04:05, "2006-01-02 15:04:05", RFC3339, RFC822/850/1123) and numeric Go layouts.
import { exprError } from './expr-values.js';

const LAYOUT_TOKENS: [string, string, string][] = [
  ['2006', '(\\d{4})', 'Y'],
  ['01', '(\\d{2})', 'M'],
  ['02', '(\\d{2})', 'D'],
  ['15', '(\\d{2})', 'h'],
  ['04', '(\\d{2})', 'm'],
  ['05', '(\\d{2})', 's'],
  ['.000', '\\.(\\d{3})', 'ms'],
  ['Z07:00', '(Z|[+-]\\d{2}:\\d{2})', 'z'],
  ['-07:00', '([+-]\\d{2}:\\d{2})', 'z'],
  ['-0700', '([+-]\\d{4})', 'z'],
];

function offsetMinutes(z: string): number {
  if (z === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(z);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** Parses `s` with a Go layout made of numeric tokens; returns undefined when it does not match. */
function parseLayout(s: string, layout: string): Date | undefined {
  let re = '^';
  const fields: string[] = [];
  for (let i = 0; i < layout.length;) {
    const tok = LAYOUT_TOKENS.find(([t]) => layout.startsWith(t, i));
    if (tok) {
      re += tok[1];
      fields.push(tok[2]);
      i += tok[0].length;
    } else {
      re += layout[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  const m = new RegExp(`${re}$`).exec(s);
  if (!m) return undefined;
  const v: Record<string, string> = { Y: '0000', M: '01', D: '01', h: '00', m: '00', s: '00', ms: '000', z: 'Z' };
  fields.forEach((f, i) => (v[f] = m[i + 1]));
  const d = new Date(0);
  d.setUTCFullYear(Number(v.Y), Number(v.M) - 1, Number(v.D));
  d.setUTCHours(Number(v.h), Number(v.m), Number(v.s), Number(v.ms));
  const t = d.getTime();
  if (Number.isNaN(t) || d.getUTCDate() !== Number(v.D)) return undefined;
  return new Date(t - offsetMinutes(v.z) * 60_000);
}

const DEFAULT_LAYOUTS = ['2006-01-02', '15:04:05', '2006-01-02 15:04:05', '2006-01-02T15:04:05Z07:00', '2006-01-02T15:04:05.000Z07:00'];

/** expr-lang's date(str[, layout[, timezone]]); only UTC and fixed offsets are supported as timezones. */
export function parseDate(s: string, layout?: string, tz?: string): Date {
  if (tz !== undefined && tz !== 'UTC' && tz !== 'Local') throw exprError(`date: unsupported timezone ${tz}`);
  if (layout !== undefined) {
    const d = parseLayout(s, layout);
    if (!d) throw exprError(`date: cannot parse ${JSON.stringify(s)} as ${JSON.stringify(layout)}`);
    return d;
  }
  for (const l of DEFAULT_LAYOUTS) {
    const d = parseLayout(s, l);
    if (d) return d;
  }
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s);
  const rfc1123ish = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [A-Z]{3}$/.test(s);
  if (rfc3339 || rfc1123ish) {
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw exprError(`date: cannot parse ${JSON.stringify(s)}`);
}
