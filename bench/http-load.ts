// Load generators of the HTTP benchmarks: `cannon` drives autocannon (keep-alive connections, fixed duration) and
// reports accepted requests per second with latency percentiles; `postAll` sends a fixed list of JSON bodies with a
// bounded number in flight over keep-alive sockets and records when each one was sent and answered.
import { request, Agent } from 'node:http';
import autocannon from 'autocannon';
import type { Measurement } from './types.js';

export interface CannonOptions {
  url: string;
  connections: number;
  durationSec: number;
  body: string;
  headers?: Record<string, string>;
}

/** 2xx responses per second over the run, with p50/p99 latency (ms) and the error counts as figures. */
export async function cannon(o: CannonOptions): Promise<Measurement> {
  const r = await autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationSec,
    method: 'POST',
    body: o.body,
    headers: { 'content-type': 'application/json', ...(o.headers ?? {}) },
    timeout: 10,
  });
  const seconds = (r.finish.getTime() - r.start.getTime()) / 1000;
  return {
    value: r['2xx'] / seconds,
    figures: { p50Ms: r.latency.p50, p99Ms: r.latency.p99, requests: r['2xx'] + r.non2xx, non2xx: r.non2xx, errors: r.errors },
  };
}

export interface Posted {
  sentAt: number;
  /** performance.now() when the response ended; NaN when it failed. */
  doneAt: number;
  status: number;
}

/** POSTs every body to `url`, `inFlight` at a time over keep-alive sockets; times are performance.now(). */
export async function postAll(url: string, bodies: readonly string[], inFlight: number): Promise<Posted[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: inFlight });
  const out: Posted[] = new Array<Posted>(bodies.length);
  let next = 0;
  const one = (i: number): Promise<void> =>
    new Promise((done) => {
      const sentAt = performance.now();
      const req = request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(bodies[i]) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            out[i] = { sentAt, doneAt: performance.now(), status: res.statusCode ?? 0 };
            done();
          });
        },
      );
      req.on('error', () => {
        out[i] = { sentAt, doneAt: NaN, status: 0 };
        done();
      });
      req.end(bodies[i]);
    });
  await Promise.all(
    Array.from({ length: Math.min(inFlight, bodies.length) }, async () => {
      while (next < bodies.length) await one(next++);
    }),
  );
  agent.destroy();
  return out;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
