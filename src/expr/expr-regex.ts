// Compiles Go (RE2) regular expressions to JS RegExp for `matches`, govaluate `=~` and sprig regex functions.
// RE2 never backtracks; JS does, so we refuse what RE2 refuses (backreferences, lookaround) and patterns
// with nested quantifiers like `(a+)+`, and cap pattern and subject lengths.
import { exprError } from './expr-values.js';

export const MAX_PATTERN = 1000;
export const MAX_SUBJECT = 100_000;

const cache = new Map<string, RegExp>();

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
  if (hasNestedQuantifier(src)) {
    throw exprError(`regular expression ${JSON.stringify(pattern)} has nested quantifiers and is refused`, pos);
  }
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
  return re;
}

/** Refuses regex subjects over MAX_SUBJECT characters. */
export function checkSubject(s: string, pos?: number): string {
  if (s.length > MAX_SUBJECT) throw exprError(`regular expression subject longer than ${MAX_SUBJECT} characters`, pos);
  return s;
}

/** `subject matches pattern` with Go semantics (unanchored search). */
export function regexTest(pattern: string, subject: string, pos?: number): boolean {
  return compileRegex(pattern, pos).test(checkSubject(subject, pos));
}

/**
 * True when a quantified group itself contains a quantifier, e.g. `(a+)+`, `(a|aa)*b`-style groups with
 * inner `*`/`+`/`{n,}`. Conservative: some harmless patterns are refused too.
 */
function hasNestedQuantifier(src: string): boolean {
  const stack: boolean[] = [];
  let inClass = false;
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
    if (c === '[') inClass = true;
    else if (c === '(') stack.push(false);
    else if (c === ')') {
      const innerQuantified = stack.pop() ?? false;
      const next = src[i + 1];
      const quantified = next === '*' || next === '+' || (next === '{' && /^\{\d*,?\d*\}/.test(src.slice(i + 1)));
      if (innerQuantified && quantified) return true;
      if (stack.length > 0 && (innerQuantified || quantified)) stack[stack.length - 1] = true;
    } else if ((c === '*' || c === '+' || c === '{') && stack.length > 0) {
      stack[stack.length - 1] = true;
    }
  }
  return false;
}
