// Kit for the Kubernetes-mode tests: `weir server --store kubernetes` spawned as its own process (so it can be
// SIGKILLed) against the test API server, and a small HTTP recorder that steps call (to count how often each ran).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../helpers/paths.js';
import { startKube } from '../helpers/kube.js';
import type { KubeEnv } from '../helpers/kube.js';
import { eventually } from '../helpers/eventually.js';
import { buildTestImages } from '../executor/container-env.js';

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const live = new Set<number>();
process.on('exit', () => {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

export interface Replica {
  url: string;
  pid: number;
  log(): string;
  exited(): boolean;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/** `weir server --store kubernetes ...args`; resolves once it printed its URL. */
export async function spawnReplica(kubeconfig: string, args: readonly string[]): Promise<Replica> {
  const script = `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  const all = ['server', '--store', 'kubernetes', '--kubeconfig', kubeconfig, '--port', '0', ...args];
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...all], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) live.add(child.pid);
  let err = '';
  let out = '';
  child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-400_000)));
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      if (child.pid !== undefined) live.delete(child.pid);
      r();
    }),
  );
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  let url: string;
  try {
    url = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`weir server did not start within 60 s:\n${err.slice(-3000)}`)), 60_000);
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
        reject(new Error(`weir server could not be spawned: ${e.message}`, { cause: e }));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(t);
        reject(new Error(`weir server exited with ${code ?? signal} while starting:\n${err.slice(-3000)}`));
      });
    });
  } catch (e) {
    // Every failure path (timeout, spawn error, early exit): no child is left behind to keep this process alive.
    if (alive() && child.pid !== undefined) {
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
  return {
    url,
    pid: child.pid ?? -1,
    log: () => err,
    exited: () => !alive(),
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}

/** Counts GET /<name> calls (steps `curl` it); `hits(name)` is how often each step ran. */
export async function startRecorder(): Promise<{ url: string; hits(name: string): number; close(): Promise<void> }> {
  const counts = new Map<string, number>();
  const srv = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    res.end('ok\n');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: (name) => counts.get(name) ?? 0,
    close: () =>
      new Promise((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

/**
 * The control plane with the test node (the stand-in images built first), once `namespace` has its `default`
 * ServiceAccount: pods created before it exists are refused, so every pod test starts here.
 */
export async function startPodCluster(namespace = 'default', timeoutMs = 60_000): Promise<KubeEnv> {
  buildTestImages();
  const kube = await startKube({ node: true });
  await kube.ensureNamespace(namespace);
  await eventually(
    async () =>
      await kube.kubectl(['get', 'serviceaccount', 'default', '-n', namespace]).then(
        () => true,
        () => false,
      ),
    { timeoutMs, what: `the default ServiceAccount of ${namespace}` },
  );
  return kube;
}
