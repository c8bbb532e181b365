// podGC survives a controller restart (issue 17, lifecycle): `weir server --store kubernetes --executor pod` runs a
// workflow whose podGC deletes the labelled pods 20 s after they end; the server is SIGKILLed as soon as the workflow
// Succeeded (its in-memory timers die with it). A new server, with a data dir of its own, finds the finished pods
// the first one left and deletes the labelled one once its delay has passed; the unlabelled one stays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { KubeEnv } from '../helpers/kube.js';
import { eventually, tempDir } from '../e2e/events-kit.js';
import { spawnReplica, startPodCluster } from './kit.js';
import type { Replica } from './kit.js';

const yaml = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: gc-restart, namespace: default }
spec:
  entrypoint: main
  podGC:
    strategy: OnPodCompletion
    deleteDelayDuration: 20s
    labelSelector: { matchLabels: { gc: "yes" } }
  templates:
    - name: main
      steps:
        - - { name: collected, template: collected }
          - { name: kept, template: kept }
    - name: collected
      metadata: { labels: { gc: "yes" } }
      container: { image: python:3.12, command: [sh, -c, 'echo collected'] }
    - name: kept
      metadata: { labels: { gc: "no" } }
      container: { image: python:3.12, command: [sh, -c, 'echo kept'] }
`;

async function pods(kube: KubeEnv): Promise<{ gc: string; finalizers: string[] }[]> {
  const out = await kube.kubectl(['get', 'pods', '-l', 'workflows.argoproj.io/workflow=gc-restart', '-o', 'json']);
  const items = (JSON.parse(out.stdout) as { items: { metadata: { labels: Record<string, string>; finalizers?: string[] } }[] }).items;
  return items.map((p) => ({ gc: p.metadata.labels.gc ?? '', finalizers: p.metadata.finalizers ?? [] }));
}

test('podGC after a controller restart: the new controller deletes the pods the old one meant to delete later', async () => {
  const kube = await startPodCluster();
  await using tmp = await tempDir('kube-gc-restart');
  const dir = tmp.dir;
  const replicas: Replica[] = [];
  try {
    const first = await spawnReplica(kube.kubeconfig, ['--executor', 'pod', '--data-dir', join(dir, 'one')]);
    replicas.push(first);
    await kube.kubectl(['create', '-f', '-'], { input: yaml });
    await eventually(
      async () => (await kube.kubectl(['get', 'wf', 'gc-restart', '-o', 'jsonpath={.status.phase}'])).stdout === 'Succeeded',
      {
        timeoutMs: 240_000,
        everyMs: 200,
        what: `gc-restart to succeed\n${first.log().slice(-3000)}`,
      },
    );
    await first.kill();
    const left = await pods(kube);
    assert.deepEqual(left.map((p) => p.gc).sort(), ['no', 'yes'], 'both pods are still there when the first server dies');
    const second = await spawnReplica(kube.kubeconfig, ['--executor', 'pod', '--data-dir', join(dir, 'two')]);
    replicas.push(second);
    await eventually(async () => (await pods(kube)).length === 1, {
      timeoutMs: 180_000,
      everyMs: 500,
      what: 'the labelled pod to be deleted by the second server',
    }).catch((e: unknown) => {
      throw new Error(`${String(e)}\npods: ${JSON.stringify(left)}\nsecond server:\n${second.log().slice(-4000)}`);
    });
    const rest = await pods(kube);
    assert.equal(rest[0].gc, 'no', 'the pod the selector does not match stays');
    assert.deepEqual(rest[0].finalizers, [], 'and is released');
  } finally {
    for (const r of replicas) await r.stop();
  }
});
