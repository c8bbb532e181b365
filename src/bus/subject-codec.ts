// Names on the bus as NATS tokens. NATS subject tokens, stream, consumer, bucket and KV key names cannot hold `.`,
// spaces, `*` or `>` (buckets allow only [A-Za-z0-9_-]), so every name is encoded the same reversible way:
// ASCII letters, digits and `-` stay as they are; every other UTF-8 byte (including `_` itself) becomes `_HH`
// (upper-case hex). "my-source" stays "my-source"; "a.b" becomes "a_2Eb"; "" becomes "_" (the empty token).
// A subject is `<bus>.<eventSourceName>.<eventName>`, each token encoded; the filter `*` stays the NATS wildcard.
import { WeirError } from '../core/errors.js';

const PLAIN = /^[A-Za-z0-9-]$/;
const ALL_PLAIN = /^[A-Za-z0-9-]+$/;

/** Encodes any string as a NATS-safe token (see the file comment). */
export function encodeToken(s: string): string {
  if (s === '') return '_';
  // The common case (called per published event): nothing to encode.
  if (ALL_PLAIN.test(s)) return s;
  let out = '';
  for (const ch of s) {
    if (PLAIN.test(ch)) {
      out += ch;
      continue;
    }
    for (const b of Buffer.from(ch, 'utf8')) out += `_${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Reverses encodeToken; throws INVALID_ARGUMENT on a string it could not have produced. */
export function decodeToken(t: string): string {
  if (t === '_') return '';
  const bytes: number[] = [];
  for (let i = 0; i < t.length;) {
    if (t[i] === '_') {
      const hex = t.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new WeirError('INVALID_ARGUMENT', `not an encoded bus token: ${JSON.stringify(t)}`);
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      bytes.push(t.charCodeAt(i));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The subject an event is stored under. */
export function eventSubject(bus: string, eventSourceName: string, eventName: string): string {
  return `${encodeToken(bus)}.${encodeToken(eventSourceName)}.${encodeToken(eventName)}`;
}

/** A consumer filter as a NATS subject: `*` stays a wildcard token, anything else is encoded. */
export function filterSubject(bus: string, f: { eventSourceName: string; eventName: string }): string {
  const tok = (s: string): string => (s === '*' ? '*' : encodeToken(s));
  return `${encodeToken(bus)}.${tok(f.eventSourceName)}.${tok(f.eventName)}`;
}

/** True when `(source, name)` matches a filter pair ('*' matches anything). */
export function matchesFilter(f: { eventSourceName: string; eventName: string }, source: string, name: string): boolean {
  return (f.eventSourceName === '*' || f.eventSourceName === source) && (f.eventName === '*' || f.eventName === name);
}
