// Issue 11 item 23: stopping `npm start` (SIGTERM to npm, as a process manager or `kill` does) stops the server it
// started; no `node bin/weir.js server` is left behind re-parented to PID 1. Item 24: neither `npm start` nor
// `npx weir --version` prints a warning (npm's "Unknown project config", Node's process warnings such as the AWS
// SDK's Node-version notice).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../e2e/events-kit.js';
import { freePort } from '../helpers/nats-server.js';
import { repoRoot } from '../helpers/paths.js';

/** Lines of npm's warnings (`npm warn ...`) and of Node's process warnings (`(node:PID) SomeWarning: ...`). */
const warnings = (out: string): string[] => out.split('\n').filter((l) => /^npm warn/i.test(l) || /\(node:\d+\) \w*Warning/.test(l));

/** Every descendant pid of `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number): void => {
    let kids: number[];
    try {
      kids = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return;
    }
    for (const k of kids) {
      out.push(k);
      visit(k);
    }
  };
  visit(pid);
  return out;
}

/** Field 22 of /proc/<pid>/stat (start time): tells a process from a later one that reused its pid. */
const startTicks = (pid: number): string | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
};

/** Whether the process first seen with `ticks` still runs (pids wrap quickly on a busy machine: 32768 here). */
const alive = (pid: number, ticks: string | undefined): boolean => ticks !== undefined && startTicks(pid) === ticks;

test('SIGTERM to npm start stops the weir server it started', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-npm-start-'));
  const port = await freePort();
  const npm = spawn('npm', ['start'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WEIR_PORT: String(port), WEIR_DATA_DIR: join(dir, 'data') },
  });
  let log = '';
  npm.stdout.on('data', (d: Buffer) => (log += d.toString()));
  npm.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const npmExited = new Promise<void>((r) => npm.once('exit', () => r()));
  let servers: { pid: number; ticks: string | undefined }[] = [];
  try {
    await eventually(
      async () =>
        await fetch(`http://127.0.0.1:${port}/api/v1/version`).then(
          (r) => r.ok,
          () => false,
        ),
      { timeoutMs: 60_000, everyMs: 100, what: 'the server answers' },
    );
    // The first match in pre-order is the server (its own children, forked for steps, come after it).
    const first = descendants(npm.pid!).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('weir.js\0server'));
    assert.ok(first !== undefined, 'a weir server runs under npm start');
    assert.deepEqual(warnings(log), [], 'npm start printed warnings');
    servers = [{ pid: first, ticks: startTicks(first) }];
    process.kill(npm.pid!, 'SIGTERM');
    await npmExited;
    await eventually(() => !alive(servers[0].pid, servers[0].ticks), {
      timeoutMs: 30_000,
      everyMs: 100,
      what: `the server (pid ${servers[0].pid}) exits after npm does`,
    });
    await eventually(
      async () =>
        await fetch(`http://127.0.0.1:${port}/api/v1/version`).then(
          () => false,
          () => true,
        ),
      { timeoutMs: 10_000, everyMs: 100, what: 'the port is closed' },
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- npm start output ---\n${log.slice(-3000)}`, { cause: e });
  } finally {
    for (const p of servers) if (alive(p.pid, p.ticks)) process.kill(p.pid, 'SIGKILL');
    // Only while npm itself still runs: once it has exited, its group id may belong to an unrelated process.
    if (npm.exitCode === null && npm.signalCode === null) {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(dir, { recursive: true, force: true });
  }
});

test('npx weir --version prints the version and no warning', async () => {
  const { stdout, stderr } = await promisify(execFile)('npx', ['weir', '--version'], { cwd: repoRoot, timeout: 60_000 });
  assert.match(stdout, /^weir \d+\.\d+\.\d+/);
  assert.deepEqual(warnings(stdout + stderr), []);
});
