// Go (RE2) regular expressions for expr `matches`, govaluate `=~`/`!~` and the sprig regex functions, through the
// linear-time engine in src/core/go-regexp.ts: a pattern from a manifest never backtracks over event data, and
// syntax Go refuses (backreferences, lookaround) is an expression error with Go's message.
import { compileGoRegexp } from '../core/go-regexp.js';
import type { GoRegexp } from '../core/go-regexp.js';
import { exprError } from './expr-values.js';
import { errorMessage } from '../core/errors.js';

/** Compiles `pattern` (Go syntax); a bad pattern is an expression error at `pos`. */
export function compileRegex(pattern: string, pos?: number): GoRegexp {
  try {
    return compileGoRegexp(pattern);
  } catch (e) {
    throw exprError(errorMessage(e), pos);
  }
}

/** `subject matches pattern` with Go semantics (unanchored search). */
export function regexTest(pattern: string, subject: string, pos?: number): boolean {
  return compileRegex(pattern, pos).test(subject);
}
