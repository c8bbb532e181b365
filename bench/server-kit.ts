// Shared plumbing of the server benchmarks (ingest, trigger, throughput, bigdag, backfill): runs Weir's server in a
// child process (so the load generator in this process does not share its event loop), with manifests written to a
// temp dir and state in a temp data dir; reads the child's SQLite store read-only to see what it created and its
// /proc status for peak RSS. WEIR_BENCH_PROFILE=<dir> runs the child under `node --cpu-prof` into that dir.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export interface ChildOptions {
  /** Script next to this file (compiled .js) and its arguments. */
  script: string;
  args: string[];
  /** Name of the CPU profile when WEIR_BENCH_PROFILE is set. */
  profileName: string;
  logFile: string;
  /** A line on stdout that says the child is ready; its text after the prefix is returned. */
  readyPrefix: string;
  timeoutMs?: number;
}

export interface Child {
  proc: ChildProcess;
  ready: string;
  /** SIGTERM and wait for the exit (SIGKILL after 20 s). */
  stop(): Promise<void>;
}

let profiles = 0;

/** Starts a node child running one of the bench scripts; resolves when it prints its ready line. */
export async function startChild(o: ChildOptions): Promise<Child> {
  const prof = process.env.WEIR_BENCH_PROFILE;
  const execArgv = prof
    ? ['--cpu-prof', `--cpu-prof-dir=${resolve(prof)}`, `--cpu-prof-name=${o.profileName}-${process.pid}-${profiles++}.cpuprofile`]
    : [];
  if (prof) mkdirSync(resolve(prof), { recursive: true });
  const log = openSync(o.logFile, 'a');
  const proc = spawn(process.execPath, [...execArgv, fileURLToPath(new URL(o.script, import.meta.url)), ...o.args], {
    stdio: ['ignore', 'pipe', log],
  });
  closeSync(log);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const ready = await new Promise<string>((ok, fail) => {
    let out = '';
    const t = setTimeout(
      () => fail(new Error(`${o.script} not ready after ${o.timeoutMs ?? 30_000} ms: ${tail(o.logFile)}`)),
      o.timeoutMs ?? 30_000,
    );
    proc.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const line = out.split('\n').find((l) => l.startsWith(o.readyPrefix));
      if (line !== undefined) {
        clearTimeout(t);
        ok(line.slice(o.readyPrefix.length).trim());
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(t);
      fail(new Error(`${o.script} exited with ${code} before it was ready: ${tail(o.logFile)}`));
    });
  });
  proc.stdout?.resume();
  const stop = async (): Promise<void> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(t);
  };
  return { proc, ready, stop };
}

export function tail(file: string, chars = 2000): string {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

/** Resident-set figures of a live process from /proc (Linux), in MiB. */
export function memoryOf(pid: number): { rssMiB: number; peakRssMiB: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
  return { rssMiB: kb('VmRSS') / 1024, peakRssMiB: kb('VmHWM') / 1024 };
}

export interface WeirServer {
  url: string;
  pid: number;
  dir: string;
  dataDir: string;
  /** Read-only connection to the server's store (opened on first use). */
  db(): Database.Database;
  /** Workflows in the store (any phase, or the given one). */
  countWorkflows(phase?: string): number;
  memory(): { rssMiB: number; peakRssMiB: number };
  logTail(): string;
  stop(): Promise<void>;
}

export interface WeirServerOptions {
  name: string;
  /** YAML documents applied at start. */
  manifests?: string[];
  /** nats://… for a JetStream bus; default the embedded bus. */
  busUrl?: string;
}

/** `weir server` (startServer) in a child process with a fresh data dir. */
export async function startWeirServer(o: WeirServerOptions): Promise<WeirServer> {
  const dir = mkdtempSync(join(tmpdir(), `weir-bench-${o.name}-`));
  const dataDir = join(dir, 'data');
  const manifestDir = join(dir, 'manifests');
  mkdirSync(manifestDir, { recursive: true });
  const manifests = (o.manifests ?? []).map((text, i) => {
    const f = join(manifestDir, `m${i}.yaml`);
    writeFileSync(f, text);
    return f;
  });
  const logFile = join(dir, 'server.log');
  let child: Child;
  try {
    child = await startChild({
      script: './server-proc.js',
      args: [JSON.stringify({ dataDir, manifests, ...(o.busUrl ? { busUrl: o.busUrl } : {}) })],
      profileName: `server-${o.name}`,
      logFile,
      readyPrefix: 'READY ',
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  let db: Database.Database | undefined;
  const open = (): Database.Database => (db ??= new Database(join(dataDir, 'weir.db'), { readonly: true, fileMustExist: true }));
  const pid = child.proc.pid ?? -1;
  return {
    url: child.ready,
    pid,
    dir,
    dataDir,
    db: open,
    countWorkflows: (phase) =>
      (phase === undefined
        ? open().prepare("SELECT count(*) FROM objects WHERE kind = 'Workflow'").pluck().get()
        : open().prepare("SELECT count(*) FROM objects WHERE kind = 'Workflow' AND phase = ?").pluck().get(phase)) as number,
    memory: () => memoryOf(pid),
    logTail: () => tail(logFile),
    stop: async () => {
      db?.close();
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every `everyMs` until it returns a value other than undefined; throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Waits until an HTTP endpoint answers other than 404 / connection refused (a webhook route is active). */
export async function untilServing(url: string, timeoutMs = 30_000): Promise<void> {
  await until(
    `${url} to be served`,
    async () => {
      try {
        const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        return res.status === 404 ? undefined : true;
      } catch {
        return undefined;
      }
    },
    timeoutMs,
    100,
  );
}
