// The test node's kubelet log endpoint: the API server proxies pods/log to
// https://<node address>:<kubelet port>/containerLogs/<namespace>/<pod>/<container>?... and this serves it from the
// container's CRI-format log file (podman's k8s-file driver writes `<time> <stream> <P|F> <text>` lines, the format a
// kubelet reads), with the kubelet's query parameters: follow, timestamps, sinceTime, sinceSeconds, tailLines,
// limitBytes and stream (Stdout|Stderr|All).
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';

export interface LogSource {
  /** The log file of a container, or undefined when the container is unknown here. */
  logFile(namespace: string, pod: string, container: string): string | undefined;
  /** True once the container has exited (a follow ends when the file is read to the end after that). */
  exited(namespace: string, pod: string, container: string): boolean;
}

interface Rec {
  time: string;
  ms: number;
  stream: 'stdout' | 'stderr';
  text: string;
  full: boolean;
}

/** `2026-01-02T03:04:05.123456789+00:00` -> RFC 3339 with nanoseconds in UTC, as the kubelet prints it. */
function utc(t: string): string {
  if (t.endsWith('+00:00')) return `${t.slice(0, -6)}Z`;
  if (t.endsWith('Z')) return t;
  const frac = /\.(\d+)/.exec(t)?.[1] ?? '';
  const iso = new Date(t).toISOString();
  return frac.length > 3 ? `${iso.slice(0, 19)}.${frac}Z` : iso;
}

function parse(line: string): Rec | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  if (a < 0 || b < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const time = utc(line.slice(0, a));
  return { time, ms: new Date(time).getTime(), stream, text: line.slice(b + 3), full: line.slice(b + 1, b + 2) !== 'P' };
}

interface Query {
  follow: boolean;
  timestamps: boolean;
  sinceMs?: number;
  tail?: number;
  limit?: number;
  stream: 'stdout' | 'stderr' | 'all';
}

function parseQuery(u: URL): Query {
  const q: Query = {
    follow: u.searchParams.get('follow') === 'true',
    timestamps: u.searchParams.get('timestamps') === 'true',
    stream: (u.searchParams.get('stream') ?? 'All').toLowerCase() as Query['stream'],
  };
  const since = u.searchParams.get('sinceTime');
  if (since) q.sinceMs = new Date(since).getTime();
  const secs = u.searchParams.get('sinceSeconds');
  if (secs) q.sinceMs = Date.now() - Number(secs) * 1000;
  const tail = u.searchParams.get('tailLines');
  if (tail) q.tail = Number(tail);
  const limit = u.searchParams.get('limitBytes');
  if (limit) q.limit = Number(limit);
  return q;
}

/** Reads complete records from `file` starting at byte `from`; returns them and the offset after the last full line. */
async function readRecords(file: string, from: number): Promise<{ recs: Rec[]; next: number }> {
  const buf = await readFile(file).catch(() => Buffer.alloc(0));
  const end = buf.lastIndexOf(0x0a);
  if (end < from) return { recs: [], next: from };
  const recs = buf
    .subarray(from, end)
    .toString('utf8')
    .split('\n')
    .map(parse)
    .filter((r): r is Rec => r !== undefined);
  return { recs, next: end + 1 };
}

/** Joins partial records of a stream into lines (the first record's time stamps the line). */
class Lines {
  private pending: Record<string, Rec | undefined> = {};
  push(r: Rec): Rec | undefined {
    const p = this.pending[r.stream];
    const merged = p ? { ...p, text: p.text + r.text, full: r.full } : r;
    this.pending[r.stream] = merged.full ? undefined : merged;
    return merged.full ? merged : undefined;
  }
  rest(): Rec[] {
    const out = Object.values(this.pending).filter((r): r is Rec => r !== undefined);
    this.pending = {};
    return out;
  }
}

async function serve(src: LogSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const u = new URL(req.url ?? '/', 'https://node');
  const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(u.pathname);
  if (!m) {
    res.writeHead(404).end('not found');
    return;
  }
  const [ns, pod, container] = [m[1], m[2], m[3]].map(decodeURIComponent);
  const file = src.logFile(ns, pod, container);
  if (!file) {
    res.writeHead(404).end(`container ${container} of ${ns}/${pod} is not on this node`);
    return;
  }
  const q = parseQuery(u);
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  let sent = 0;
  const keep = (r: Rec): boolean => (q.stream === 'all' || r.stream === q.stream) && (q.sinceMs === undefined || r.ms >= q.sinceMs);
  const write = (r: Rec, newline: boolean): boolean => {
    let s = `${q.timestamps ? `${r.time} ` : ''}${r.text}${newline ? '\n' : ''}`;
    if (q.limit !== undefined) {
      if (sent >= q.limit) return false;
      s = Buffer.from(s)
        .subarray(0, q.limit - sent)
        .toString('utf8');
    }
    sent += Buffer.byteLength(s);
    res.write(s);
    return true;
  };
  const lines = new Lines();
  let { recs, next } = await readRecords(file, 0);
  const first = recs.map((r) => lines.push(r)).filter((r): r is Rec => r !== undefined && keep(r));
  const exitedBefore = src.exited(ns, pod, container);
  const atEnd = exitedBefore && !q.follow ? lines.rest().filter(keep) : [];
  const initial = [...first, ...atEnd];
  const shown = q.tail !== undefined ? initial.slice(Math.max(0, initial.length - q.tail)) : initial;
  for (const r of shown) if (!write(r, r.full)) break;
  if (q.follow) {
    let closed = false;
    req.on('close', () => (closed = true));
    for (;;) {
      if (closed) break;
      const exited = src.exited(ns, pod, container);
      ({ recs, next } = await readRecords(file, next));
      for (const r of recs) {
        const l = lines.push(r);
        if (l && keep(l)) write(l, true);
      }
      if (exited) {
        for (const r of lines.rest()) if (keep(r)) write(r, false);
        break;
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }
  res.end();
}

export async function startLogServer(src: LogSource, tls: { cert: Buffer; key: Buffer }): Promise<{ server: Server; port: number }> {
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    serve(src, req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, port: (server.address() as AddressInfo).port };
}
