// Issue 11 item 15: `weir suspend` then `weir stop` ends the workflow (exit handler run) and `weir wait` returns;
// `weir wait` keeps waiting across a broken watch stream (here: the server restarted on the same port) instead of
// failing with "the stream ... broke off".
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WeirClient } from '../../src/cli/client.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { startServer } from '../../src/cli/server.js';
import { waitForWorkflow } from '../../src/cli/workflows.js';
import type { RunningServer } from '../../src/cli/server.js';
import { eventually } from '../e2e/events-kit.js';

const A = 'argoproj.io/v1alpha1';
const longStepWithExit = {
  apiVersion: A,
  kind: 'Workflow',
  metadata: { name: 'stopped-while-suspended' },
  spec: {
    entrypoint: 'main',
    onExit: 'bye',
    templates: [
      { name: 'main', steps: [[{ name: 'nap', template: 'nap' }], [{ name: 'after', template: 'bye' }]] },
      { name: 'nap', container: { image: 'busybox:1.36', command: ['sleep', '600'] } },
      { name: 'bye', container: { image: 'busybox:1.36', command: ['echo', 'exit handler ran'] } },
    ],
  },
};
const gated = {
  apiVersion: A,
  kind: 'Workflow',
  metadata: { name: 'gated' },
  spec: {
    entrypoint: 'main',
    templates: [
      { name: 'main', steps: [[{ name: 'gate', template: 'gate' }]] },
      { name: 'gate', suspend: {} },
    ],
  },
};

interface Served {
  srv: RunningServer;
  weir(...args: string[]): Promise<{ code: number; out: string; err: string }>;
}

async function serve(dataDir: string, port: number): Promise<Served> {
  const srv = await startServer(
    { dataDir, authToken: undefined, port, host: '127.0.0.1', manifests: [], namespace: 'default' },
    memoryIo(),
  );
  return {
    srv,
    async weir(...args) {
      const io = memoryIo({ WEIR_SERVER: srv.url });
      const code = await main(args, io);
      return { code, out: io.out, err: io.err };
    },
  };
}

const submit = async (url: string, wf: unknown): Promise<void> => {
  const r = await fetch(`${url}/api/v1/workflows/default`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: wf }),
  });
  assert.equal(r.status, 200, await r.text());
};

test('suspend then stop: the workflow ends Failed with its exit handler run, and weir wait returns', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-stop-suspended-'));
  const s = await serve(join(dir, 'data'), 0);
  try {
    await submit(s.srv.url, longStepWithExit);
    await eventually(
      async () =>
        (await s.weir('get', 'stopped-while-suspended', '-o', 'json')).out.includes('"nap"') &&
        (await s.weir('get', 'stopped-while-suspended')).out.includes('Running'),
      { timeoutMs: 30_000, everyMs: 100, what: 'the long step runs' },
    );
    assert.equal((await s.weir('suspend', '@latest')).code, 0);
    assert.equal((await s.weir('stop', '@latest')).code, 0);
    const wait = await s.weir('wait', '@latest');
    assert.match(wait.out, /^stopped-while-suspended Failed at \S+ \(Stopped with strategy 'Stop'\)\n$/);
    const wf = JSON.parse((await s.weir('get', '@latest', '-o', 'json')).out) as {
      spec: { suspend?: boolean };
      status: { nodes: Record<string, { displayName: string; phase: string }> };
    };
    const exit = Object.values(wf.status.nodes).find((n) => n.displayName === 'stopped-while-suspended.onExit');
    assert.equal(exit?.phase, 'Succeeded', 'the exit handler ran');
    assert.equal(wf.spec.suspend, undefined);
    assert.match((await s.weir('logs', '@latest')).out, /exit handler ran/);
  } finally {
    await s.srv.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('weir wait reconnects when the watch stream breaks (server restart) and reports the end', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-wait-reconnect-'));
  const dataDir = join(dir, 'data');
  let s = await serve(dataDir, 0);
  const port = Number(new URL(s.srv.url).port);
  try {
    await submit(s.srv.url, gated);
    await eventually(async () => (await s.weir('get', 'gated')).out.includes('Running'), {
      timeoutMs: 30_000,
      everyMs: 100,
      what: 'the gate waits',
    });
    // waitForWorkflow is what `weir wait`, `--wait` and `weir watch` use; onUpdate tells when it has read the
    // workflow and is about to watch, so the restart below cuts its stream (or its connection) for sure.
    let phases: string[] = [];
    let readOnce!: () => void;
    const hasRead = new Promise<void>((r) => (readOnce = r));
    const client = new WeirClient({ server: s.srv.url, token: undefined, namespace: 'default' });
    const waiting = waitForWorkflow(client, 'default', 'gated', (wf) => {
      phases.push(wf.status?.phase ?? '');
      readOnce();
    });
    await hasRead;
    await s.srv.stop();
    s = await serve(dataDir, port);
    assert.equal((await s.weir('resume', 'gated')).code, 0);
    const wf = await waiting;
    assert.equal(wf.status?.phase, 'Succeeded');
    phases = phases.filter((p, i) => p !== phases[i - 1]);
    assert.deepEqual(phases, ['Running', 'Succeeded']);
    // And the verb itself on the finished workflow.
    const r = await s.weir('wait', 'gated');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^gated Succeeded at /);
  } finally {
    await s.srv.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
