// Starts a real `nats-server -js` for integration tests: free client and monitor ports on 127.0.0.1, a temp store
// dir, readiness by polling the monitor's /healthz. stop()/restart() keep the same port and store dir (tests stop the
// bus mid-stream); close() stops and removes the dir. A missing binary is a loud error, never a skip.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServerOptions {
  /** Store dir to use (kept on close); default a new temp dir that close() removes. */
  storeDir?: string;
  /** Extra nats-server arguments. */
  args?: string[];
  /** How long to wait for readiness. Default 15 s. */
  startTimeoutMs?: number;
  /** The nats-server binary. Default WEIR_NATS_SERVER, else `nats-server` on PATH. */
  binary?: string;
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly storeDir: string;
  /** True while the process runs. */
  running(): boolean;
  /** SIGTERM and wait for the exit (the store dir is kept). Idempotent. */
  stop(): Promise<void>;
  /** Starts again on the same port and store dir and waits until ready. */
  restart(): Promise<void>;
  /** SIGKILL and wait for the exit (no clean shutdown). */
  kill(): Promise<void>;
  /** Stops and removes the temp store dir. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const BINARY = process.env.WEIR_NATS_SERVER ?? 'nats-server';
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Binds port 0 on 127.0.0.1 and releases it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * The newer nats-server that scripts/nats-env.sh builds (fast-ingest batches need 2.14+): WEIR_NATS_SERVER when set
 * (a missing binary is then a loud error), else the cached build when present, else undefined.
 */
export function newerNatsServerBinary(): string | undefined {
  if (process.env.WEIR_NATS_SERVER !== undefined) return process.env.WEIR_NATS_SERVER;
  const cached = join(process.env.WEIR_CACHE ?? join(homedir(), '.cache', 'weir'), 'nats', `v${NEWER_NATS_VERSION}`, 'nats-server');
  return existsSync(cached) ? cached : undefined;
}

/** The version scripts/nats-env.sh builds by default. */
export const NEWER_NATS_VERSION = '2.15.3';

/** The running server's version, from its monitor port (/varz). */
export async function natsServerVersion(server: NatsServer): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${server.monitorPort}/varz`, { signal: AbortSignal.timeout(5000) });
  const v = ((await res.json()) as { version?: unknown }).version;
  if (typeof v !== 'string') throw new Error('nats-server /varz has no version');
  return v;
}

function missingBinary(binary: string): Error {
  return new Error(
    `${binary} was not found on PATH. The bus integration tests need a real NATS server: install the Debian package ` +
      `"nats-server" (apt-get install -y nats-server) or set WEIR_NATS_SERVER to the binary.`,
  );
}

async function healthy(monitorPort: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function startNatsServer(opts: NatsServerOptions = {}): Promise<NatsServer> {
  const ownDir = opts.storeDir === undefined;
  const storeDir = opts.storeDir ?? (await mkdtemp(join(tmpdir(), 'weir-nats-')));
  let port = await freePort();
  let monitorPort = await freePort();
  const startTimeoutMs = opts.startTimeoutMs ?? 15_000;
  const binary = opts.binary ?? BINARY;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const launch = async (): Promise<void> => {
    output = '';
    const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-sd', storeDir, ...(opts.args ?? [])];
    const c = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    live.add(c);
    const keep = (b: Buffer): void => {
      output = (output + b.toString()).slice(-8000);
    };
    c.stdout?.on('data', keep);
    c.stderr?.on('data', keep);
    let exitCode: number | null | undefined;
    let spawnError: Error | undefined;
    exited = new Promise<void>((resolve) => {
      c.once('error', (e: NodeJS.ErrnoException) => {
        spawnError = e.code === 'ENOENT' ? missingBinary(binary) : e;
        live.delete(c);
        resolve();
      });
      c.once('exit', (code) => {
        exitCode = code;
        live.delete(c);
        resolve();
      });
    });
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (spawnError) throw spawnError;
      if (exitCode !== undefined) throw new Error(`nats-server exited with code ${exitCode} while starting:\n${output}`);
      if (await healthy(monitorPort)) return;
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        throw new Error(`nats-server did not become healthy on port ${port} within ${startTimeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return exited;
    c.kill(signal);
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };

  // A port released by freePort() can be taken by another connection before nats-server binds it: on the first
  // start only, try again on fresh ports. (restart() must keep the port clients already know.)
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (e) {
      if (attempt >= 5 || !/address already in use/i.test((e as Error).message)) throw e;
      port = await freePort();
      monitorPort = await freePort();
    }
  }
  const stop = (): Promise<void> => end('SIGTERM');
  const close = async (): Promise<void> => {
    await stop();
    if (ownDir) await rm(storeDir, { recursive: true, force: true });
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    storeDir,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    stop,
    kill: () => end('SIGKILL'),
    restart: async () => {
      await stop();
      await launch();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
