// The pod executor's inputs over one Secret (issue 17), against the real API server and the test node: a 2.5 MiB
// input goes in three Secrets (labelled with their pod, owned by the Workflow) and arrives byte-identical; release()
// removes them all. Inputs over the executor's cap fail start() with PAYLOAD_TOO_LARGE before any Secret or pod exists.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeirError } from '../../src/core/errors.js';
import { PodExecutor } from '../../src/executor/pod-executor.js';
import { LABEL_INPUTS_OF } from '../../src/executor/pod-inputs.js';
import { secretPath } from '../../src/executor/pod-kube.js';
import { podName } from '../../src/executor/pod-manifest.js';
import { sh } from './conformance-kit.js';
import { makePodEnv, POD_TEST_IMAGE } from './pod-env.js';
import type { PodEnv } from './pod-env.js';

let env: PodEnv;
before(async () => {
  env = await makePodEnv();
});
after(async () => {
  await env.dispose();
});

interface SecretList {
  items: { metadata: { name: string; ownerReferences?: { kind: string; uid: string }[] }; data?: Record<string, string> }[];
}

function inputSecrets(pod: string): Promise<SecretList> {
  return env.api.request<SecretList>('GET', secretPath('conformance'), { query: { labelSelector: `${LABEL_INPUTS_OF}=${pod}` } });
}

test('pod inputs: 2.5 MiB of input files go in three Secrets and arrive byte-identical; release removes the Secrets', async () => {
  const dir = await env.hostDir();
  const big = randomBytes(2.5 * 1024 * 1024);
  await writeFile(join(dir, 'big.bin'), big);
  await writeFile(join(dir, 'small.txt'), 'small');
  const s = sh('sha256sum /tmp/in/big.bin | cut -c1-64; cat /tmp/in/small.txt', {
    inputFiles: [
      { hostPath: join(dir, 'big.bin'), containerPath: '/tmp/in/big.bin' },
      { hostPath: join(dir, 'small.txt'), containerPath: '/tmp/in/small.txt' },
    ],
  });
  const h = await env.executor.start(s);
  const pod = podName(s);
  const secrets = await inputSecrets(pod);
  assert.deepEqual(secrets.items.map((x) => x.metadata.name).sort(), [`${pod}-inputs`, `${pod}-inputs-1`, `${pod}-inputs-2`]);
  for (const x of secrets.items)
    assert.deepEqual(
      x.metadata.ownerReferences?.map((o) => [o.kind, o.uid]),
      [['Workflow', s.workflow.uid]],
    );
  const r = await env.executor.wait(h);
  assert.equal(r.exitCode, 0, r.message);
  assert.equal(r.stdoutTail, `${createHash('sha256').update(big).digest('hex')}\nsmall`);
  await env.executor.release(h);
  assert.deepEqual((await inputSecrets(pod)).items, [], 'release() deleted every inputs Secret');
});

test('pod inputs: inputs over the cap fail start() with their size and the cap, leaving no Secret and no pod', async () => {
  const ex = new PodExecutor({
    api: env.api,
    dataDir: join(env.root, 'capped'),
    logger: env.logger,
    defaultImage: POD_TEST_IMAGE,
    maxInputBytes: 1024 * 1024,
  });
  const dir = await env.hostDir();
  await writeFile(join(dir, 'big.bin'), Buffer.alloc(1100 * 1024));
  const s = sh('true', { inputFiles: [{ hostPath: join(dir, 'big.bin'), containerPath: '/tmp/big.bin' }] });
  await assert.rejects(
    ex.start(s),
    (e: unknown) =>
      e instanceof WeirError &&
      e.code === 'PAYLOAD_TOO_LARGE' &&
      /take \d+ bytes as a tar; the pod executor ships them into the pod through Secrets of 921600 bytes, at most 1048576 bytes in all/.test(
        e.message,
      ),
  );
  const pod = podName(s);
  assert.deepEqual((await inputSecrets(pod)).items, []);
  await assert.rejects(
    env.api.request('GET', `/api/v1/namespaces/conformance/pods/${pod}`),
    (e: unknown) => e instanceof WeirError && e.code === 'NOT_FOUND',
  );
});
