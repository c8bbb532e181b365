// Test kit for the server verbs: a real `weir server` in-process (SQLite store, host executor, controller) on a free
// port with a temp data dir, a `weir(...)` helper that runs verbs through main() with memoryIo, one that spawns the
// CLI as a process, and manifests written to temp files.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as stringifyYaml } from 'yaml';
import { startServer } from '../../src/cli/server.js';
import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';
import { repoRoot } from '../helpers/paths.js';

export interface Result {
  code: number;
  out: string;
  err: string;
}

export interface VerbKit {
  url: string;
  dir: string;
  /** Runs `weir ARGS` in-process against this server. */
  weir(...args: string[]): Promise<Result>;
  /** Same, with extra environment. */
  weirEnv(env: Record<string, string>, ...args: string[]): Promise<Result>;
  /** Writes YAML documents to a temp file; returns its path. */
  manifest(name: string, ...docs: unknown[]): Promise<string>;
  fetchJson(path: string): Promise<unknown>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startVerbKit(opts: { token?: string } = {}): Promise<VerbKit> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-verbs-'));
  const serverIo = memoryIo();
  const srv = await startServer(
    { dataDir: join(dir, 'data'), authToken: opts.token, port: 0, host: '127.0.0.1', manifests: [], namespace: 'default' },
    serverIo,
  );
  const weirEnv = async (env: Record<string, string>, ...args: string[]): Promise<Result> => {
    const io = memoryIo({ WEIR_SERVER: srv.url, NO_COLOR: '1', ...env }, repoRoot);
    const code = await main(args, io);
    return { code, out: io.out, err: io.err };
  };
  return {
    url: srv.url,
    dir,
    weir: (...args) => weirEnv(opts.token ? { WEIR_AUTH_TOKEN: opts.token } : {}, ...args),
    weirEnv,
    async manifest(name, ...docs) {
      const p = join(dir, name);
      await writeFile(p, docs.map((d) => stringifyYaml(d)).join('---\n'));
      return p;
    },
    async fetchJson(path) {
      const r = await fetch(srv.url + path, { headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {} });
      return r.json();
    },
    async [Symbol.asyncDispose]() {
      await srv.stop();
      // Host steps outlive a stopped server by design: one may still be writing into its step dir while it is
      // removed (ENOTEMPTY), so the removal is retried.
      await rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
    },
  };
}

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Runs the CLI as its own process (like bin/weir.js, but from this build's output). */
export function spawnWeir(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const script = `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

const say = {
  name: 'say',
  inputs: { parameters: [{ name: 'm' }] },
  container: { image: 'alpine', command: ['echo', '{{inputs.parameters.m}}'] },
};
const step = (name: string, m: string): unknown[] => [{ name, template: 'say', arguments: { parameters: [{ name: 'm', value: m }] } }];

/** The acceptance workflow: three steps in sequence, each echoing a word. */
export const threeSteps = (generateName = 'three-'): Record<string, unknown> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { generateName },
  spec: {
    entrypoint: 'main',
    templates: [{ name: 'main', steps: [step('one', 'first'), step('two', 'second'), step('three', 'third')] }, say],
  },
});

/** A workflow that waits at a suspend step (until resumed), then echoes. */
export const gated = (name: string): Record<string, unknown> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name },
  spec: {
    entrypoint: 'main',
    templates: [
      { name: 'main', steps: [[{ name: 'approve', template: 'gate' }], step('after', 'approved')] },
      { name: 'gate', suspend: {} },
      say,
    ],
  },
});

/** A workflow whose only step exits 3. */
export const failing = (name: string): Record<string, unknown> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name },
  spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['sh', '-c', 'echo boom; exit 3'] } }] },
});
