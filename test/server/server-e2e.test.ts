// `weir server` end to end: spawns the CLI with a temp data dir on a free port, submits a 3-step workflow over HTTP,
// polls until it Succeeded, reads it and its logs back, and checks the security defaults (a non-loopback host needs a
// token; with a token, requests without it get 401). Stops it with SIGTERM and expects a clean exit.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../helpers/paths.js';
import { eventually } from './kit.js';

const mainJs = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

interface Proc {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

function weir(args: string[], env: Record<string, string> = {}): Proc {
  const script = `import(${JSON.stringify(mainJs)}).then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, out: () => out, err: () => err, exit };
}

const steps = {
  metadata: { generateName: 'three-' },
  spec: {
    entrypoint: 'main',
    templates: [
      {
        name: 'main',
        steps: [
          [{ name: 'one', template: 'say', arguments: { parameters: [{ name: 'm', value: 'first' }] } }],
          [{ name: 'two', template: 'say', arguments: { parameters: [{ name: 'm', value: 'second' }] } }],
          [{ name: 'three', template: 'say', arguments: { parameters: [{ name: 'm', value: 'third' }] } }],
        ],
      },
      {
        name: 'say',
        inputs: { parameters: [{ name: 'm' }] },
        container: { image: 'alpine', command: ['echo', '{{inputs.parameters.m}}'] },
      },
    ],
  },
};

describe('weir server (spawned)', () => {
  test('runs a submitted 3-step workflow to Succeeded and serves it and its logs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-server-e2e-'));
    const p = weir(['server', '--port', '0', '--data-dir', join(dir, 'data')]);
    try {
      const url = await eventually(() => /listening on (http:\/\/\S+)/.exec(p.out())?.[1], { timeoutMs: 20_000 });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const c = await fetch(`${url}/api/v1/workflows/default`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ workflow: steps }),
      });
      assert.equal(c.status, 200);
      const name = ((await c.json()) as { metadata: { name: string } }).metadata.name;
      const wf = await eventually(
        async () => {
          const g = (await (await fetch(`${url}/api/v1/workflows/default/${name}`)).json()) as {
            status?: { phase?: string; nodes?: Record<string, { type: string; podName?: string; displayName: string }> };
          };
          const phase = g.status?.phase;
          if (phase === 'Failed' || phase === 'Error') throw new Error(`workflow ${phase}: ${JSON.stringify(g.status)}`);
          return phase === 'Succeeded' ? g : undefined;
        },
        { timeoutMs: 30_000 },
      );
      const pods = Object.values(wf.status?.nodes ?? {}).filter((n) => n.type === 'Pod');
      assert.deepEqual(pods.map((n) => n.displayName).sort(), ['one', 'three', 'two']);
      const logText = await (await fetch(`${url}/api/v1/workflows/default/${name}/log?logOptions.container=main`)).text();
      const contents = logText
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { result: { content: string } }).result.content);
      assert.deepEqual(contents, ['first', 'second', 'third']);
      const list = (await (await fetch(`${url}/api/v1/workflows/default?fields=items.metadata.name,items.status.phase`)).json()) as {
        items: unknown[];
      };
      assert.deepEqual(list.items, [{ metadata: { name }, status: { phase: 'Succeeded' } }]);
      p.child.kill('SIGTERM');
      assert.equal(await p.exit, 0, p.err());
    } finally {
      p.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('--host 0.0.0.0 without a token refuses to start (exit 2); with one, requests without it get 401', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weir-server-e2e-'));
    try {
      const refused = weir(['server', '--host', '0.0.0.0', '--port', '0', '--data-dir', join(dir, 'd1')], { WEIR_AUTH_TOKEN: '' });
      assert.equal(await refused.exit, 2);
      assert.match(refused.err(), /^weir: refusing to listen on 0\.0\.0\.0 without an auth token/m);
      assert.equal(refused.err().trim().split('\n').length, 1, 'one line');
      const p = weir(['server', '--host', '0.0.0.0', '--port', '0', '--data-dir', join(dir, 'd2')], { WEIR_AUTH_TOKEN: 'tok-123' });
      try {
        const url = await eventually(() => /listening on http:\/\/\S+:(\d+)/.exec(p.out())?.[1], { timeoutMs: 20_000 });
        const base = `http://127.0.0.1:${url}`;
        assert.equal((await fetch(`${base}/api/v1/workflows/default`)).status, 401);
        assert.equal((await fetch(`${base}/api/v1/workflows/default`, { headers: { authorization: 'Bearer tok-123' } })).status, 200);
        assert.equal((await fetch(`${base}/healthz`)).status, 200);
        p.child.kill('SIGINT');
        assert.equal(await p.exit, 0);
      } finally {
        p.child.kill('SIGKILL');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
