// Crash safety with the container executor: kill -9 `weir server --executor container` while a step's container
// runs, start the server again on the same data dir, and the step is adopted (its container keeps running and
// its end is collected), not run a second time; the workflow ends Succeeded and its containers are removed on delete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../helpers/paths.js';
import { buildTestImages } from '../executor/container-env.js';
import { eventually } from './kit.js';

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function server(dataDir: string, allowHostPath: string): { out: () => string; kill: (s: NodeJS.Signals) => void; exit: Promise<unknown> } {
  const script = `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      script,
      'server',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--executor',
      'container',
      '--allow-host-path',
      `${allowHostPath}:rw`,
    ],
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
}

test('container executor: kill -9 of the server mid-step, restart: the step is adopted, not re-run', async () => {
  buildTestImages();
  const dir = await mkdtemp(join(tmpdir(), 'weir-kill9-ctr-'));
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
    metadata: { name: 'survivor-ctr' },
    spec: {
      entrypoint: 'main',
      volumes: [{ name: 'shared', hostPath: { path: shared, type: 'DirectoryOrCreate' } }],
      templates: [
        { name: 'main', steps: [[step('one', '0')], [step('two', '6')], [step('three', '0')]] },
        {
          name: 'work',
          inputs: { parameters: [{ name: 'n' }, { name: 's' }] },
          container: {
            image: 'alpine:3.23',
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
    const url1 = await eventually(() => /listening on (http:\/\/\S+)/.exec(first.out())?.[1], { timeoutMs: 120_000 });
    assert.match(first.out(), /step executor: container \(podman /);
    const res = await fetch(`${url1}/api/v1/workflows/default`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: wf }),
    });
    assert.equal(res.status, 200, await res.text());
    await eventually(() => existsSync(log) && readFileSync(log, 'utf8').includes('start two'), { timeoutMs: 120_000 }).catch(
      async (e: unknown) => {
        const w = await (await fetch(`${url1}/api/v1/workflows/default/survivor-ctr`)).text();
        throw new Error(`step two did not start: ${String(e)}\n${w}\n${first.out()}`);
      },
    );
    first.kill('SIGKILL');
    await first.exit;
    second = server(join(dir, 'data'), shared);
    const url2 = await eventually(() => /listening on (http:\/\/\S+)/.exec(second?.out() ?? '')?.[1], { timeoutMs: 120_000 });
    const done = await eventually(
      async () => {
        const w = (await (await fetch(`${url2}/api/v1/workflows/default/survivor-ctr`)).json()) as {
          status?: { phase?: string; nodes: Record<string, Node> };
        };
        const phase = w.status?.phase;
        if (phase === 'Failed' || phase === 'Error') throw new Error(`workflow ${phase}: ${JSON.stringify(w.status)}`);
        return phase === 'Succeeded' ? w.status : undefined;
      },
      { timeoutMs: 180_000 },
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
    const del = await fetch(`${url2}/api/v1/workflows/default/survivor-ctr`, { method: 'DELETE' });
    assert.equal(del.status, 200);
  } finally {
    first.kill('SIGKILL');
    second?.kill('SIGTERM');
    await second?.exit;
    await rm(dir, { recursive: true, force: true });
  }
});
