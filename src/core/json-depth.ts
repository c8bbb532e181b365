// Nesting-depth cap for untrusted JSON text (API request bodies, webhook payloads). One iterative pass over the raw
// text, before any parser sees it, so no parser and no later recursive walk (clone, stringify, validation) can
// overflow the stack on a body like `[[[[...]]]]` 100,000 levels deep. Strings are skipped, escapes included.
import { WeirError } from './errors.js';

/** The deepest nesting of objects and arrays accepted in a JSON body. */
export const MAX_JSON_DEPTH = 512;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * The character offset at which `text` first nests deeper than `max` objects/arrays, or -1 when it never does.
 * Does not validate the JSON otherwise (the parser does that afterwards).
 */
export function jsonDepthExceededAt(text: string, max: number = MAX_JSON_DEPTH): number {
  // A text can never nest deeper than half its length (every level needs an opening and a closing character).
  if (text.length <= max) return -1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return i;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return -1;
}

/** Throws PARSE_ERROR (HTTP 400) naming the limit when `text` nests deeper than `max`; call it before parsing. */
export function assertJsonDepth(text: string, max: number = MAX_JSON_DEPTH, what = 'JSON body'): void {
  const at = jsonDepthExceededAt(text, max);
  if (at >= 0) {
    throw new WeirError('PARSE_ERROR', `${what} nests deeper than ${max} levels (at character ${at}); flatten the data`, {
      details: { maxDepth: max, offset: at },
    });
  }
}
