// Runs Argo's e2e example workflows through Weir and prints one row per example (name, phase, seconds, message).
//
// Which examples (the rule, from Argo's test/e2e/examples_test.go): every document of kind Workflow in every
// *.yaml/*.yml/*.json file under the checkout's examples/ (recursively) whose metadata.labels lack
// `workflows.argoproj.io/no-test`; the suite submits each and waits for it to be Succeeded. Before that it applies
// every ConfigMap, PersistentVolumeClaim, WorkflowTemplate and ClusterWorkflowTemplate found in those files; so do we
// (Secrets and the artifact-repositories ConfigMap come from Argo's quick-start manifests, see below). "Host-runnable"
// then leaves out the examples that cannot succeed on one machine without a cluster or the internet: a `resource`
// template (acts on Kubernetes objects through its API) or an `http` template whose URL is not on this machine. They
// are listed as skipped with the reason (`--all` runs them anyway). Argo's e2e setup configures a default artifact
// repository (MinIO, S3): we start s3rver in-process with bucket `my-bucket` and register the `artifact-repositories`
// ConfigMap with keys `default-v1` (the default) and `my-key` on it, with `archiveLogs: true` and the `my-minio-cred`
// Secret, as Argo's quick-start does. `--artifact-repository FILE` uses that repository (YAML) for both keys instead.
//
// Usage (after `npx tsc -p .`): node dist/scripts/argo-examples.js --argo DIR [--executor host|container|pod]
//   [--server URL [--token T] [--namespace NS] [--kubeconfig F]] [--timeout S] [--jobs N] [--only SUBSTRING]... [--all]
//   [--list]
// --kubeconfig (a server with the Kubernetes store and the pod executor): the examples' PersistentVolumeClaims are
// created in that cluster with kubectl, as Argo's e2e suite does (pods mount them there; weir apply keeps no PVCs).
// Local mode runs `weir run --executor E` per example; --server submits to a running Weir server (any store) and polls
// it. Example files are read from DIR and written only to a temporary directory, never into this repository.
// Exit 0 when every selected example Succeeded.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stringify as stringifyYaml } from 'yaml';
import { startS3rver } from '../test/helpers/s3rver.js';
import { selectExamples, type Doc, type Example } from './argo-examples-select.js';

const repo = fileURLToPath(new URL('../../', import.meta.url)); // compiled to dist/scripts/
const weir = join(repo, 'bin', 'weir.js');

const { values } = parseArgs({
  options: {
    argo: { type: 'string' },
    executor: { type: 'string', default: 'host' },
    server: { type: 'string' },
    token: { type: 'string' },
    namespace: { type: 'string', default: 'default' },
    timeout: { type: 'string', default: '300' },
    jobs: { type: 'string', default: '2' },
    only: { type: 'string', multiple: true },
    all: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
    'artifact-repository': { type: 'string' },
    kubeconfig: { type: 'string' },
  },
});
if (!values.argo) {
  process.stderr.write('usage: node dist/scripts/argo-examples.js --argo DIR [options] (see the header of scripts/argo-examples.ts)\n');
  process.exit(2);
}
const timeoutMs = Number(values.timeout) * 1000;
const jobs = Math.max(1, Number(values.jobs));

interface Row {
  id: string;
  phase: string;
  seconds: number;
  message: string;
}

type Status = {
  phase?: string;
  message?: string;
  nodes?: Record<string, { displayName?: string; phase?: string; message?: string; type?: string }>;
};

const GROUPS = new Set(['Steps', 'DAG', 'StepGroup', 'TaskGroup', 'Retry']);

/** The workflow's message, else the first failed step's (not a group's "child ... failed"), so a row says why. */
function why(status: Status | undefined): string {
  const failed = Object.values(status?.nodes ?? {}).find(
    (n) => (n.phase === 'Failed' || n.phase === 'Error') && n.message && !GROUPS.has(n.type ?? ''),
  );
  if (failed) return `${failed.displayName}: ${failed.message}`;
  return status?.message ?? '';
}

function repositoryText(s3: { endpoint: string } | undefined): string {
  if (values['artifact-repository']) return readFileSync(values['artifact-repository'], 'utf8');
  const endpoint = s3!.endpoint.replace(/^http:\/\//, '');
  return stringifyYaml({
    archiveLogs: true,
    s3: {
      bucket: 'my-bucket',
      endpoint,
      insecure: true,
      accessKeySecret: { name: 'my-minio-cred', key: 'accesskey' },
      secretKeySecret: { name: 'my-minio-cred', key: 'secretkey' },
    },
  });
}

/** The documents registered before any example runs: the examples' applied kinds plus the repository set-up. */
function clusterDocs(applied: readonly Doc[], repoText: string, server: boolean): Doc[] {
  const docs: Doc[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'artifact-repositories',
        annotations: { 'workflows.argoproj.io/default-artifact-repository': 'default-v1' },
      },
      data: { 'default-v1': repoText, 'my-key': repoText },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'my-minio-cred' }, stringData: { accesskey: 'S3RVER', secretkey: 'S3RVER' } },
  ];
  // weir run and weir apply register ConfigMaps and templates; a PVC is a Kubernetes object they do not manage.
  for (const d of applied) if (d.kind !== 'PersistentVolumeClaim' || !server) docs.push(d);
  return docs;
}

function runCommand(command: string, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (e) => resolve({ code: null, stderr: e.message }));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function runProcess(args: string[], signal: AbortSignal): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [weir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    let kill: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      child.kill('SIGTERM'); // weir run removes its steps' containers on the way out
      kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.on('close', (code) => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

function lastLine(s: string): string {
  return (
    s
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('weir: step executor'))
      .at(-1) ?? ''
  );
}

async function runLocal(ex: Example, dir: string, clusterFile: string): Promise<Omit<Row, 'id' | 'seconds'>> {
  const wfFile = join(dir, `${ex.id.replace(/[^A-Za-z0-9.-]/g, '_')}.yaml`);
  writeFileSync(wfFile, stringifyYaml(ex.workflow));
  const signal = AbortSignal.timeout(timeoutMs);
  const r = await runProcess(['run', '--executor', values.executor, '-o', 'json', clusterFile, wfFile], signal);
  if (signal.aborted) return { phase: 'Timeout', message: `no end within ${values.timeout} s; ${lastLine(r.stderr)}` };
  try {
    const wf = JSON.parse(r.stdout) as { status?: Status };
    return { phase: wf.status?.phase ?? 'Unknown', message: why(wf.status) };
  } catch {
    return { phase: r.code === 2 ? 'Invalid' : 'NoOutput', message: lastLine(r.stderr) };
  }
}

async function api(path: string, init: RequestInit = {}): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (values.token) headers.authorization = `Bearer ${values.token}`;
  const res = await fetch(`${values.server!.replace(/\/$/, '')}${path}`, { ...init, headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text === '' ? undefined : JSON.parse(text);
}

async function runServer(ex: Example): Promise<Omit<Row, 'id' | 'seconds'>> {
  const ns = values.namespace;
  const created = (await api(`/api/v1/workflows/${ns}`, { method: 'POST', body: JSON.stringify({ workflow: ex.workflow }) })) as Doc;
  const name = String(created.metadata?.name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const wf = (await api(`/api/v1/workflows/${ns}/${name}`)) as { status?: Status };
    const phase = wf.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Error') return { phase, message: `${name}: ${why(wf.status)}` };
    if (Date.now() > deadline) {
      await api(`/api/v1/workflows/${ns}/${name}`, { method: 'DELETE' }).catch(() => undefined);
      return { phase: 'Timeout', message: `${name}: no end within ${values.timeout} s (deleted)` };
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function table(rows: readonly Row[]): string {
  const w = Math.max(4, ...rows.map((r) => r.id.length));
  const line = (a: string, b: string, c: string, d: string): string => `${a.padEnd(w)}  ${b.padEnd(12)}  ${c.padStart(7)}  ${d}`;
  return [
    line('NAME', 'PHASE', 'SECONDS', 'MESSAGE'),
    ...rows.map((r) => line(r.id, r.phase, r.seconds.toFixed(1), r.message.replace(/\s+/g, ' ').slice(0, 160))),
  ].join('\n');
}

async function main(): Promise<number> {
  const sel = selectExamples(values.argo!);
  const picked = sel.examples.filter((e) => !values.only || values.only.some((o) => e.id.includes(o)));
  const toRun = picked.filter((e) => !e.excluded || (values.all && e.excluded.kind === 'cluster-only'));
  const skipped = picked.filter((e) => !toRun.includes(e));
  if (values.list) {
    for (const e of picked) process.stdout.write(`${e.id}\t${e.excluded ? `skip (${e.excluded.reason})` : 'run'}\n`);
    process.stdout.write(`${toRun.length} to run, ${skipped.length} skipped\n`);
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), 'weir-argo-examples-'));
  const s3 = values['artifact-repository'] ? undefined : await startS3rver({ buckets: ['my-bucket'] });
  try {
    const docs = clusterDocs(sel.applied, repositoryText(s3), values.server !== undefined);
    const clusterFile = join(dir, 'cluster.yaml');
    writeFileSync(clusterFile, docs.map((d) => stringifyYaml(d)).join('---\n'));
    if (values.server) {
      const r = await runProcess(
        ['apply', '--server', values.server, '-n', values.namespace, '-f', clusterFile, ...(values.token ? ['--token', values.token] : [])],
        AbortSignal.timeout(120_000),
      );
      if (r.code !== 0) throw new Error(`weir apply of the examples' templates and ConfigMaps failed: ${lastLine(r.stderr)}`);
      const claims = sel.applied.filter((d) => d.kind === 'PersistentVolumeClaim');
      if (values.kubeconfig && claims.length > 0) {
        const claimsFile = join(dir, 'claims.yaml');
        writeFileSync(claimsFile, claims.map((d) => stringifyYaml(d)).join('---\n'));
        const k = await runCommand('kubectl', ['--kubeconfig', values.kubeconfig, 'apply', '-n', values.namespace, '-f', claimsFile]);
        if (k.code !== 0) throw new Error(`kubectl apply of the examples' PersistentVolumeClaims failed: ${lastLine(k.stderr)}`);
      }
    }
    const mode = values.server ? `server ${values.server}` : `weir run --executor ${values.executor}`;
    process.stderr.write(`argo-examples: ${toRun.length} examples, ${mode}, ${jobs} at a time, timeout ${values.timeout} s\n`);
    const rows: Row[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < toRun.length) {
        const ex = toRun[next++];
        const t0 = performance.now();
        const r = await (values.server ? runServer(ex) : runLocal(ex, dir, clusterFile)).catch((e: unknown) => ({
          phase: 'HarnessError',
          message: e instanceof Error ? e.message : String(e),
        }));
        const row = { id: ex.id, ...r, seconds: (performance.now() - t0) / 1000 };
        rows.push(row);
        process.stderr.write(`  ${row.phase.padEnd(10)} ${row.seconds.toFixed(1).padStart(6)} s  ${row.id}\n`);
      }
    };
    await Promise.all(Array.from({ length: jobs }, worker));
    rows.sort((a, b) => toRun.findIndex((e) => e.id === a.id) - toRun.findIndex((e) => e.id === b.id));
    for (const e of skipped) rows.push({ id: e.id, phase: 'Skipped', seconds: 0, message: e.excluded?.reason ?? 'not selected' });
    process.stdout.write(table(rows) + '\n');
    const ok = rows.filter((r) => r.phase === 'Succeeded').length;
    const noTest = skipped.filter((e) => e.excluded?.kind === 'no-test').length;
    const cluster = skipped.filter((e) => e.excluded?.kind === 'cluster-only').length;
    process.stdout.write(
      `\nSucceeded ${ok} of ${toRun.length} run (${mode}); skipped: ${noTest} labelled no-test, ${cluster} cluster-only\n`,
    );
    const failed = rows.filter((r) => r.phase !== 'Succeeded' && r.phase !== 'Skipped');
    if (failed.length > 0) process.stdout.write(`Not Succeeded: ${failed.map((r) => `${r.id} (${r.phase})`).join(', ')}\n`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
