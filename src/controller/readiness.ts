// A daemon step's readinessProbe, as the kubelet runs it: dependants of a `daemon: true` step go on only once its
// probe passed (Argo waits for the daemon pod to be Ready). httpGet (2xx/3xx) and tcpSocket against the step's
// address; after initialDelaySeconds, every periodSeconds (default 10), each try bounded by timeoutSeconds (default
// 1). exec and grpc probes are not run here: such a step counts as ready once it runs, as without a probe.
// node:http and node:https are imported on the first probe: an ESM import of node:http costs ~35 ms of start-up (it
// loads Node's bundled undici for its WebSocket getters), which `weir run` of a plain workflow skips (this module
// itself is loaded on first use, see step-tracker.ts).
import { connects } from '../core/connects.js';

export type ReadinessProbe = Record<string, unknown>;

interface Probe {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  attempt: (host: string, timeoutMs: number) => Promise<boolean>;
}

function seconds(v: unknown, dflt: number): number {
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : dflt * 1000;
}

function port(v: unknown): number | undefined {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined; // named ports are not resolved
}

function httpAttempt(get: Record<string, unknown>): Probe['attempt'] | undefined {
  const p = port(get.port);
  if (p === undefined) return undefined;
  const https = typeof get.scheme === 'string' && get.scheme.toUpperCase() === 'HTTPS';
  const path = typeof get.path === 'string' && get.path !== '' ? get.path : '/';
  const headers: Record<string, string> = {};
  if (Array.isArray(get.httpHeaders))
    for (const h of get.httpHeaders as { name?: unknown; value?: unknown }[])
      if (typeof h?.name === 'string') headers[h.name] = typeof h.value === 'string' ? h.value : '';
  return async (host, timeoutMs) => {
    const { request } = https ? await import('node:https') : await import('node:http');
    return new Promise((resolve) => {
      const req = request(
        {
          host: typeof get.host === 'string' && get.host !== '' ? get.host : host,
          port: p,
          path,
          headers,
          timeout: timeoutMs,
          rejectUnauthorized: false,
        },
        (res) => {
          res.resume();
          resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
  };
}

function tcpAttempt(tcp: Record<string, unknown>): Probe['attempt'] | undefined {
  const p = port(tcp.port);
  if (p === undefined) return undefined;
  return (host, timeoutMs) =>
    connects({ host: typeof tcp.host === 'string' && tcp.host !== '' ? tcp.host : host, port: p, timeout: timeoutMs });
}

/** The probe this controller can run, or undefined (no probe, or only kinds it does not run). */
export function compileProbe(probe: ReadinessProbe | undefined): Probe | undefined {
  if (!probe) return undefined;
  const obj = (v: unknown): Record<string, unknown> | undefined =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const http = obj(probe.httpGet);
  const tcp = obj(probe.tcpSocket);
  const attempt = http ? httpAttempt(http) : tcp ? tcpAttempt(tcp) : undefined;
  if (!attempt) return undefined;
  return {
    initialDelayMs: seconds(probe.initialDelaySeconds, 0),
    periodMs: Math.max(1000, seconds(probe.periodSeconds, 10)),
    timeoutMs: Math.max(1000, seconds(probe.timeoutSeconds, 1)),
    attempt,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves true once the probe passes against `host`, false when `signal` aborts first (the step ended). */
export async function waitReady(probe: Probe, host: string, signal: AbortSignal): Promise<boolean> {
  await sleep(probe.initialDelayMs, signal);
  while (!signal.aborted) {
    if (await probe.attempt(host, probe.timeoutMs)) return !signal.aborted;
    await sleep(probe.periodMs, signal);
  }
  return false;
}
