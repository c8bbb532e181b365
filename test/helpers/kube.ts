// A real Kubernetes API server (etcd + kube-apiserver built from the Go module proxy by scripts/kube-env.sh) for
// tests: started once per test process, with our CRDs installed, stopped when the process ends (kube-env.sh's owner
// watchdog also stops it after a SIGKILL). The CRDs come from kube-env.sh's seed (etcd data of a control plane that
// had crds/ applied by kubectl, made once per content of crds/) unless a test installs them itself. It never
// skips: when the control plane cannot be built or started, startKube() rejects with the command and its stderr.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoPath } from './paths.js';

const run = promisify(execFile);

export interface KubeEnv {
  /** Path of an admin kubeconfig (token auth, system:masters). */
  readonly kubeconfig: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** The state dir (certificates, logs, etcd data). */
  readonly dir: string;
  /** http://127.0.0.1:<port>: etcd's client URL (its v3 JSON gateway answers there). */
  readonly etcd: string;
  /**
   * Compacts etcd's history up to its current revision (physically), as the API server does every 5 minutes: a
   * watch from an older resourceVersion then gets 410 Expired. Returns that revision.
   */
  compact(): Promise<number>;
  /** Runs kubectl against this server; rejects with its stderr on a non-zero exit. */
  kubectl(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<{ stdout: string; stderr: string }>;
  /** Creates a namespace unless it exists. */
  ensureNamespace(name: string): Promise<void>;
}

let started: Promise<KubeEnv> | undefined;
let pids: number[] = [];

process.on('exit', () => {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** How long a cold build of the control plane may take (once per machine; the binaries are cached). */
const BUILD_TIMEOUT_MS = Number(process.env.WEIR_KUBE_BUILD_TIMEOUT_MS ?? 60 * 60_000);

let withNode = false;
let crdMode: 'seed' | 'none' | undefined;

export interface StartKubeOptions {
  /** Also start the test node (test/helpers/kube-node.ts) so pods run. */
  node?: boolean;
  /**
   * How crds/ gets installed: 'seed' (default) starts etcd from a copy of kube-env.sh's CRD seed (applied by
   * kubectl once per content of crds/); 'none' starts without them (test/kube/crds-install installs them itself).
   */
  crds?: 'seed' | 'none';
}

/** The API server of this test process (started on first use); the first call of a process decides its options. */
export function startKube(o: StartKubeOptions = {}): Promise<KubeEnv> {
  if (started && o.node && !withNode) throw new Error('startKube({ node: true }) after the control plane was started without a node');
  const crds = o.crds ?? 'seed';
  if (started && crdMode !== crds) throw new Error(`startKube({ crds: '${crds}' }) after the control plane was started with '${crdMode}'`);
  withNode ||= o.node === true;
  crdMode = crds;
  started ??= launch(withNode, crds);
  return started;
}

async function launch(node: boolean, crds: 'seed' | 'none'): Promise<KubeEnv> {
  const script = repoPath('scripts', 'kube-env.sh');
  const args = [
    script,
    'up',
    '--print-env',
    ...(crds === 'seed' ? ['--crds'] : []),
    ...(node ? ['--with-node'] : []),
    '--owner-pid',
    String(process.pid),
  ];
  let stdout: string;
  try {
    ({ stdout } = await run('bash', args, {
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 64 << 20,
      killSignal: 'SIGKILL',
      env: { ...process.env, WEIR_NODE_BIN: process.execPath },
    }));
  } catch (e) {
    const err = e as { stderr?: string; message?: string };
    const tail = (err.stderr ?? '').split('\n').slice(-40).join('\n');
    throw new Error(`could not start the Kubernetes control plane: \`bash ${args.join(' ')}\` failed: ${err.message ?? ''}\n${tail}`, {
      cause: e,
    });
  }
  const env: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^export ([A-Z_]+)='?([^']*)'?$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
  if (!env.KUBECONFIG || !env.WEIR_KUBE_SERVER || !env.WEIR_ETCD_URL)
    throw new Error(`kube-env.sh up printed no KUBECONFIG/WEIR_KUBE_SERVER/WEIR_ETCD_URL:\n${stdout}`);
  pids = (env.WEIR_KUBE_PIDS ?? '').split(/\s+/).filter(Boolean).map(Number);
  const kubeconfig = env.KUBECONFIG;
  const kubectl = async (
    a: readonly string[],
    o: { input?: string; timeoutMs?: number } = {},
  ): Promise<{ stdout: string; stderr: string }> => {
    const child = run('kubectl', ['--kubeconfig', kubeconfig, ...a], { timeout: o.timeoutMs ?? 120_000, maxBuffer: 256 << 20 });
    if (o.input !== undefined) child.child.stdin?.end(o.input);
    try {
      return await child;
    } catch (e) {
      const err = e as { stderr?: string; message?: string };
      throw new Error(`kubectl ${a.join(' ')} failed: ${err.stderr || err.message}`, { cause: e });
    }
  };
  const ensureNamespace = async (name: string): Promise<void> => {
    await kubectl(['create', 'namespace', name]).catch((e: Error) => {
      if (!/\(AlreadyExists\)/.test(e.message)) throw e;
    });
  };
  const etcd = env.WEIR_ETCD_URL;
  const compact = async (): Promise<number> => {
    const range = await etcdCall<{ header?: { revision?: string } }>(etcd, '/v3/kv/range', { key: Buffer.from('/').toString('base64') });
    const revision = Number(range.header?.revision);
    if (!Number.isSafeInteger(revision) || revision < 1) throw new Error(`etcd answered no revision: ${JSON.stringify(range)}`);
    await etcdCall(etcd, '/v3/kv/compaction', { revision: String(revision), physical: true });
    return revision;
  };
  return { kubeconfig, server: env.WEIR_KUBE_SERVER, dir: env.WEIR_KUBE_DIR ?? '', etcd, compact, kubectl, ensureNamespace };
}

/** One call of etcd's v3 JSON gateway (gRPC over HTTP/JSON); rejects with its answer when it fails. */
async function etcdCall<T>(base: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(base + path, { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}
