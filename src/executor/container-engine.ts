// Finding a container engine for the container executor: the socket named by options or WEIR_CONTAINER_HOST /
// DOCKER_HOST, else podman's and Docker's standard sockets. When podman is installed but no socket answers, Weir
// starts `podman system service` itself on podman's standard socket (detached, no idle timeout, so it outlives a
// restart of Weir like the systemd socket unit would). No engine usable: ENGINE_UNAVAILABLE saying what was tried.
import { sleep } from '../core/clock.js';
import { spawn } from 'node:child_process';
import { connects } from '../core/connects.js';
import { accessSync, constants, existsSync, mkdirSync, openSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { EngineApi } from './container-api.js';
import type { EngineVersion } from './container-api.js';

export const PODMAN_SOCKET = '/run/podman/podman.sock';
export const DOCKER_SOCKET = '/var/run/docker.sock';

export interface Engine {
  api: EngineApi;
  /** e.g. `podman 4.3.1` or `docker 27.1.0`. */
  description: string;
  isPodman: boolean;
  /** True when this process started the podman service. */
  started: boolean;
}

export interface ConnectOptions {
  /** A unix socket path or `unix://` URL; when set, only it is tried. */
  socket?: string;
  /** Start `podman system service` when podman is installed and nothing answers (default true). */
  startPodman?: boolean;
  /** Where the started service's output goes (a file path); default: discarded. */
  serviceLog?: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  signal?: AbortSignal;
}

function socketPathOf(s: string): string {
  return s.startsWith('unix://') ? s.slice('unix://'.length) : s;
}

async function probe(path: string, signal?: AbortSignal, pingMs = 10_000): Promise<Engine | undefined> {
  if (!existsSync(path)) return undefined;
  const api = new EngineApi(path);
  try {
    // `_ping` answers at once; `/version` can take seconds on a loaded machine (podman gathers host info).
    await api.call({ path: '/_ping', signal: AbortSignal.any([AbortSignal.timeout(pingMs), ...(signal ? [signal] : [])]) });
    const v = await api.call<EngineVersion>({
      path: '/version',
      signal: AbortSignal.any([AbortSignal.timeout(120_000), ...(signal ? [signal] : [])]),
    });
    const podman = (v.Components ?? []).some((c) => /podman/i.test(c.Name));
    return { api, description: `${podman ? 'podman' : 'docker'} ${v.Version}`, isPodman: podman, started: false };
  } catch {
    api.close();
    return undefined;
  }
}

const connected = new Map<string, Promise<Engine>>();

/**
 * Connects to an engine (see the file comment for the search order). One connection per socket choice and
 * process: executors created later (a reopened executor, a second controller) share it.
 */
export function connectEngine(o: ConnectOptions = {}): Promise<Engine> {
  const key = o.socket ?? (o.env ?? process.env).WEIR_CONTAINER_HOST ?? '';
  let p = connected.get(key);
  if (!p) {
    p = findEngine(o);
    connected.set(key, p);
    p.catch(() => connected.delete(key));
  }
  return p;
}

async function findEngine(o: ConnectOptions): Promise<Engine> {
  const env = o.env ?? process.env;
  const explicit = o.socket ?? env.WEIR_CONTAINER_HOST;
  const tried: string[] = [];
  const candidates = explicit
    ? [socketPathOf(explicit)]
    : [...(env.DOCKER_HOST?.startsWith('unix://') ? [socketPathOf(env.DOCKER_HOST)] : []), PODMAN_SOCKET, DOCKER_SOCKET];
  for (const c of candidates) {
    const e = await probe(c, o.signal);
    if (e) return e;
    tried.push(c);
  }
  const podman = findOnPath('podman', env.PATH);
  const target = explicit ? socketPathOf(explicit) : PODMAN_SOCKET;
  // A service that accepts connections but did not answer in time is busy (a loaded machine), not absent: wait for
  // it instead of starting a second service on its socket (which would take the socket over and orphan the first).
  if (await accepts(target)) {
    const e = await probe(target, o.signal, 120_000);
    if (e) return e;
  }
  if (podman !== undefined && o.startPodman !== false) {
    o.logger?.info({ socket: target }, 'no container engine answers; starting podman system service');
    const e = await startPodmanService(podman, target, o);
    if (e) return e;
    tried.push(`podman system service on ${target}`);
  }
  const hint =
    podman === undefined
      ? 'install podman (scripts/container-env.sh) or start Docker'
      : 'check `podman info` (scripts/container-env.sh writes the containers.conf these machines need)';
  throw new WeirError('ENGINE_UNAVAILABLE', `no container engine answers (tried ${tried.join(', ')}); ${hint}`);
}

async function startPodmanService(podman: string, socket: string, o: ConnectOptions): Promise<Engine | undefined> {
  try {
    mkdirSync(dirname(socket), { recursive: true });
    if (o.serviceLog) mkdirSync(dirname(o.serviceLog), { recursive: true });
    const out = o.serviceLog ? openSync(o.serviceLog, 'a') : 'ignore';
    // cwd '/': the service outlives this process, and one whose working directory is later removed (a temp or
    // checkout dir Weir was started from) fails every container start with "write child: broken pipe".
    const child = spawn(podman, ['system', 'service', '--time=0', `unix://${socket}`], {
      cwd: '/',
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.on('error', () => undefined);
    child.unref();
  } catch (e) {
    o.logger?.warn({ err: errorMessage(e) }, 'cannot start podman system service');
    return undefined;
  }
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (o.signal?.aborted) throw new WeirError('CANCELLED', 'connecting to the container engine was cancelled');
    const e = await probe(socket, o.signal);
    if (e) return { ...e, started: true };
    await sleep(100, o.signal);
  }
  return undefined;
}

/** Whether something listens on the unix socket (a connection is accepted). */
function accepts(path: string): Promise<boolean> {
  if (!existsSync(path)) return Promise.resolve(false);
  return connects({ path, timeout: 10_000 });
}

/** Default log file of a podman service Weir starts for a data dir. */
export function serviceLogFor(dataDir: string): string {
  return join(dataDir, 'podman-service.log');
}

function findOnPath(name: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? '/usr/bin:/bin').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}
