// Issue 17: a containerSet template through `weir server --store kubernetes --executor pod` is ONE pod (Argo's
// model): its containers under their own names in the same pod, run in their dependency order (they append to a
// file in the set's shared volume), the template's outputs from `main`, each container's child node phased by how
// it ended; a failing container leaves its dependants Omitted (never run) and fails the workflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { KubeEnv } from '../helpers/kube.js';
import { eventually, tempDir } from '../e2e/events-kit.js';
import { spawnReplica, startPodCluster } from './kit.js';
import type { Replica } from './kit.js';

const setYaml = (name: string, firstExit: number): string => `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: ${name}, namespace: default }
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: set
            template: set
        - - name: use
            template: use
            arguments:
              parameters: [{ name: order, value: "{{steps.set.outputs.parameters.order}}" }]
    - name: set
      volumes: [{ name: shared, emptyDir: {} }]
      containerSet:
        volumeMounts: [{ name: shared, mountPath: /shared }]
        containers:
          - name: main
            image: python:3.12
            command: [sh, -c, 'echo main >> /shared/order; tr "\\n" " " < /shared/order > /tmp/order; cat /tmp/order']
            dependencies: [second]
          - name: first
            image: python:3.12
            command: [sh, -c, 'sleep 1; echo first >> /shared/order; exit ${firstExit}']
          - name: second
            image: python:3.12
            command: [sh, -c, 'echo second >> /shared/order']
            dependencies: [first]
      outputs:
        parameters:
          - name: order
            valueFrom: { path: /tmp/order }
    - name: use
      inputs: { parameters: [{ name: order }] }
      container: { image: python:3.12, command: [echo, "order={{inputs.parameters.order}}"] }
`;

type PodJson = { metadata: { name: string; annotations: Record<string, string> }; spec: { containers: { name: string }[] } };
type NodeJson = {
  id: string;
  name: string;
  displayName: string;
  type: string;
  phase: string;
  outputs?: { parameters?: { value?: string }[] };
};

async function podsOf(kube: KubeEnv, wf: string): Promise<PodJson[]> {
  const out = await kube.kubectl(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${wf}`, '-o', 'json']);
  return (JSON.parse(out.stdout) as { items: PodJson[] }).items;
}

async function workflow(kube: KubeEnv, wf: string): Promise<{ phase?: string; nodes: NodeJson[] }> {
  const out = (await kube.kubectl(['get', 'wf', wf, '-o', 'json'])).stdout;
  const status = (JSON.parse(out) as { status?: { phase?: string; nodes?: Record<string, NodeJson> } }).status;
  return { phase: status?.phase, nodes: Object.values(status?.nodes ?? {}) };
}

async function ended(kube: KubeEnv, wf: string): Promise<{ phase?: string; nodes: NodeJson[] }> {
  await eventually(async () => ['Succeeded', 'Failed', 'Error'].includes((await workflow(kube, wf)).phase ?? ''), {
    timeoutMs: 240_000,
    everyMs: 500,
    what: `workflow ${wf} to end`,
  });
  return workflow(kube, wf);
}

const phases = (nodes: NodeJson[]): Record<string, string> =>
  Object.fromEntries(nodes.filter((n) => n.type === 'Container').map((n) => [n.displayName, n.phase]));

test('pod executor: a containerSet is ONE pod, its containers in dependency order, outputs from main; a failure omits dependants', async () => {
  const kube = await startPodCluster();
  await using tmp = await tempDir('kube-pod-set');
  let replica: Replica | undefined;
  try {
    replica = await spawnReplica(kube.kubeconfig, ['--host', '127.0.0.1', '--executor', 'pod', '--data-dir', join(tmp.dir, 'data')]);
    await kube.kubectl(['create', '-f', '-'], { input: setYaml('pods-set', 0) });
    await kube.kubectl(['create', '-f', '-'], { input: setYaml('pods-set-fail', 3) });

    const ok = await ended(kube, 'pods-set');
    assert.equal(ok.phase, 'Succeeded', JSON.stringify(ok.nodes));
    const set = ok.nodes.find((n) => n.displayName === 'set');
    assert.ok(set);
    assert.equal(set.outputs?.parameters?.[0]?.value, 'first second main ', 'the containers ran in dependency order');
    assert.deepEqual(phases(ok.nodes), { main: 'Succeeded', first: 'Succeeded', second: 'Succeeded' });
    const pods = await podsOf(kube, 'pods-set');
    assert.equal(pods.length, 2, `one pod for the set, one for the next step: ${pods.map((p) => p.metadata.name).join(', ')}`);
    const setPod = pods.find((p) => p.metadata.annotations['workflows.argoproj.io/node-id'] === set.id);
    assert.ok(setPod, 'the set pod carries the set node id');
    const names = setPod.spec.containers.map((c) => c.name);
    for (const c of ['main', 'first', 'second']) assert.ok(names.includes(c), `container ${c} in the pod: ${names.join(', ')}`);
    assert.equal((await kube.kubectl(['logs', setPod.metadata.name, '-c', 'main'])).stdout, 'first second main ');
    const use = pods.find((p) => p !== setPod);
    assert.ok(use);
    assert.equal((await kube.kubectl(['logs', use.metadata.name, '-c', 'main'])).stdout, 'order=first second main \n');

    const bad = await ended(kube, 'pods-set-fail');
    assert.equal(bad.phase, 'Failed', JSON.stringify(bad.nodes));
    assert.deepEqual(phases(bad.nodes), { first: 'Failed', second: 'Omitted', main: 'Omitted' });
    const badPods = await podsOf(kube, 'pods-set-fail');
    assert.equal(badPods.length, 1, 'one pod; the next step never started');
    const order = await kube.kubectl(['logs', badPods[0].metadata.name, '-c', 'first']);
    assert.equal(order.stdout, '', 'first wrote to the shared file only');
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- weir ---\n${replica?.log().slice(-6000) ?? ''}`, { cause: e });
  } finally {
    await replica?.stop();
  }
});
