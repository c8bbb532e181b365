// Event payloads keep numbers exactly as sent (Argo Events passes the payload bytes through, so
// `{"id":12345678901234567890}` read with `dataKey: body.id` gives all 20 digits). parseJsonLossless is JSON.parse
// except that a number whose text would not survive a round trip through a double (big integers, `1.0`, `1e3`) is
// kept as a JsonNumber holding its text; JSON.stringify writes a JsonNumber back as that text (JSON.rawJSON), so the
// digits survive the bus, history and lineage unchanged. Consumers that need a value (gjson Value(), govaluate, Go
// templates, Lua, jq) get the nearest double, as Go's float64 does.

/** A JSON number kept as its source text. */
export class JsonNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  /** The nearest double (what Go's float64 holds). */
  valueOf(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
  toJSON(): unknown {
    return rawJSON ? rawJSON(this.text) : Number(this.text);
  }
}

declare global {
  interface JSON {
    /** JSON.rawJSON (ES2026; Node 21+): a value that JSON.stringify writes as the given text. Absent on older runtimes. */
    rawJSON?(text: string): unknown;
  }
}

const rawJSON: ((text: string) => unknown) | undefined = JSON.rawJSON?.bind(JSON);

export const isJsonNumber = (v: unknown): v is JsonNumber => v instanceof JsonNumber;

// Number texts that may not round-trip (16+ digits in a row, exponents, trailing fraction zeros, -0); a document
// without any parses on the native fast path. Strings matching it only cost the slower path, never a wrong result.
const MAYBE_LOSSY = /\d{16}|\d[eE]|\.\d*0(?!\d)|-0(?![.\d])/;

interface ReviverContext {
  source?: string;
}

function revive(_key: string, value: unknown, ctx?: ReviverContext): unknown {
  if (typeof value !== 'number' || ctx?.source === undefined) return value;
  return String(value) === ctx.source ? value : new JsonNumber(ctx.source);
}

/** JSON.parse keeping non-round-tripping numbers as JsonNumber (throws SyntaxError like JSON.parse). */
export function parseJsonLossless(text: string): unknown {
  if (!MAYBE_LOSSY.test(text)) return JSON.parse(text) as unknown;
  return JSON.parse(text, revive) as unknown;
}

/** A copy of `v` with every JsonNumber replaced by its double (gjson's Value(), Go's float64). */
export function toPlainJson(v: unknown): unknown {
  if (v instanceof JsonNumber) return v.valueOf();
  if (Array.isArray(v)) return v.some(needsPlain) ? v.map(toPlainJson) : v;
  if (v !== null && typeof v === 'object') {
    if (!needsPlain(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, k, { value: toPlainJson(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

function needsPlain(v: unknown): boolean {
  if (v instanceof JsonNumber) return true;
  if (Array.isArray(v)) return v.some(needsPlain);
  if (v !== null && typeof v === 'object') return Object.values(v).some(needsPlain);
  return false;
}
