// A small client for the Docker Engine API over a unix socket (node:http with a keep-alive agent): the dozen
// endpoints the container executor needs, answered alike by Docker's daemon and podman's compatible service.
// Chosen over dockerode: we need ~12 calls, dockerode pulls in docker-modem and ssh2 (whose install script builds
// an optional native module), and podman's own endpoints (pods) are not in it anyway.
import { Agent, request } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { sleep } from '../core/clock.js';
import { WeirError, errorMessage } from '../core/errors.js';

export interface EngineRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD';
  /** Path and query, e.g. `/containers/abc/json`. */
  path: string;
  /** JSON body (objects) or raw body (a tar archive for PUT /archive). */
  json?: unknown;
  body?: Buffer | Readable;
  contentType?: string;
  signal?: AbortSignal;
}

/** An answer the engine gave with a non-2xx status; `status` is the HTTP status. */
export class EngineStatusError extends WeirError {
  override readonly name = 'EngineStatusError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(status === 404 ? 'NOT_FOUND' : status === 409 ? 'CONFLICT' : 'STEP_FAILED', message, { details: { status } });
  }
}

export class EngineApi {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 128 });
  constructor(readonly socketPath: string) {}

  /** Sends a request and returns the raw response (any status); the caller consumes the body. */
  raw(req: EngineRequest): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      let payload: Buffer | Readable | undefined = req.body;
      if (req.json !== undefined) {
        payload = Buffer.from(JSON.stringify(req.json));
        headers['content-type'] = 'application/json';
      } else if (req.contentType) headers['content-type'] = req.contentType;
      if (Buffer.isBuffer(payload)) headers['content-length'] = String(payload.length);
      const r = request(
        { socketPath: this.socketPath, agent: this.agent, method: req.method ?? 'GET', path: req.path, headers, signal: req.signal },
        resolve,
      );
      r.on('error', (e) => {
        if (req.signal?.aborted) reject(new WeirError('CANCELLED', 'engine request cancelled', { cause: e }));
        else reject(new WeirError('ENGINE_UNAVAILABLE', `container engine at ${this.socketPath}: ${errorMessage(e)}`, { cause: e }));
      });
      if (payload === undefined) r.end();
      else if (Buffer.isBuffer(payload)) r.end(payload);
      else payload.pipe(r);
    });
  }

  /** Sends a request and parses a JSON answer; non-2xx answers throw EngineStatusError with the engine's message. */
  async call<T>(req: EngineRequest): Promise<T> {
    const res = await this.raw(req);
    const text = (await readAll(res)).toString('utf8');
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300)
      throw new EngineStatusError(status, `${req.method ?? 'GET'} ${req.path.split('?')[0]}: ${engineMessage(text) || `HTTP ${status}`}`);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  /** Like raw() but throws on a non-2xx status (with the engine's message); 404 → undefined when `missingOk`. */
  async stream(req: EngineRequest, missingOk = false): Promise<IncomingMessage | undefined> {
    const res = await this.raw(req);
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) return res;
    const text = (await readAll(res)).toString('utf8');
    if (missingOk && status === 404) return undefined;
    throw new EngineStatusError(status, `${req.method ?? 'GET'} ${req.path.split('?')[0]}: ${engineMessage(text) || `HTTP ${status}`}`);
  }

  close(): void {
    this.agent.destroy();
  }
}

function engineMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown; cause?: unknown };
    return typeof j.message === 'string' ? j.message : text.trim();
  } catch {
    return text.trim();
  }
}

export async function readAll(s: AsyncIterable<unknown>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** `?a=1&b=x` from an object (undefined values left out). */
export function query(q: Record<string, string | number | boolean | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

/** The subset of `GET /containers/{id}/json` the executor reads. */
export interface ContainerInspect {
  Id: string;
  Name: string;
  Created: string;
  State: {
    Status: string;
    Running: boolean;
    ExitCode: number;
    OOMKilled: boolean;
    Error?: string;
    StartedAt: string;
    FinishedAt: string;
    Pid?: number;
  };
  Config: { Labels?: Record<string, string> | null; Image?: string; Entrypoint?: string[] | string | null };
  LogPath?: string;
  HostConfig?: { Memory?: number };
  NetworkSettings?: { IPAddress?: string; Networks?: Record<string, { IPAddress?: string }> | null };
  /** Storage of the container; podman's overlay driver names its upper directory (the container's `/`). */
  GraphDriver?: { Name?: string; Data?: Record<string, string> | null };
}

/** The subset of `GET /images/{name}/json` the executor reads. */
export interface ImageInspect {
  Id: string;
  Config?: { Entrypoint?: string[] | null; Cmd?: string[] | null; WorkingDir?: string; User?: string; Env?: string[] | null } | null;
}

export interface EngineVersion {
  Version: string;
  ApiVersion?: string;
  Components?: { Name: string; Version: string }[];
}

/**
 * The container's inspect, or undefined when there is none. podman can fail an inspect of a container that is just
 * exiting ("read /proc/N/cgroup: no such process"): that is asked again a few times.
 */
export async function inspectContainer(api: EngineApi, name: string): Promise<ContainerInspect | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await api.call<ContainerInspect>({ path: `/containers/${name}/json` });
    } catch (e) {
      if (e instanceof EngineStatusError && e.status === 404) return undefined;
      if (attempt < 3 && e instanceof EngineStatusError && /no such process/.test(e.message)) {
        await sleep(50);
        continue;
      }
      throw e;
    }
  }
}

/**
 * The container `name` once it reaches the state `ok`, within about 5 s, else undefined. For the creates and starts
 * that race on one name: podman reserves a name before its create has landed, so for a while the name is taken and
 * an inspect still finds nothing.
 */
export async function untilContainer(
  api: EngineApi,
  name: string,
  ok: (c: ContainerInspect) => boolean,
): Promise<ContainerInspect | undefined> {
  for (let i = 0; i < 100; i++) {
    const c = await inspectContainer(api, name);
    if (c && ok(c)) return c;
    await sleep(50);
  }
  return undefined;
}
