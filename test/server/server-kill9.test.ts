// Crash safety of `weir server` as a user sees it: kill -9 the server while the second of three steps sleeps,
// start it again on the same data dir, and the workflow finishes Succeeded with every step run exactly once
// (each step appends to a shared host directory) and node timestamps in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../helpers/paths.js';
import { eventually } from './kit.js';

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function server(dataDir: string, allowHostPath: string): { out: () => string; kill: (s: NodeJS.Signals) => void; exit: Promise<unknown> } {
  const script = `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', script, 'server', '--port', '0', '--data-dir', dataDir, '--allow-host-path', `${allowHostPath}:rw`],
    { cwd: repoRoot },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return { out: () => out, kill: (s) => child.kill(s), exit: new Promise((r) => child.on('close', r)) };
}

interface Node {
  displayName: string;
  type: string;
  phase: string;
  startedAt?: string;
  finishedAt?: string;
}

test('kill -9 mid-workflow, restart: Succeeded, each step ran once, timestamps coherent', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-kill9-'));
  const shared = join(dir, 'shared');
  const log = join(shared, 'log');
  const step = (name: string, sleep: string) => ({
    name,
    template: 'work',
    arguments: {
      parameters: [
        { name: 'n', value: name },
        { name: 's', value: sleep },
      ],
    },
  });
  const wf = {
    metadata: { name: 'survivor' },
    spec: {
      entrypoint: 'main',
      volumes: [{ name: 'shared', hostPath: { path: shared, type: 'DirectoryOrCreate' } }],
      templates: [
        { name: 'main', steps: [[step('one', '0')], [step('two', '4')], [step('three', '0')]] },
        {
          name: 'work',
          inputs: { parameters: [{ name: 'n' }, { name: 's' }] },
          container: {
            image: 'alpine',
            command: [
              'sh',
              '-c',
              'echo "start $0" >> /shared/log; sleep "$1"; echo "end $0" >> /shared/log',
              '{{inputs.parameters.n}}',
              '{{inputs.parameters.s}}',
            ],
            volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
          },
        },
      ],
    },
  };
  const first = server(join(dir, 'data'), shared);
  let second: ReturnType<typeof server> | undefined;
  try {
    const url1 = await eventually(() => /listening on (http:\/\/\S+)/.exec(first.out())?.[1], { timeoutMs: 30_000 });
    const res = await fetch(`${url1}/api/v1/workflows/default`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: wf }),
    });
    assert.equal(res.status, 200, await res.text());
    await eventually(() => existsSync(log) && readFileSync(log, 'utf8').includes('start two'), { timeoutMs: 60_000 }).catch(
      async (e: unknown) => {
        const w = await (await fetch(`${url1}/api/v1/workflows/default/survivor`)).text();
        throw new Error(`step two did not start: ${String(e)}\n${w}\n${first.out()}`);
      },
    );
    first.kill('SIGKILL');
    await first.exit;
    second = server(join(dir, 'data'), shared);
    const url2 = await eventually(() => /listening on (http:\/\/\S+)/.exec(second?.out() ?? '')?.[1], { timeoutMs: 30_000 });
    const done = await eventually(
      async () => {
        const w = (await (await fetch(`${url2}/api/v1/workflows/default/survivor`)).json()) as {
          status?: { phase?: string; startedAt: string; finishedAt: string; nodes: Record<string, Node> };
        };
        const phase = w.status?.phase;
        if (phase === 'Failed' || phase === 'Error') throw new Error(`workflow ${phase}: ${JSON.stringify(w.status)}`);
        return phase === 'Succeeded' ? w.status : undefined;
      },
      { timeoutMs: 60_000 },
    );
    assert.deepEqual((await readFile(log, 'utf8')).trim().split('\n'), [
      'start one',
      'end one',
      'start two',
      'end two',
      'start three',
      'end three',
    ]);
    const pods = Object.values(done?.nodes ?? {}).filter((n) => n.type === 'Pod');
    assert.deepEqual(pods.map((n) => n.displayName).sort(), ['one', 'three', 'two'], 'no retry nodes, no second run');
    const t = (s: string | undefined): number => Date.parse(s ?? '');
    const byName = new Map(pods.map((n) => [n.displayName, n]));
    for (const n of pods) assert.ok(t(n.startedAt) <= t(n.finishedAt), `${n.displayName} starts before it ends`);
    assert.ok(
      t(byName.get('one')?.finishedAt) <= t(byName.get('two')?.startedAt) &&
        t(byName.get('two')?.finishedAt) <= t(byName.get('three')?.startedAt),
    );
    assert.ok(t(done?.startedAt) <= t(byName.get('one')?.startedAt) && t(byName.get('three')?.finishedAt) <= t(done?.finishedAt) + 1000);
  } finally {
    first.kill('SIGKILL');
    second?.kill('SIGTERM');
    await second?.exit;
    await rm(dir, { recursive: true, force: true });
  }
});
