// Argo's container semantics on the container executor (podman here): the image's ENTRYPOINT/CMD/WORKDIR under
// Kubernetes' command rules, a memory limit enforced as an OOM kill (137 with a message), runAsUser/runAsGroup,
// capabilities dropped, `/` 0755 for root (host chmod or archive PUT), exits seen from die events, a missing image
// with imagePullPolicy Never as a clear error; and through `weir run`, outputs outside any volume, a daemon step's
// service reached by a later step, and a sidecar on localhost.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spec } from './conformance-kit.js';
import { makeContainerEnv } from './container-env.js';
import type { ContainerEnv } from './container-env.js';
import type { ContainerSettings, StepSpec } from '../../src/executor/types.js';
import { runFixture } from '../cli/run-kit.js';
import { eventually } from '../helpers/eventually.js';
import { LABEL_MANAGED, containerName } from '../../src/executor/container-create.js';
import { connectEngine } from '../../src/executor/container-engine.js';
import { exitWatchOf } from '../../src/executor/container-exits.js';
import { ROOT_MODE, putInputs } from '../../src/executor/container-io.js';
import { stdoutTailOf } from '../../src/executor/container-logs.js';
import type { ContainerInspect } from '../../src/executor/container-api.js';

const TEST_IMAGE = 'localhost/weir-test/entrypoint:1';

// The cases are independent (unique step and container names, one `weir run` data dir each) and mostly wait on
// podman, so each suite runs a few at a time, and the steps of one case start together.

describe('container executor: Argo container semantics', { concurrency: 3 }, () => {
  let env: ContainerEnv;
  before(async () => {
    env = await makeContainerEnv();
  });
  after(async () => {
    await env.dispose();
  });

  const run = async (s: StepSpec): Promise<{ code: number | null; out: string; message?: string }> => {
    const r = await env.executor.wait(await env.executor.start(s));
    return { code: r.exitCode, out: r.stdoutTail, ...(r.message !== undefined ? { message: r.message } : {}) };
  };
  const inImage = (image: string, container: ContainerSettings, extra: Partial<StepSpec> = {}): StepSpec =>
    spec([...(container.command ?? []), ...(container.args ?? [])], { image, container, ...extra });

  test("the image's ENTRYPOINT, CMD and WORKDIR apply by Kubernetes' rules", async () => {
    const [bare, args, command, workingDir, argosay] = await Promise.all([
      run(inImage(TEST_IMAGE, {})),
      run(inImage(TEST_IMAGE, { args: ['a', 'b c'] })),
      run(inImage(TEST_IMAGE, { command: ['sh', '-c', 'echo own; pwd'] })),
      run(inImage(TEST_IMAGE, {}, { workingDir: '/tmp' })),
      run(inImage('argoproj/argosay:v2', { args: ['echo', 'hi'] })),
    ]);
    assert.deepEqual(bare, { code: 0, out: 'entry:from-cmd\n/srv/app\n' }, 'neither command nor args: ENTRYPOINT + CMD');
    assert.deepEqual(args, { code: 0, out: 'entry:a b c\n/srv/app\n' }, 'args replace CMD');
    assert.deepEqual(command, { code: 0, out: 'own\n/srv/app\n' }, 'command replaces ENTRYPOINT and drops CMD');
    assert.deepEqual(workingDir, { code: 0, out: 'entry:from-cmd\n/tmp\n' }, 'workingDir beats WORKDIR');
    assert.deepEqual(argosay, { code: 0, out: 'hi\n' });
  });

  test('a step over its memory limit is OOM-killed: exit 137 and a message saying so', async () => {
    const [r, ok] = await Promise.all([
      run(
        inImage('python:3.12', {
          command: ['python3', '-c', 'x = bytearray(400 * 1024 * 1024); print(len(x))'],
          memoryBytes: 64 * 1024 * 1024,
        }),
      ),
      run(
        inImage('python:3.12', {
          command: ['python3', '-c', 'x = bytearray(8 * 1024 * 1024); print(len(x))'],
          memoryBytes: 64 * 1024 * 1024,
        }),
      ),
    ]);
    assert.equal(r.code, 137);
    assert.match(r.message ?? '', /OOMKilled.*memory limit/);
    assert.deepEqual(ok, { code: 0, out: `${8 * 1024 * 1024}\n` });
  });

  test('runAsUser and runAsGroup set the process identity; capabilities are dropped unless added', async () => {
    const [id, caps, added, ro] = await Promise.all([
      run(inImage('busybox', { command: ['sh', '-c', 'id -u; id -g'], runAsUser: 1234, runAsGroup: 5678 })),
      run(inImage('busybox', { command: ['sh', '-c', 'grep CapEff /proc/self/status'] })),
      run(inImage('busybox', { command: ['sh', '-c', 'grep CapEff /proc/self/status'], capabilitiesAdd: ['NET_RAW'] })),
      run(inImage('busybox', { command: ['sh', '-c', 'echo x > /etc/probe'], readOnlyRootFilesystem: true })),
    ]);
    assert.deepEqual(id, { code: 0, out: '1234\n5678\n' });
    assert.equal(caps.out, 'CapEff:\t0000000000000000\n');
    assert.equal(added.out, 'CapEff:\t0000000000002000\n');
    assert.notEqual(ro.code, 0, 'wrote to a read-only root filesystem');
  });

  test("a root step without capabilities writes to `/` (0755, as on Docker); the engine's die event reports its exit", async () => {
    const { api } = await connectEngine();
    const s = inImage('busybox', { command: ['sh', '-c', 'stat -c %a /; echo x > /probe && cat /probe'] });
    let died = 0;
    const off = exitWatchOf(api, LABEL_MANAGED).watch(containerName(s), () => died++);
    try {
      assert.deepEqual(await run(s), { code: 0, out: '755\nx\n' });
      await eventually(() => died > 0, { what: "the step's die event" });
    } finally {
      off();
    }
  });

  test('the archive PUT (used when the engine storage is not reachable from here) also makes `/` 0755', async () => {
    const { api } = await connectEngine();
    const name = `weir-root-put-${process.pid}`;
    const HostConfig = { CapDrop: ['ALL'], LogConfig: { Type: 'k8s-file', Config: {} } };
    const body = { Image: 'docker.io/library/busybox:latest', Entrypoint: ['stat'], Cmd: ['-c', '%a', '/'], HostConfig };
    await api.call({
      method: 'POST',
      path: `/containers/create?name=${name}`,
      json: { ...body, Labels: { 'io.weir.test-env': env.root } },
    });
    await putInputs(api, name, [], ROOT_MODE);
    await api.call({ method: 'POST', path: `/containers/${name}/start` });
    await api.call({ method: 'POST', path: `/containers/${name}/wait?condition=not-running` });
    const c = await api.call<ContainerInspect>({ path: `/containers/${name}/json` });
    assert.equal(await stdoutTailOf(api, name, c), '755\n');
  });

  test('a missing image with imagePullPolicy Never fails the start with a clear error', async () => {
    await assert.rejects(
      env.executor.start(inImage('weir-test/no-such-image:0', { command: ['true'], imagePullPolicy: 'Never' })),
      /weir-test\/no-such-image:0 is not present and imagePullPolicy is Never/,
    );
  });
});

describe('container executor through weir run', { concurrency: 2 }, () => {
  test('outputs outside any volume are collected; declared output dirs are not pre-created', async () => {
    const r = await runFixture('test/fixtures/container/outputs-outside-volumes.yaml', '--executor', 'container');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.node('make').outputs?.result, '/');
    assert.equal(r.node('make').outputs?.parameters?.find((p) => p.name === 'r')?.value, 'heads');
    assert.equal(r.node('use').outputs?.result, 'headspart');
  });

  test('a sidecar shares the pod network: main reaches it on localhost', async () => {
    const r = await runFixture('test/fixtures/container/sidecar.yaml', '--executor', 'container');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.wf.status.nodes?.[Object.keys(r.wf.status.nodes ?? {})[0]]?.outputs?.result, 'hello-from-sidecar');
  });

  test("a sidecar that cannot start is named in the failed node's message", async () => {
    const r = await runFixture('test/fixtures/container/sidecar-unstartable.yaml', '--executor', 'container');
    assert.notEqual(r.code, 0);
    const main = Object.values(r.wf.status.nodes ?? {})[0];
    assert.equal(main?.phase, 'Failed');
    assert.match(main?.message ?? '', /^Error \(exit code 3\); sidecar web: failed to start step: .*no-such-sidecar:0 is not present/);
  });

  test("a daemon step's service is reachable by a later step at {{steps.X.ip}}", async () => {
    const r = await runFixture('test/fixtures/container/daemon.yaml', '--executor', 'container');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.node('client').outputs?.result, 'hello-from-daemon');
    assert.match(r.node('server').podIP ?? '', /^\d+\.\d+\.\d+\.\d+$/);
    assert.notEqual(r.node('server').podIP, '127.0.0.1');
  });
});
