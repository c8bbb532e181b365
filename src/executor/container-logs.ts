// Step logs of the container executor, read from the engine's log file of the container (podman's k8s-file or
// Docker's json-file, whose stamps have nanosecond precision; podman 4's logs endpoint rounds them to seconds), with
// the engine's logs endpoint as the fallback when the file is not readable from here. Also the stdout tail (`result`).
import { open } from 'node:fs/promises';
import { WeirError } from '../core/errors.js';
import { query } from './container-api.js';
import type { ContainerInspect, EngineApi } from './container-api.js';
import type { LogLine, LogsOptions } from './types.js';
import { STDOUT_TAIL_BYTES } from './types.js';

interface LogRecord {
  time: Date;
  stream: 'stdout' | 'stderr';
  text: string;
  /** True when the record ends a line (k8s-file `F`, json-file text ending in a newline). */
  full: boolean;
}

/** Parses one line of a k8s-file (`<time> <stream> <P|F> <text>`) or json-file log; undefined when malformed. */
function parseRecord(line: string): LogRecord | undefined {
  if (line.startsWith('{')) {
    try {
      const j = JSON.parse(line) as { log?: string; stream?: string; time?: string };
      if (typeof j.log !== 'string' || (j.stream !== 'stdout' && j.stream !== 'stderr')) return undefined;
      const full = j.log.endsWith('\n');
      return { time: new Date(j.time ?? 0), stream: j.stream, text: full ? j.log.slice(0, -1) : j.log, full };
    } catch {
      return undefined;
    }
  }
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const flag = line.slice(b + 1, b + 2);
  return { time: new Date(line.slice(0, a)), stream, text: line.slice(b + 3), full: flag !== 'P' };
}

/** Turns records into lines: partial records are joined to the next full record of the same stream. */
class LineAssembler {
  private readonly pending: Record<'stdout' | 'stderr', { time: Date; parts: string[] } | undefined> = {
    stdout: undefined,
    stderr: undefined,
  };

  push(r: LogRecord): LogLine | undefined {
    const p = this.pending[r.stream] ?? { time: r.time, parts: [] };
    p.parts.push(r.text);
    if (!r.full) {
      this.pending[r.stream] = p;
      return undefined;
    }
    this.pending[r.stream] = undefined;
    return { time: p.time, stream: r.stream, line: p.parts.join('') };
  }

  /** Lines left without their newline at the end of the log. */
  flush(): LogLine[] {
    const out: LogLine[] = [];
    for (const s of ['stdout', 'stderr'] as const) {
      const p = this.pending[s];
      if (p) out.push({ time: p.time, stream: s, line: p.parts.join('') });
      this.pending[s] = undefined;
    }
    return out.sort((x, y) => x.time.getTime() - y.time.getTime());
  }
}

export interface LogFileSource {
  path: string;
  /** True once the container has exited (all it wrote is then in the file). */
  finished(): Promise<boolean>;
}

/** Log lines from the engine's log file; follows until the container ends when asked. */
export async function* readLogFile(src: LogFileSource, opts: LogsOptions = {}): AsyncGenerator<LogLine> {
  const since = opts.since?.getTime();
  const asm = new LineAssembler();
  const fh = await open(src.path, 'r');
  try {
    let pos = 0;
    let rest = '';
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      if (opts.signal?.aborted) return;
      const ended = opts.follow === true ? await src.finished() : true;
      let got = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        got += bytesRead;
        const text = rest + buf.toString('utf8', 0, bytesRead);
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) {
          const r = parseRecord(l);
          const line = r ? asm.push(r) : undefined;
          if (line && (since === undefined || line.time.getTime() >= since)) yield line;
          if (opts.signal?.aborted) return;
        }
      }
      if (ended && got === 0) break;
      if (!ended && got === 0) await pause(50, opts.signal);
    }
    for (const line of asm.flush()) if (since === undefined || line.time.getTime() >= since) yield line;
  } finally {
    await fh.close();
  }
}

/** The raw bytes the step wrote to stdout (last STDOUT_TAIL_BYTES), from the log file. */
export async function stdoutTailFromFile(path: string): Promise<string> {
  const fh = await open(path, 'r');
  const parts: Buffer[] = [];
  let size = 0;
  try {
    let rest = '';
    let pos = 0;
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const lines = (rest + buf.toString('utf8', 0, bytesRead)).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        const r = parseRecord(l);
        if (!r || r.stream !== 'stdout') continue;
        const b = Buffer.from(r.full ? `${r.text}\n` : r.text);
        parts.push(b);
        size += b.length;
        while (parts.length > 1 && size - parts[0].length >= STDOUT_TAIL_BYTES) size -= (parts.shift() as Buffer).length;
      }
    }
  } finally {
    await fh.close();
  }
  const all = Buffer.concat(parts);
  return all.subarray(Math.max(0, all.length - STDOUT_TAIL_BYTES)).toString('utf8');
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Demultiplexes the engine's logs stream (8-byte frame headers: stream, size) into timestamped lines. */
export async function* readLogApi(api: EngineApi, id: string, opts: LogsOptions = {}): AsyncGenerator<LogLine> {
  const res = await api.stream(
    {
      path: `/containers/${id}/logs${query({ stdout: 1, stderr: 1, timestamps: 1, follow: opts.follow === true ? 1 : undefined })}`,
      signal: opts.signal,
    },
    true,
  );
  if (!res) throw new WeirError('NOT_FOUND', `container ${id} is gone`);
  const since = opts.since?.getTime();
  const asm = new LineAssembler();
  let buf = Buffer.alloc(0);
  try {
    for await (const chunk of res) {
      buf = Buffer.concat([buf, chunk as Buffer]);
      while (buf.length >= 8) {
        const size = buf.readUInt32BE(4);
        if (buf.length < 8 + size) break;
        const stream = buf[0] === 2 ? 'stderr' : 'stdout';
        const payload = buf.subarray(8, 8 + size).toString('utf8');
        buf = buf.subarray(8 + size);
        for (const piece of payload.split(/(?<=\n)/)) {
          const sp = piece.indexOf(' ');
          const full = piece.endsWith('\n');
          const line = asm.push({ time: new Date(piece.slice(0, sp)), stream, text: piece.slice(sp + 1, full ? -1 : undefined), full });
          if (line && (since === undefined || line.time.getTime() >= since)) yield line;
        }
      }
    }
  } catch (e) {
    if (!opts.signal?.aborted) throw e;
    return;
  }
  for (const line of asm.flush()) if (since === undefined || line.time.getTime() >= since) yield line;
}

/** The stdout tail (`result`) of a stopped container: from its log file, else from the engine's logs endpoint. */
export async function stdoutTailOf(api: EngineApi, name: string, c: ContainerInspect): Promise<string> {
  if (c.LogPath) {
    try {
      return await stdoutTailFromFile(c.LogPath);
    } catch {
      // not readable from here: the engine's endpoint below
    }
  }
  const parts: string[] = [];
  for await (const l of readLogApi(api, name)) if (l.stream === 'stdout') parts.push(`${l.line}\n`);
  return parts.join('').slice(-256 * 1024);
}

/** A container's log lines (followed while it runs when asked): its log file when readable, else the endpoint. */
export async function* containerLines(api: EngineApi, name: string, c: ContainerInspect, opts: LogsOptions): AsyncGenerator<LogLine> {
  if (c.LogPath) {
    let ended = !c.State.Running;
    let gen: AsyncGenerator<LogLine> | undefined;
    let first: IteratorResult<LogLine> | undefined;
    try {
      const waiter =
        ended || opts.follow !== true
          ? undefined
          : api.call({ method: 'POST', path: `/containers/${name}/wait${query({ condition: 'not-running' })}`, signal: opts.signal });
      waiter?.then(
        () => (ended = true),
        () => (ended = true),
      );
      gen = readLogFile({ path: c.LogPath, finished: () => Promise.resolve(ended) }, opts);
      first = await gen.next();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'EACCES') throw e;
      gen = undefined; // not readable from here: the engine's endpoint below
    }
    if (gen && first) {
      try {
        if (first.done) return;
        yield first.value;
        yield* gen;
      } finally {
        await gen.return(undefined);
      }
      return;
    }
  }
  yield* readLogApi(api, name, opts);
}
