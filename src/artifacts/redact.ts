// Keeps credentials out of logs, node status and error messages: a Redactor collects the secret values a
// driver resolved and rewrites any text or error through them. Errors are rebuilt (never passed through as
// `cause`) because SDK error objects carry request/response fields that may echo credentials.
import { WeirError, isWeirError } from '../core/errors.js';
import type { ErrorCode } from '../core/errors.js';

export const REDACTED = '[redacted]';
/** Shorter values are not redacted (they would shred ordinary text); secrets are never that short in practice. */
const MIN_SECRET_LENGTH = 4;

export class Redactor {
  readonly #values = new Set<string>();

  /** Registers secret values (undefined and too-short values are ignored). Returns `this`. */
  add(...values: (string | undefined)[]): this {
    for (const v of values) {
      if (v === undefined || v.length < MIN_SECRET_LENGTH) continue;
      this.#values.add(v);
      const trimmed = v.trim();
      if (trimmed !== v && trimmed.length >= MIN_SECRET_LENGTH) this.#values.add(trimmed);
      // The same value as it appears URL-encoded or base64-encoded in echoed requests.
      const enc = encodeURIComponent(v);
      if (enc !== v) this.#values.add(enc);
      this.#values.add(Buffer.from(v).toString('base64'));
    }
    return this;
  }

  get size(): number {
    return this.#values.size;
  }

  /** The text with every registered value and any URL user-info replaced. */
  text(s: string): string {
    let out = s.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, `$1${REDACTED}@`);
    // Longest first, so a value containing another is replaced whole.
    for (const v of [...this.#values].sort((a, b) => b.length - a.length)) out = out.split(v).join(REDACTED);
    return out;
  }

  /** Deep copy of a JSON-like value with every string redacted. */
  value(v: unknown): unknown {
    if (typeof v === 'string') return this.text(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = this.value(x);
      return out;
    }
    return v;
  }

  /**
   * A WeirError safe to log or store: redacted message (prefixed by `context`), redacted details, and as cause
   * only a plain Error with the original's name and redacted message. `code` wins over the original's code.
   */
  error(e: unknown, opts: { code?: ErrorCode; context?: string } = {}): WeirError {
    const original = e instanceof Error ? e : new Error(String(e));
    const code: ErrorCode = opts.code ?? (isWeirError(e) ? e.code : 'IO_ERROR');
    const base = this.text(original.message);
    const message = opts.context !== undefined ? `${this.text(opts.context)}: ${base}` : base;
    const cause = new Error(this.text(original.message));
    cause.name = original.name;
    const details = isWeirError(e) && e.details !== undefined ? (this.value(e.details) as Record<string, unknown>) : undefined;
    return new WeirError(code, message, { cause, ...(details !== undefined ? { details } : {}) });
  }
}

/** One-shot helper: redacts `text` through the given secret values. */
export function redactText(text: string, secrets: readonly (string | undefined)[]): string {
  return new Redactor().add(...secrets).text(text);
}
