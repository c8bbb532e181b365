// `weir server` (or any verb) of this build as a child process, as bin/weir.js runs it, for tests that SIGKILL it:
// resolves once it printed its URL ("listening on URL"). On every failure to start (timeout, spawn error, early exit)
// the child is killed, so none is left to keep the test process alive; children still running when the test process
// exits are SIGKILLed.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './paths.js';

export interface WeirChild {
  url: string;
  pid: number;
  /** Its stderr so far (the last `keepBytes`). */
  log(): string;
  exited(): boolean;
  /** SIGTERM (graceful), SIGKILL after 15 s. */
  stop(): Promise<void>;
  /** SIGKILL: no drain, no flush. */
  kill(): Promise<void>;
}

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function spawnWeirChild(args: readonly string[], o: { startTimeoutMs: number; keepBytes: number }): Promise<WeirChild> {
  const script = `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let err = '';
  let out = '';
  child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-o.keepBytes)));
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      live.delete(child);
      r();
    }),
  );
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  let url: string;
  try {
    // A liveness bound, not a speed check: on the shared 2-core machine under load a start has taken over 30 s.
    url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`weir ${args[0]} did not start within ${o.startTimeoutMs / 1000} s:\n${err.slice(-3000)}`)),
        o.startTimeoutMs,
      );
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /listening on (\S+)/.exec(out);
        if (m) {
          clearTimeout(t);
          resolve(m[1]);
        }
      });
      child.once('error', (e) => {
        clearTimeout(t);
        reject(new Error(`weir ${args[0]} could not be spawned: ${e.message}`, { cause: e }));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(t);
        reject(new Error(`weir ${args[0]} exited with ${code ?? signal} while starting:\n${err.slice(-3000)}`));
      });
    });
  } catch (e) {
    if (alive()) {
      child.kill('SIGKILL');
      await exited;
    }
    child.stdout.destroy();
    child.stderr.destroy();
    throw e;
  }
  const end = async (sig: NodeJS.Signals): Promise<void> => {
    if (!alive()) return exited;
    child.kill(sig);
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  };
  return { url, pid: child.pid ?? -1, log: () => err, exited: () => !alive(), stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}
