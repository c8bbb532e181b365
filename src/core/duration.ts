// Go-style duration strings ("10s", "1m30s", "1.5h", "-250ms") to milliseconds.
// Shared by anything that reads Argo durations; a bare number ("30", "2.5") means seconds (Weir extension).
import { WeirError } from './errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  '\u00b5s': 1e-3, // µs (micro sign)
  '\u03bcs': 1e-3, // μs (Greek mu)
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PLAIN_NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
const SEGMENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;

function invalid(input: string, why: string): WeirError {
  return new WeirError('INVALID_SPEC', `invalid duration "${input}": ${why}`, { details: { value: input } });
}

/**
 * Parses a Go duration (time.ParseDuration syntax: optional sign, then one or more `<number><unit>` pairs with
 * units ns, us, µs, ms, s, m, h; fractions allowed) and returns milliseconds (possibly fractional).
 * A bare number means seconds. Throws WeirError('INVALID_SPEC') on anything else.
 */
export function parseGoDuration(s: string): number {
  if (typeof s !== 'string') throw invalid(String(s), 'expected a string');
  const input = s.trim();
  if (input === '') throw invalid(s, 'empty string');
  if (PLAIN_NUMBER.test(input)) return Number(input) * 1000;

  let pos = 0;
  let sign = 1;
  if (input[0] === '-' || input[0] === '+') {
    sign = input[0] === '-' ? -1 : 1;
    pos = 1;
  }
  if (pos === input.length) throw invalid(s, 'sign without a value');

  let total = 0;
  while (pos < input.length) {
    SEGMENT.lastIndex = pos;
    const m = SEGMENT.exec(input);
    if (m === null) {
      const rest = input.slice(pos);
      const why = /^(\d+(\.\d*)?|\.\d+)$/.test(rest)
        ? `missing unit after "${rest}" (use ns, us, ms, s, m or h)`
        : `unexpected "${rest}" (expected <number><unit> with unit ns, us, ms, s, m or h)`;
      throw invalid(s, why);
    }
    total += Number(m[1]) * UNIT_MS[m[2]];
    pos = SEGMENT.lastIndex;
  }
  if (!Number.isFinite(total)) throw invalid(s, 'value out of range');
  return sign * total;
}

/** Like parseGoDuration but returns undefined instead of throwing (for validation code paths). */
export function tryParseGoDuration(s: string): number | undefined {
  try {
    return parseGoDuration(s);
  } catch {
    return undefined;
  }
}
