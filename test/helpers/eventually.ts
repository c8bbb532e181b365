// The one polling wait for tests: calls `fn` until it returns a value that is not undefined, null or false, and
// returns that value; throws "timed out after N ms waiting for <what>" when the time is up.

export interface EventuallyOptions {
  /** Give up after this many milliseconds (default 10 000). */
  timeoutMs?: number;
  /** Pause between calls in milliseconds (default 20). */
  everyMs?: number;
  /** What is awaited, for the timeout message (default "condition"). */
  what?: string;
}

export async function eventually<T>(
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  opts: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 20));
  }
}
