// Host executor: the conformance suite with and without bubblewrap, plus host-only behaviour (no writes to the
// host outside the data dir, read-only root, surviving kill -9 of Weir, pid-reuse guard, unisolated warning).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { HostExecutor } from '../../src/executor/host-executor.js';
import { findOnPath } from '../../src/executor/host-options.js';
import type { StepHandle } from '../../src/executor/types.js';
import { runExecutorConformance } from './conformance.js';
import { eventually, sh, waitForOutput } from './conformance-kit.js';
import { makeHostEnv } from './host-env.js';

const hasBwrap = findOnPath('bwrap', process.env.PATH) !== undefined;

if (hasBwrap) runExecutorConformance('host (bubblewrap)', () => makeHostEnv(), { isolation: true, mounts: true });
runExecutorConformance('host (unisolated)', () => makeHostEnv({ bwrapPath: null }), { isolation: false, mounts: false });

describe('host executor specifics', () => {
  test('unisolated: one warning through the logger, however many steps', async () => {
    const env = await makeHostEnv({ bwrapPath: null });
    try {
      assert.equal(env.executor.isolated, false);
      for (let i = 0; i < 3; i++) await env.executor.wait(await env.executor.start(sh('true')));
      const warnings = env.logger.at('warn');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0].msg ?? '', /WITHOUT isolation/);
    } finally {
      await env.dispose();
    }
  });

  test('unisolated: mounts elsewhere than their host path are refused', async () => {
    const env = await makeHostEnv({ bwrapPath: null });
    try {
      const dir = await env.hostDir();
      await assert.rejects(env.executor.start(sh('true', { mounts: [{ containerPath: '/mnt/vol', hostPath: dir }] })), {
        code: 'INVALID_SPEC',
      });
    } finally {
      await env.dispose();
    }
  });

  test('options are validated', () => {
    assert.throws(() => new HostExecutor({ dataDir: '' }), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => new HostExecutor({ dataDir: '/tmp/x', bwrapPath: '/nonexistent/bwrap' }), { code: 'INVALID_ARGUMENT' });
    assert.throws(() => new HostExecutor({ dataDir: '/tmp/x', pollIntervalMs: 0 }), { code: 'INVALID_ARGUMENT' });
  });

  test('background processes left by the step are killed when it exits', async () => {
    const env = await makeHostEnv(hasBwrap ? {} : { bwrapPath: null });
    try {
      const h = await env.executor.start(sh('sleep 30 & echo bg'));
      const r = await env.executor.wait(h);
      assert.equal(r.stdoutTail, 'bg\n');
      const pgid = Number(h.details.pid);
      const gone = (): boolean => {
        try {
          process.kill(-pgid, 0);
          return false;
        } catch (e) {
          return (e as NodeJS.ErrnoException).code === 'ESRCH';
        }
      };
      await eventually(gone, { timeoutMs: 3000, what: 'the background sleep to be killed' });
    } finally {
      await env.dispose();
    }
  });

  test('start() called twice at once for one step launches it once and returns one handle', async () => {
    const env = await makeHostEnv(hasBwrap ? {} : { bwrapPath: null });
    try {
      const spec = sh('echo run');
      const [a, b] = await Promise.all([env.executor.start(spec), env.executor.start(spec)]);
      assert.deepEqual(a, b, 'one launch: the same process in both handles');
      const r = await env.executor.wait(a);
      assert.equal(r.stdoutTail, 'run\n', 'the step ran exactly once');
      const again = await env.executor.start(spec);
      assert.deepEqual(again, a, 'a later start returns the recorded handle');
    } finally {
      await env.dispose();
    }
  });

  test('a step survives kill -9 of the Weir process and is adopted by a new one', async () => {
    const env = await makeHostEnv(hasBwrap ? {} : { bwrapPath: null });
    try {
      const moduleUrl = new URL('../../src/executor/host-executor.js', import.meta.url).href;
      const code = `
        const { HostExecutor } = await import(${JSON.stringify(moduleUrl)});
        const ex = new HostExecutor({ dataDir: ${JSON.stringify(env.dataDir)}, bwrapPath: ${hasBwrap ? 'undefined' : 'null'} });
        const h = await ex.start({ workflow: { namespace: 'n', name: 'w', uid: 'kill9' }, nodeId: 'n1',
          command: ['sh', '-c', 'echo before; sleep 0.8; echo after; exit 5'], env: {}, outputPaths: [], mounts: [] });
        process.stdout.write(JSON.stringify(h) + '\\n');
        setInterval(() => {}, 1000);`;
      const weir = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve, reject) => {
        let buf = '';
        weir.stdout.on('data', (d: Buffer) => {
          buf += String(d);
          if (buf.includes('\n')) resolve(buf.split('\n')[0]);
        });
        weir.once('exit', () => reject(new Error('helper exited early')));
      });
      weir.kill('SIGKILL');
      await new Promise((r) => weir.once('exit', r));
      const handle = JSON.parse(line) as StepHandle;
      const ex = env.reopen();
      assert.equal(await ex.adopt(handle), 'running');
      const r = await ex.wait(handle);
      assert.equal(r.exitCode, 5);
      assert.equal(r.stdoutTail, 'before\nafter\n');
    } finally {
      await env.dispose();
    }
  });

  test('a reused pid is not mistaken for the step', async () => {
    const env = await makeHostEnv(hasBwrap ? {} : { bwrapPath: null });
    try {
      const h = await env.executor.start(sh('echo up; exec sleep 30'));
      await waitForOutput(env.executor, h, 'up');
      const forged: StepHandle = { ...h, details: { ...h.details, startTicks: '1' } };
      assert.equal(await env.reopen().adopt(forged), 'lost');
      await env.executor.kill(h, 5000);
      assert.equal((await env.executor.wait(h)).exitCode, 143);
    } finally {
      await env.dispose();
    }
  });
});

describe('host executor isolation (bubblewrap)', { skip: !hasBwrap && 'bwrap not installed' }, () => {
  test('nothing is created on the host outside the data dir; host files stay visible', async () => {
    const env = await makeHostEnv();
    try {
      const id = randomUUID().slice(0, 8);
      const paths = [`/mnt/weir-${id}/x.txt`, `/weir-${id}/y.txt`, `/usr/local/weir-${id}.txt`];
      const vol = await env.hostDir();
      const s = sh(
        `for p in ${paths.join(' ')}; do mkdir -p "$(dirname $p)" && echo "$p" > "$p"; done; echo m > /opt/weir-${id}/vol/m; pwd; ls /usr/local | grep -c '^bin$'`,
        { outputPaths: paths, workingDir: `/weir-wd-${id}`, mounts: [{ containerPath: `/opt/weir-${id}/vol`, hostPath: vol }] },
      );
      const r = await env.executor.wait(await env.executor.start(s));
      assert.equal(r.exitCode, 0, r.message);
      assert.equal(r.stdoutTail, `/weir-wd-${id}\n1\n`);
      for (const p of paths) assert.equal(String(await r.readOutput(p)), `${p}\n`);
      for (const p of [...paths, `/mnt/weir-${id}`, `/weir-${id}`, `/weir-wd-${id}`, `/opt/weir-${id}`]) {
        assert.equal(existsSync(p), false, `${p} was created on the host`);
      }
      assert.equal(String(await r.readOutput(`/opt/weir-${id}/vol/m`)), 'm\n');
    } finally {
      await env.dispose();
    }
  });

  test('the host root is read-only; /tmp is private and writable', async () => {
    const env = await makeHostEnv();
    try {
      const r = await env.executor.wait(
        await env.executor.start(sh(`touch /etc/weir-probe 2>/dev/null && echo wrote-etc; touch /tmp/ok && echo tmp-ok; ls -A /tmp`)),
      );
      assert.equal(r.stdoutTail, 'tmp-ok\nok\n');
      assert.equal(existsSync('/etc/weir-probe'), false);
    } finally {
      await env.dispose();
    }
  });

  test('the data dir of Weir is hidden from steps', async () => {
    // A data dir outside /tmp (which is private in the sandbox anyway, and may hold this checkout), with a
    // sibling file that must stay visible.
    const parent = join('/var/tmp', `weir-test-${randomUUID().slice(0, 8)}`);
    const dataDir = join(parent, 'data');
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(parent, 'visible'), 'x');
    const ex = new HostExecutor({ dataDir });
    try {
      const h = await ex.start(sh(`ls -A ${dataDir} | wc -l; ls -A ${dirname(dataDir)} | wc -l`));
      const r = await ex.wait(h);
      const [inside, beside] = r.stdoutTail.trim().split('\n').map(Number);
      assert.equal(inside, 0, 'the data dir is visible');
      assert.ok(beside > 0, 'ordinary host dirs are visible');
      await ex.cleanup(h);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  test('a sandbox that cannot be set up yields exitCode null and a message', async () => {
    const env = await makeHostEnv();
    try {
      const r = await env.executor.wait(
        await env.executor.start(sh('true', { mounts: [{ containerPath: '/mnt/v', hostPath: `/nonexistent-${randomUUID()}` }] })),
      );
      assert.equal(r.exitCode, null);
      assert.match(r.message ?? '', /sandbox setup failed/);
    } finally {
      await env.dispose();
    }
  });
});
