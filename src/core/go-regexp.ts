// Go's `regexp` package for everything that matches event or parameter data (data filters, govaluate `=~`,
// expr `matches`, sprig/Go-template regex functions): RE2 syntax and semantics through re2js, whose automata run in
// time linear in the subject, so no pattern can freeze the server (no backtracking, no backreferences, no
// lookaround: those are syntax errors, as in Go). The "All" functions skip empty matches abutting a previous match,
// and replacements expand `$1`, `${1}`, `$name`, `${name}` as Go's Regexp.Expand does.
import { createRequire } from 'node:module';
import type * as Re2js from 're2js';
import type { RE2JS } from 're2js';
import { WeirError, errorMessage } from './errors.js';

/**
 * re2js (260 KB of code, the largest module a `weir run` would load) is loaded when the first pattern is compiled:
 * most processes never compile one, and this API is synchronous, so it is required through re2js's CommonJS build.
 */
let re2js: typeof Re2js | undefined;
const engine = (): typeof RE2JS => (re2js ??= createRequire(import.meta.url)('re2js') as typeof Re2js).RE2JS;

/** Longest pattern accepted (Go has no limit; ours keeps compile time and memory small). */
export const MAX_PATTERN = 10_000;

export interface GoMatch {
  start: number;
  end: number;
  /** Group texts, index 0 = the whole match; undefined for a group that did not take part. */
  groups: (string | undefined)[];
}

export class GoRegexp {
  readonly source: string;
  readonly #re: RE2JS;
  readonly #names: Record<string, number>;

  constructor(source: string, re: RE2JS) {
    this.source = source;
    this.#re = re;
    this.#names = re.matcher('').namedGroups;
  }

  /** MatchString: is there a match anywhere in `s`? */
  test(s: string): boolean {
    return this.#re.matcher(s).find();
  }

  /** FindString: the leftmost match, or undefined. */
  find(s: string): GoMatch | undefined {
    return this.findAll(s, 1)[0];
  }

  /** FindAll...: up to `n` successive non-overlapping matches (n < 0: all). */
  findAll(s: string, n = -1): GoMatch[] {
    const out: GoMatch[] = [];
    if (n === 0) return out;
    const m = this.#re.matcher(s);
    let prevEnd = -1;
    let from = 0;
    while (from <= s.length && m.find(from)) {
      const start = m.start();
      const end = m.end();
      if (end === start && start === prevEnd) {
        // Go ignores an empty match right after the previous match and moves one character on.
        from = start + (s.codePointAt(start) !== undefined && (s.codePointAt(start) ?? 0) > 0xffff ? 2 : 1);
        continue;
      }
      const groups: (string | undefined)[] = [];
      for (let g = 0; g <= m.groupCount(); g++) groups.push(m.group(g) ?? undefined);
      out.push({ start, end, groups });
      if (n > 0 && out.length >= n) break;
      prevEnd = end;
      from = end > start ? end : end + ((s.codePointAt(end) ?? 0) > 0xffff ? 2 : 1);
    }
    return out;
  }

  /** ReplaceAllString: `repl` with `$1`/`${name}` expanded per match. */
  replaceAll(s: string, repl: string): string {
    return this.#replace(s, (m) => this.expand(repl, m));
  }

  /** ReplaceAllLiteralString. */
  replaceAllLiteral(s: string, repl: string): string {
    return this.#replace(s, () => repl);
  }

  /** Split(s, n) as Go: n < 0 all substrings, n = 0 nil, n > 0 at most n (the last one the unsplit rest). */
  split(s: string, n = -1): string[] {
    if (n === 0) return [];
    if (this.source.length > 0 && s.length === 0) return [''];
    const matches = this.findAll(s, n > 0 ? n - 1 : -1);
    const out: string[] = [];
    let beg = 0;
    for (const m of matches) {
      if (m.end === 0) continue;
      out.push(s.slice(beg, m.start));
      beg = m.end;
    }
    out.push(s.slice(beg));
    return out;
  }

  /** Regexp.Expand for one match. */
  expand(template: string, m: GoMatch): string {
    let out = '';
    for (let i = 0; i < template.length; i++) {
      const c = template[i];
      if (c !== '$' || i + 1 >= template.length) {
        out += c;
        continue;
      }
      if (template[i + 1] === '$') {
        out += '$';
        i++;
        continue;
      }
      let name: string;
      let next: number;
      if (template[i + 1] === '{') {
        const close = template.indexOf('}', i + 2);
        const inner = close < 0 ? '' : template.slice(i + 2, close);
        if (close < 0 || !/^\w+$/.test(inner)) {
          out += c;
          continue;
        }
        name = inner;
        next = close;
      } else {
        const w = /^\w+/.exec(template.slice(i + 1));
        if (!w) {
          out += c;
          continue;
        }
        name = w[0];
        next = i + w[0].length;
      }
      const idx = /^\d+$/.test(name) ? Number(name) : Object.prototype.hasOwnProperty.call(this.#names, name) ? this.#names[name] : -1;
      out += (idx >= 0 && idx < m.groups.length ? m.groups[idx] : undefined) ?? '';
      i = next;
    }
    return out;
  }

  #replace(s: string, f: (m: GoMatch) => string): string {
    let out = '';
    let last = 0;
    for (const m of this.findAll(s)) {
      out += s.slice(last, m.start) + f(m);
      last = m.end;
    }
    return out + s.slice(last);
  }
}

const cache = new Map<string, GoRegexp>();

/** regexp.Compile: throws INVALID_SPEC with Go's wording ("error parsing regexp: ...") for bad or non-RE2 syntax. */
export function compileGoRegexp(pattern: string): GoRegexp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  if (pattern.length > MAX_PATTERN) throw new WeirError('INVALID_SPEC', `regular expression longer than ${MAX_PATTERN} characters`);
  let re: RE2JS;
  try {
    re = engine().compile(pattern);
  } catch (e) {
    const msg = errorMessage(e);
    throw new WeirError('INVALID_SPEC', msg.startsWith('error parsing regexp') ? msg : `error parsing regexp: ${msg}`, { cause: e });
  }
  const out = new GoRegexp(pattern, re);
  if (cache.size >= 500) cache.clear();
  cache.set(pattern, out);
  return out;
}

/** The error text for `pattern`, or undefined when it compiles (for lint/validate). */
export function goRegexpError(pattern: string): string | undefined {
  try {
    compileGoRegexp(pattern);
    return undefined;
  } catch (e) {
    return errorMessage(e);
  }
}
