// The podman service Weir starts outlives the process that started it, so it must not depend on that process's
// working directory: a service whose cwd was removed (Weir run from a temp or checkout dir that is later deleted)
// fails every container start with "write child: broken pipe". Weir starts it in `/`. Real podman, own socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectEngine } from '../../src/executor/container-engine.js';
import { buildTestImages } from './container-env.js';

test('the podman service Weir starts keeps working after the directory Weir ran in is removed', async (t) => {
  buildTestImages();
  const sockDir = mkdtempSync(join(tmpdir(), 'weir-sock-'));
  const socket = join(sockDir, 'podman.sock');
  const ranIn = mkdtempSync(join(tmpdir(), 'weir-cwd-'));
  const back = process.cwd();
  const name = `weir-cwd-probe-${process.pid}`;
  t.after(() => {
    execFileSync('podman', ['rm', '-f', '-t', '0', name], { stdio: 'ignore' });
    // Only this test's service: the one on its own socket.
    try {
      execFileSync('pkill', ['-f', `podman system service --time=0 unix://${socket}`]);
    } catch {
      // already gone
    }
    rmSync(sockDir, { recursive: true, force: true });
  });
  process.chdir(ranIn);
  let engine;
  try {
    engine = await connectEngine({ socket });
  } finally {
    process.chdir(back);
  }
  assert.equal(engine.started, true, 'this test started the service');
  const pid = execFileSync('pgrep', ['-f', `podman system service --time=0 unix://${socket}`], { encoding: 'utf8' })
    .trim()
    .split('\n')[0];
  assert.equal(readlinkSync(`/proc/${pid}/cwd`), '/', 'the service runs in /');
  rmSync(ranIn, { recursive: true, force: true });
  await engine.api.call({
    method: 'POST',
    path: `/containers/create?name=${name}`,
    json: { Image: 'docker.io/library/alpine:3.19', Cmd: ['true'] },
  });
  await engine.api.call({ method: 'POST', path: `/containers/${name}/start` });
  const waited = await engine.api.call<{ StatusCode: number }>({ method: 'POST', path: `/containers/${name}/wait` });
  assert.equal(waited.StatusCode, 0);
  engine.api.close();
});
