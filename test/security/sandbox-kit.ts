// Test kit of the sandbox attacks (test/security/*): a real `weir server` in-process (SQLite store in a temp data dir,
// host executor with bubblewrap, controller) run by this process's user (root here, as in the reported attacks), and
// helpers to submit a Workflow through the REST API and wait for its end.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../../src/cli/io.js';
import { startServer } from '../../src/cli/server.js';
import type { NodeStatus, WorkflowStatus } from '../../src/controller/types.js';
import type { ServerConfig } from '../../src/core/config.js';

export interface FinishedWorkflow {
  metadata: { name: string; uid: string };
  status: WorkflowStatus;
}

export interface SandboxKit {
  url: string;
  /** Temp dir holding the data dir (`<dir>/data`) and anything the test puts next to it. */
  dir: string;
  dataDir: string;
  /** POSTs a Workflow without waiting: the HTTP status and the parsed body. */
  submit(wf: Record<string, unknown>): Promise<{ status: number; body: { code?: string; message?: string } }>;
  /** Submits a Workflow (JSON body through the API) and resolves with it once its phase is final. */
  run(wf: Record<string, unknown>): Promise<FinishedWorkflow>;
  /** The server's stderr so far. */
  serverLog(): string;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * `base`: where the temp dir goes (default the OS temp dir). Steps see a private /tmp, so a data dir under /tmp is
 * out of their sight anyway: attacks on the data dir put it elsewhere (e.g. /var/tmp, as ./.weir would be).
 */
export async function startSandboxKit(extra: Partial<ServerConfig> = {}, base = tmpdir()): Promise<SandboxKit> {
  const dir = await mkdtemp(join(base, 'weir-security-'));
  const dataDir = join(dir, 'data');
  const io = memoryIo({}, dir);
  const srv = await startServer(
    { dataDir, authToken: undefined, port: 0, host: '127.0.0.1', manifests: [], namespace: 'default', ...extra },
    io,
  );
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const r = await fetch(srv.url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
    return JSON.parse(text) as unknown;
  };
  return {
    url: srv.url,
    dir,
    dataDir,
    async submit(wf) {
      const r = await fetch(`${srv.url}/api/v1/workflows/default`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ workflow: wf }),
      });
      return { status: r.status, body: (await r.json()) as { code?: string; message?: string } };
    },
    async run(wf) {
      const created = (await api('POST', '/api/v1/workflows/default', { workflow: wf })) as FinishedWorkflow;
      const name = created.metadata.name;
      for (let i = 0; i < 1200; i++) {
        const got = (await api('GET', `/api/v1/workflows/default/${name}`)) as FinishedWorkflow;
        if (['Succeeded', 'Failed', 'Error'].includes(String(got.status?.phase))) return got;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`workflow ${name} did not finish`);
    },
    serverLog: () => io.err,
    async [Symbol.asyncDispose]() {
      await srv.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A one-step Workflow running `sh -c script` (a container template), with optional extras on the template/spec. */
export function shellWorkflow(
  script: string,
  opts: { container?: Record<string, unknown>; spec?: Record<string, unknown>; outputs?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'attack-' },
    spec: {
      entrypoint: 'main',
      ...opts.spec,
      templates: [
        {
          name: 'main',
          container: { image: 'alpine', command: ['sh', '-c', script], ...opts.container },
          ...(opts.outputs ? { outputs: opts.outputs } : {}),
        },
      ],
    },
  };
}

/** The single Pod node of a finished one-step workflow. */
export function podNode(wf: FinishedWorkflow): NodeStatus {
  const n = Object.values(wf.status.nodes ?? {}).find((x) => x.type === 'Pod');
  assert.ok(n, `no Pod node in ${JSON.stringify(wf.status)}`);
  return n;
}

/** Output parameter `name` of the single Pod node. */
export function outputParam(wf: FinishedWorkflow, name: string): string {
  const p = podNode(wf).outputs?.parameters?.find((x) => x.name === name);
  assert.ok(p?.value !== undefined, `no output ${name}: ${JSON.stringify(podNode(wf))}`);
  return String(p.value);
}
