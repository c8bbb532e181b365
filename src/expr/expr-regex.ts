// Compiles Go (RE2) regular expressions to JS RegExp for `matches`, govaluate `=~` and sprig regex functions.
// RE2 never backtracks; JS does, so we refuse what RE2 refuses (backreferences, lookaround) and patterns
// with nested quantifiers like `(a+)+`, and cap pattern and subject lengths.
import { exprError } from './expr-values.js';

export const MAX_PATTERN = 1000;
export const MAX_SUBJECT = 100_000;
export const MAX_SUBJECT_POLY = 10_000;

const cache = new Map<string, RegExp>();
const polynomial = new WeakSet<RegExp>();

export function compileRegex(pattern: string, pos?: number): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  if (pattern.length > MAX_PATTERN) throw exprError(`regular expression longer than ${MAX_PATTERN} characters`, pos);
  let src = pattern;
  let flags = 'u';
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes('i')) flags += 'i';
    if (lead[1].includes('m')) flags += 'm';
    if (lead[1].includes('s')) flags += 's';
    src = src.slice(lead[0].length);
  }
  if (/\\[1-9]|\\k<|\(\?<?[=!]/.test(src)) throw exprError(`invalid regular expression ${JSON.stringify(pattern)}: unsupported syntax`, pos);
  const risk = analyze(src);
  if (risk.refuse) throw exprError(`regular expression ${JSON.stringify(pattern)} ${risk.refuse} and is refused`, pos);
  src = src.replace(/\(\?P</g, '(?<').replace(/\\z/g, '$(?![\\s\\S])').replace(/\\A/g, '^(?<![\\s\\S])');
  let re: RegExp;
  try {
    re = new RegExp(src, flags);
  } catch {
    try {
      re = new RegExp(src, flags.replace('u', ''));
    } catch (e) {
      throw exprError(`invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`, pos);
    }
  }
  if (cache.size > 500) cache.clear();
  cache.set(pattern, re);
  if (risk.unbounded > 1) polynomial.add(re);
  return re;
}

/** Refuses regex subjects over MAX_SUBJECT characters. */
export function checkSubject(s: string, pos?: number): string {
  if (s.length > MAX_SUBJECT) throw exprError(`regular expression subject longer than ${MAX_SUBJECT} characters`, pos);
  return s;
}

/**
 * Compiles `pattern` for use on `subject`, refusing subjects over the pattern's limit: MAX_SUBJECT, or
 * MAX_SUBJECT_POLY for patterns with several unbounded quantifiers (polynomial backtracking).
 */
export function prepareRegex(pattern: string, subject: string, opts: { global?: boolean; pos?: number } = {}): RegExp {
  const re = compileRegex(pattern, opts.pos);
  const limit = polynomial.has(re) ? MAX_SUBJECT_POLY : MAX_SUBJECT;
  if (subject.length > limit) {
    throw exprError(`regular expression subject longer than ${limit} characters for this pattern`, opts.pos);
  }
  return opts.global ? new RegExp(re.source, `${re.flags}g`) : re;
}

/** `subject matches pattern` with Go semantics (unanchored search). */
export function regexTest(pattern: string, subject: string, pos?: number): boolean {
  return prepareRegex(pattern, subject, { pos }).test(subject);
}

interface Group {
  start: number;
  quantified: boolean;
}

/**
 * Finds backtracking hazards: a quantified group that itself contains a quantifier (`(a+)+`), or a quantified
 * group whose alternatives can start with the same character (`(a|aa)*`). Conservative: some harmless patterns
 * are refused too. Also counts unbounded quantifiers.
 */
function analyze(src: string): { refuse?: string; unbounded: number } {
  const stack: Group[] = [];
  let inClass = false;
  let unbounded = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    const isUnbounded = c === '*' || c === '+' || (c === '{' && /^\{\d+,\}/.test(src.slice(i)));
    if (isUnbounded) unbounded++;
    if (c === '[') inClass = true;
    else if (c === '(') stack.push({ start: i + 1, quantified: false });
    else if (c === ')') {
      const g = stack.pop() ?? { start: i, quantified: false };
      const next = src[i + 1];
      const quantified = next === '*' || next === '+' || (next === '{' && /^\{\d*,\d*\}/.test(src.slice(i + 1)));
      if (g.quantified && quantified) return { refuse: 'has nested quantifiers', unbounded };
      if (quantified && overlappingAlternatives(src.slice(g.start, i))) {
        return { refuse: 'repeats overlapping alternatives', unbounded };
      }
      const parent = stack[stack.length - 1];
      if (parent && (g.quantified || quantified)) parent.quantified = true;
    } else if ((c === '*' || c === '+' || c === '{' || c === '?') && stack.length > 0 && c !== '?') {
      stack[stack.length - 1].quantified = true;
    }
  }
  return { unbounded };
}

/** True when `body` has top-level alternatives that do not all start with distinct plain characters. */
function overlappingAlternatives(body: string): boolean {
  const alts: string[] = [];
  let depth = 0;
  let inClass = false;
  let cur = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      cur += c + (body[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      alts.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  alts.push(cur);
  if (alts.length < 2) return false;
  const firsts = alts.map((a) => a.replace(/^\?:/, '')[0] ?? '');
  return firsts.some((f) => !/[\p{L}\p{N}_ -]/u.test(f)) || new Set(firsts).size !== firsts.length;
}
