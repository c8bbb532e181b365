// Step logs of the pod executor, read through the API server's pods/log endpoint (served by the node's kubelet):
// stdout and stderr separately (`stream=Stdout|Stderr`, Kubernetes' split log streams) with per-line timestamps,
// merged in time order; `follow` streams both until the container ends. Also the raw stdout tail (`result`) with the
// time of the last stdout line, and the wait container's report.
import type { IncomingMessage } from 'node:http';
import { WeirError } from '../core/errors.js';
import { podPath } from './pod-kube.js';
import type { PodApi } from './pod-kube.js';
import type { LogLine, LogsOptions } from './types.js';
import { STDOUT_TAIL_BYTES } from './types.js';

export interface LogTarget {
  api: PodApi;
  namespace: string;
  pod: string;
  container: string;
}

type Stream = 'stdout' | 'stderr';

async function open(t: LogTarget, q: Record<string, string | boolean | undefined>, signal?: AbortSignal): Promise<IncomingMessage> {
  try {
    return await t.api.open('GET', podPath(t.namespace, t.pod, 'log'), {
      query: { container: t.container, ...q },
      ...(signal ? { signal } : {}),
      ...(q.follow === true ? { long: true } : {}),
    });
  } catch (e) {
    if (q.stream && e instanceof WeirError && /stream.*may not be specified/.test(e.message))
      throw new WeirError(
        'INVALID_ARGUMENT',
        'the pod executor reads stdout and stderr apart: enable the PodLogsQuerySplitStreams feature gate (Kubernetes >= 1.32) on the API server and kubelets',
        { cause: e },
      );
    throw e;
  }
}

/** Lines of one stream (`TIMESTAMP text`), as they arrive; a last line without newline is delivered too. */
async function* streamLines(
  t: LogTarget,
  stream: Stream,
  o: { follow: boolean; since?: Date; signal?: AbortSignal },
): AsyncGenerator<LogLine> {
  const sinceTime = o.since ? new Date(Math.floor(o.since.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z') : undefined;
  let res: IncomingMessage;
  try {
    res = await open(
      t,
      { stream: stream === 'stdout' ? 'Stdout' : 'Stderr', timestamps: true, follow: o.follow || undefined, sinceTime },
      o.signal,
    );
  } catch (e) {
    if (o.signal?.aborted) return;
    throw e;
  }
  let rest = '';
  const parse = (raw: string): LogLine | undefined => {
    const sp = raw.indexOf(' ');
    if (sp < 0) return undefined;
    const time = new Date(raw.slice(0, sp));
    if (Number.isNaN(time.getTime())) return undefined;
    return { time, stream, line: raw.slice(sp + 1) };
  };
  try {
    for await (const chunk of res) {
      rest += (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const l = parse(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
        if (l && (!o.since || l.time >= o.since)) yield l;
      }
    }
  } catch (e) {
    if (o.signal?.aborted) return;
    throw new WeirError('IO_ERROR', `log stream of ${t.pod}/${t.container} broke`, { cause: e });
  } finally {
    res.destroy();
  }
  const last = rest === '' ? undefined : parse(rest);
  if (last && (!o.since || last.time >= o.since)) yield last;
}

async function all(it: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of it) out.push(l);
  return out;
}

/** Both streams of a container merged in time order (stable: equal stamps keep stdout first). */
export async function* containerLogs(t: LogTarget, opts: LogsOptions = {}): AsyncGenerator<LogLine> {
  const o = { follow: opts.follow ?? false, ...(opts.since ? { since: opts.since } : {}), ...(opts.signal ? { signal: opts.signal } : {}) };
  if (!o.follow) {
    const [out, err] = await Promise.all([all(streamLines(t, 'stdout', o)), all(streamLines(t, 'stderr', o))]);
    let lines = [...out, ...err].sort(
      (a, b) => a.time.getTime() - b.time.getTime() || (a.stream === b.stream ? 0 : a.stream === 'stdout' ? -1 : 1),
    );
    if (opts.tailLines !== undefined) lines = lines.slice(Math.max(0, lines.length - opts.tailLines));
    yield* lines;
    return;
  }
  // Following: both streams at once, lines delivered as they come.
  const queue: (LogLine | Error | null)[] = [];
  let wake: (() => void) | undefined;
  const push = (x: LogLine | Error | null): void => {
    queue.push(x);
    wake?.();
  };
  const pump = async (s: Stream): Promise<void> => {
    try {
      for await (const l of streamLines(t, s, o)) push(l);
      push(null);
    } catch (e) {
      push(e instanceof Error ? e : new Error(String(e)));
    }
  };
  void pump('stdout');
  void pump('stderr');
  let open = 2;
  const onAbort = (): void => wake?.();
  o.signal?.addEventListener('abort', onAbort);
  try {
    while (open > 0 && !o.signal?.aborted) {
      const x = queue.shift();
      if (x === undefined) {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      } else if (x === null) open--;
      else if (x instanceof Error) throw x;
      else yield x;
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/** Keeps the last `limit` bytes of what is pushed (whole chunks, trimmed once at the end). */
class Tail {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly limit: number) {}

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.size += b.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0].length >= this.limit) this.size -= this.chunks.shift()?.length ?? 0;
  }

  text(): string {
    const buf = Buffer.concat(this.chunks);
    return buf.subarray(Math.max(0, buf.length - this.limit)).toString('utf8');
  }
}

/** The raw last 256 KiB of the container's stdout. */
export async function stdoutTail(t: LogTarget): Promise<string> {
  const res = await open(t, { stream: 'Stdout' });
  const tail = new Tail(STDOUT_TAIL_BYTES);
  for await (const c of res) tail.push(c as Buffer);
  return tail.text();
}

/** A line's stamp as the kubelet writes it: RFC 3339 with fractional seconds, in UTC or with an offset. */
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const STAMP_MAX_BYTES = 64;

/**
 * A finished step's stdout from one pods/log request: its raw last 256 KiB (the step's `result`, byte for byte what
 * stdoutTail returns) and the time of its last stdout line (status times are whole seconds). Asked with
 * `timestamps=true`, the kubelet starts every line with `<RFC 3339 time> ` (once per line, not per partial record
 * of the runtime, since Kubernetes 1.26); the stamps are cut out here. A stream whose lines do not start with a valid
 * stamp is read again plainly (and gives no time).
 */
export async function stdoutOutcome(t: LogTarget): Promise<{ tail: string; lastLine?: Date }> {
  const res = await open(t, { stream: 'Stdout', timestamps: true });
  const tail = new Tail(STDOUT_TAIL_BYTES);
  let stamp: Buffer | undefined = Buffer.alloc(0); // the stamp being read; undefined inside a line's text
  let last = '';
  let bad = false;
  try {
    for await (const c of res) {
      const b = c as Buffer;
      const text: Buffer[] = [];
      for (let i = 0; i < b.length && !bad;) {
        if (stamp === undefined) {
          const nl = b.indexOf(0x0a, i);
          const end = nl < 0 ? b.length : nl + 1;
          text.push(b.subarray(i, end));
          if (nl >= 0) stamp = Buffer.alloc(0);
          i = end;
          continue;
        }
        const sp = b.indexOf(0x20, i);
        stamp = Buffer.concat([stamp, b.subarray(i, sp < 0 ? b.length : sp)]);
        if (stamp.length > STAMP_MAX_BYTES) bad = true;
        if (sp < 0 || bad) break;
        last = stamp.toString('latin1');
        bad = !STAMP.test(last);
        stamp = undefined;
        i = sp + 1;
      }
      if (bad) break;
      tail.push(text.length === 1 ? text[0] : Buffer.concat(text));
    }
  } finally {
    res.destroy();
  }
  if (bad || (stamp !== undefined && stamp.length > 0)) return { tail: await stdoutTail(t) };
  const lastLine = last === '' ? undefined : new Date(last);
  return { tail: tail.text(), ...(lastLine && !Number.isNaN(lastLine.getTime()) ? { lastLine } : {}) };
}

/** The whole log of a container (the wait container's report). */
export async function containerText(t: LogTarget): Promise<string> {
  const res = await open(t, {});
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
