// Starts a real server binary (mosquitto, redis-server, rabbitmq-server) as a child process on free ports for
// integration tests: temp dir, readiness by polling a probe, kill()/restart() on the same ports and data, close()
// stops it and removes the dir. A missing binary or a server that does not come up is a loud error, never a skip.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServerProcessOptions {
  /** Shown in errors, e.g. "mosquitto". */
  name: string;
  command: string;
  /** The Debian package that provides the command (for the error when it is missing). */
  debianPackage: string;
  /** Arguments, given the temp dir (called again on restart). */
  args: (dir: string) => string[];
  env?: (dir: string) => Record<string, string>;
  /** Resolves true once the server accepts work. */
  ready: () => Promise<boolean>;
  /** Default 20 s (RabbitMQ: longer). */
  startTimeoutMs?: number;
  /** Prepares the temp dir before the first start (config files). */
  prepare?: (dir: string) => Promise<void>;
}

export interface ServerProcess {
  readonly dir: string;
  running(): boolean;
  /** SIGTERM and wait for the exit. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
  /** Starts again (same ports and data dir) and waits until ready. */
  restart(): Promise<void>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) killGroup(c, 'SIGKILL');
});

/** True when a TCP connection to 127.0.0.1:port opens. */
export function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(false));
  });
}

export async function startServerProcess(o: ServerProcessOptions): Promise<ServerProcess> {
  const dir = await mkdtemp(join(tmpdir(), `weir-${o.name}-`));
  await o.prepare?.(dir);
  const timeout = o.startTimeoutMs ?? 20_000;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const launch = async (): Promise<void> => {
    output = '';
    const c = spawn(o.command, o.args(dir), {
      cwd: dir,
      env: { ...process.env, ...(o.env?.(dir) ?? {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
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
        spawnError =
          e.code === 'ENOENT'
            ? new Error(
                `${o.command} was not found: the integration tests need a real ${o.name}; install the Debian package "${o.debianPackage}" (apt-get install -y ${o.debianPackage})`,
              )
            : e;
        live.delete(c);
        resolve();
      });
      c.once('exit', (code) => {
        exitCode = code;
        live.delete(c);
        resolve();
      });
    });
    const deadline = Date.now() + timeout;
    for (;;) {
      if (spawnError) throw spawnError;
      if (exitCode !== undefined) throw new Error(`${o.name} exited with code ${exitCode} while starting:\n${output}`);
      if (await o.ready()) return;
      if (Date.now() > deadline) {
        killGroup(c, 'SIGKILL');
        throw new Error(`${o.name} did not become ready within ${timeout} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return exited;
    killGroup(c, signal);
    const t = setTimeout(() => killGroup(c, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  };
  await launch();
  const close = async (): Promise<void> => {
    await end('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  };
  return {
    dir,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    restart: async () => {
      await end('SIGTERM');
      await launch();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Signals the child's whole process group (rabbitmq-server is a shell script that starts the Erlang VM). */
function killGroup(c: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (c.pid !== undefined) process.kill(-c.pid, signal);
  } catch {
    c.kill(signal);
  }
}
