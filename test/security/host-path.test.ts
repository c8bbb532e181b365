// Attack 3 (issue 11): `hostPath` volumes. Off by default (the workflow fails with a message naming the option);
// `--allow-host-path PREFIX[:rw]` allows prefixes, read-only unless `:rw`; a symlink under an allowed prefix does
// not lead elsewhere; Weir's data dir is never mountable.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveHostPathAllowances } from '../../src/core/config.js';
import { podNode, shellWorkflow, startSandboxKit } from './sandbox-kit.js';

const mounting = (path: string, script: string, readOnly = false): Record<string, unknown> =>
  shellWorkflow(script, {
    container: { volumeMounts: [{ name: 'h', mountPath: '/h', ...(readOnly ? { readOnly: true } : {}) }] },
    spec: { volumes: [{ name: 'h', hostPath: { path } }] },
  });

test('hostPath volumes are refused by default, with a message naming the option', async () => {
  await using kit = await startSandboxKit();
  const host = await mkdtemp('/var/tmp/weir-hostpath-');
  try {
    const done = await kit.run(mounting(host, 'touch /h/pwned'));
    assert.notEqual(done.status.phase, 'Succeeded');
    assert.match(String(podNode(done).message), /hostPath volumes are disabled.*--allow-host-path/);
    assert.equal(existsSync(join(host, 'pwned')), false);
  } finally {
    await rm(host, { recursive: true, force: true });
  }
});

test('an allowed prefix: read-only unless :rw, other paths and symlinks out of it refused', async () => {
  const host = await mkdtemp('/var/tmp/weir-hostpath-');
  const ro = join(host, 'ro');
  const rw = join(host, 'rw');
  await mkdir(ro);
  await mkdir(rw);
  await writeFile(join(ro, 'in'), 'hello');
  await symlink('/etc', join(ro, 'link'));
  await using kit = await startSandboxKit({ allowHostPath: resolveHostPathAllowances([ro, `${rw}:rw`], {}) });
  try {
    const writable = await kit.run(mounting(ro, 'touch /h/pwned'));
    assert.match(String(podNode(writable).message), /may only be mounted read-only/);
    const reading = await kit.run(mounting(ro, 'cat /h/in; touch /h/pwned 2>/dev/null; true', true));
    assert.equal(reading.status.phase, 'Succeeded', JSON.stringify(podNode(reading)));
    assert.equal(existsSync(join(ro, 'pwned')), false, 'a read-only hostPath was written');
    const writing = await kit.run(mounting(rw, 'echo out > /h/made'));
    assert.equal(writing.status.phase, 'Succeeded', JSON.stringify(podNode(writing)));
    assert.equal(await readFile(join(rw, 'made'), 'utf8'), 'out\n');
    const elsewhere = await kit.run(mounting('/etc', 'true', true));
    assert.match(String(podNode(elsewhere).message), /not under an allowed prefix/);
    const linked = await kit.run(mounting(join(ro, 'link'), 'true', true));
    assert.notEqual(linked.status.phase, 'Succeeded');
    assert.match(String(podNode(linked).message), /not under an allowed prefix.*resolves to \/etc/);
  } finally {
    await rm(host, { recursive: true, force: true });
  }
});

test('the data dir is never mountable, even under an allowed prefix', async () => {
  await using kit = await startSandboxKit({ allowHostPath: resolveHostPathAllowances(['/:rw'], {}) }, '/var/tmp');
  const done = await kit.run(mounting(kit.dataDir, 'ls /h; cat /h/weir.db', true));
  assert.notEqual(done.status.phase, 'Succeeded');
  assert.match(String(podNode(done).message), /inside Weir's data directory/);
});

test('--allow-host-path / WEIR_ALLOW_HOST_PATH: PREFIX[:rw], flags over env, bad values named', () => {
  assert.deepEqual(resolveHostPathAllowances(['/srv/data/', '/srv//out:rw'], { WEIR_ALLOW_HOST_PATH: '/x' }), [
    { prefix: '/srv/data', readWrite: false },
    { prefix: '/srv/out', readWrite: true },
  ]);
  assert.deepEqual(resolveHostPathAllowances(undefined, { WEIR_ALLOW_HOST_PATH: '/a:rw, /b:ro' }), [
    { prefix: '/a', readWrite: true },
    { prefix: '/b', readWrite: false },
  ]);
  assert.deepEqual(resolveHostPathAllowances(undefined, {}), []);
  assert.throws(() => resolveHostPathAllowances(['relative:rw'], {}), /--allow-host-path takes an absolute host path/);
});
