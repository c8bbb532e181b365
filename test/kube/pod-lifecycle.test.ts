// Issue 17 part 2 against the real API server and the test node (`weir server --executor pod`): the templates' and
// workflow spec's pod-level fields in the Pod as read back with kubectl (nodeSelector, tolerations, labels,
// annotations, resources, a podSpecPatch the step sees), the finalizer dropped once the outcome is saved, podGC
// OnPodSuccess with deleteDelayDuration (the Succeeded step's pod goes, the Failed one stays), and a pod deleted
// with kubectl under a running step: Argo's Error "pod deleted", retried under retryPolicy OnError; an init container
// and a sidecar in the step's one pod (the sidecar stopped once main exits); a daemon's pod IP as {{steps.x.ip}}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { KubeEnv } from '../helpers/kube.js';
import { eventually, tempDir } from '../e2e/events-kit.js';
import { spawnReplica, startPodCluster } from './kit.js';
import type { Replica } from './kit.js';

const specYaml = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: pods-spec, namespace: default }
spec:
  entrypoint: main
  nodeSelector: { kubernetes.io/os: linux }
  tolerations: [{ key: weir.io/test, operator: Exists, effect: NoSchedule }]
  podMetadata: { labels: { from-wf: "yes" }, annotations: { wf-note: w } }
  podSpecPatch: '{"containers":[{"name":"main","env":[{"name":"PATCHED","value":"yes"}]}]}'
  templates:
    - name: main
      metadata: { labels: { step: main }, annotations: { note: "{{workflow.name}}" } }
      container:
        image: python:3.12
        command: [sh, -c, 'echo "patched=$PATCHED"']
        resources: { requests: { cpu: 50m, memory: 16Mi }, limits: { memory: 64Mi } }
`;

const gcYaml = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: pods-gc, namespace: default }
spec:
  entrypoint: main
  podGC: { strategy: OnPodSuccess, deleteDelayDuration: 2s }
  templates:
    - name: main
      steps:
        - - { name: ok, template: run, arguments: { parameters: [{ name: code, value: "0" }] } }
          - { name: bad, template: run, continueOn: { failed: true }, arguments: { parameters: [{ name: code, value: "3" }] } }
    - name: run
      inputs: { parameters: [{ name: code }] }
      container:
        image: python:3.12
        command: [sh, -c, 'exit {{inputs.parameters.code}}']
`;

const deletedYaml = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: pods-deleted, namespace: default }
spec:
  entrypoint: main
  templates:
    - name: main
      retryStrategy: { limit: 1, retryPolicy: OnError }
      container:
        image: python:3.12
        command: [sh, -c, 'if [ {{retries}} = 0 ]; then sleep 120; fi; echo second attempt']
`;

const sideYaml = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: pods-side, namespace: default }
spec:
  entrypoint: main
  volumes: [{ name: shared, emptyDir: {} }]
  templates:
    - name: main
      initContainers:
        - name: prep
          image: python:3.12
          command: [sh, -c, 'echo from-init > /shared/init.txt']
          volumeMounts: [{ name: shared, mountPath: /shared }]
      sidecars:
        - name: side
          image: python:3.12
          command: [sh, -c, 'echo from-sidecar > /shared/side.txt; while true; do sleep 1; done']
          volumeMounts: [{ name: shared, mountPath: /shared }]
      container:
        image: python:3.12
        command: [sh, -c, 'while [ ! -e /shared/side.txt ]; do sleep 0.2; done; cat /shared/init.txt /shared/side.txt']
        volumeMounts: [{ name: shared, mountPath: /shared }]
`;

const daemonYaml = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: pods-daemon, namespace: default }
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: server, template: server }
        - - { name: client, template: client, arguments: { parameters: [{ name: ip, value: "{{steps.server.ip}}" }] } }
    - name: server
      daemon: true
      container: { image: python:3.12, command: [sh, -c, 'sleep 300'] }
    - name: client
      inputs: { parameters: [{ name: ip }] }
      container: { image: python:3.12, command: [echo, "ip={{inputs.parameters.ip}}"] }
`;

type PodJson = {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string>; finalizers?: string[] };
  spec: {
    nodeSelector?: Record<string, string>;
    tolerations?: { key?: string }[];
    containers: { name: string; resources?: unknown; env?: { name: string; value?: string }[] }[];
  };
  status?: { phase?: string; podIP?: string };
};

async function podsOf(kube: KubeEnv, wf: string): Promise<PodJson[]> {
  const out = await kube.kubectl(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${wf}`, '-o', 'json']);
  return (JSON.parse(out.stdout) as { items: PodJson[] }).items;
}

async function phaseOf(kube: KubeEnv, wf: string): Promise<string> {
  return (await kube.kubectl(['get', 'wf', wf, '-o', 'jsonpath={.status.phase}'])).stdout;
}

async function ended(kube: KubeEnv, wf: string): Promise<string> {
  await eventually(async () => ['Succeeded', 'Failed', 'Error'].includes(await phaseOf(kube, wf)), {
    timeoutMs: 240_000,
    everyMs: 500,
    what: `workflow ${wf} to end`,
  });
  return phaseOf(kube, wf);
}

test('pod executor: pod-level fields, podGC OnPodSuccess with a delay, a kubectl-deleted pod retried OnError, init + sidecar in one pod', async () => {
  const kube = await startPodCluster();
  await using tmp = await tempDir('kube-pod-life');
  let replica: Replica | undefined;
  try {
    replica = await spawnReplica(kube.kubeconfig, ['--host', '127.0.0.1', '--executor', 'pod', '--data-dir', join(tmp.dir, 'data')]);
    for (const y of [specYaml, gcYaml, deletedYaml, sideYaml, daemonYaml]) await kube.kubectl(['create', '-f', '-'], { input: y });

    // A pod deleted under the running step: wait for it to run, delete it, expect Error 'pod deleted' and a retry.
    let first = '';
    await eventually(
      async () => {
        const running = (await podsOf(kube, 'pods-deleted')).find((p) => p.status?.phase === 'Running');
        first = running?.metadata.name ?? '';
        return first !== '';
      },
      { timeoutMs: 180_000, everyMs: 500, what: 'the first attempt to run' },
    );
    await kube.kubectl(['delete', 'pod', first, '--wait=false']);

    // Pod-level fields, read back from the API server.
    assert.equal(await ended(kube, 'pods-spec'), 'Succeeded');
    const [pod] = await podsOf(kube, 'pods-spec');
    assert.ok(pod, 'the pod is kept (no podGC)');
    assert.deepEqual(pod.spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
    assert.ok(
      pod.spec.tolerations?.some((t) => t.key === 'weir.io/test'),
      JSON.stringify(pod.spec.tolerations),
    );
    assert.equal(pod.metadata.labels['from-wf'], 'yes');
    assert.equal(pod.metadata.labels.step, 'main');
    assert.equal(pod.metadata.labels['workflows.argoproj.io/workflow'], 'pods-spec');
    assert.equal(pod.metadata.annotations['wf-note'], 'w');
    assert.equal(pod.metadata.annotations.note, 'pods-spec');
    const main = pod.spec.containers.find((c) => c.name === 'main');
    assert.deepEqual(main?.resources, { requests: { cpu: '50m', memory: '16Mi' }, limits: { memory: '64Mi' } });
    assert.ok(main?.env?.some((e) => e.name === 'PATCHED' && e.value === 'yes'));
    assert.equal((await kube.kubectl(['logs', pod.metadata.name, '-c', 'main'])).stdout, 'patched=yes\n');
    await eventually(async () => ((await podsOf(kube, 'pods-spec'))[0]?.metadata.finalizers ?? []).length === 0, {
      timeoutMs: 30_000,
      what: "the executor's finalizer to be dropped once the outcome is saved",
    });

    // podGC OnPodSuccess: the Succeeded step's pod is deleted (after 2 s), the Failed one's kept.
    assert.equal(await ended(kube, 'pods-gc'), 'Succeeded');
    await eventually(async () => (await podsOf(kube, 'pods-gc')).length === 1, {
      timeoutMs: 60_000,
      everyMs: 500,
      what: 'the succeeded pod to be collected',
    });
    const wfGc = JSON.parse((await kube.kubectl(['get', 'wf', 'pods-gc', '-o', 'json'])).stdout) as {
      status: { nodes: Record<string, { id: string; displayName: string }> };
    };
    const bad = Object.values(wfGc.status.nodes).find((n) => n.displayName === 'bad');
    assert.deepEqual(
      (await podsOf(kube, 'pods-gc')).map((p) => p.metadata.annotations['workflows.argoproj.io/node-id']),
      [bad?.id],
    );

    // Init container and sidecar in the step's one pod: both ran, and the sidecar was stopped once main exited.
    assert.equal(await ended(kube, 'pods-side'), 'Succeeded');
    const sidePods = await podsOf(kube, 'pods-side');
    assert.equal(sidePods.length, 1, 'one pod for main, its init container and its sidecar');
    assert.equal((await kube.kubectl(['logs', sidePods[0].metadata.name, '-c', 'main'])).stdout, 'from-init\nfrom-sidecar\n');
    await eventually(async () => (await podsOf(kube, 'pods-side'))[0]?.status?.phase === 'Succeeded', {
      timeoutMs: 60_000,
      everyMs: 500,
      what: 'the sidecar to be stopped (pod Succeeded)',
    });

    // A daemon's pod IP is {{steps.server.ip}}; the daemon is stopped when its steps end.
    assert.equal(await ended(kube, 'pods-daemon'), 'Succeeded');
    const dPods = await podsOf(kube, 'pods-daemon');
    const wfD = JSON.parse((await kube.kubectl(['get', 'wf', 'pods-daemon', '-o', 'json'])).stdout) as {
      status: { nodes: Record<string, { id: string; displayName: string; podIP?: string }> };
    };
    const nodes = Object.values(wfD.status.nodes);
    const serverNode = nodes.find((n) => n.displayName === 'server');
    const clientNode = nodes.find((n) => n.displayName === 'client');
    assert.ok(serverNode?.podIP, JSON.stringify(serverNode));
    const clientPod = dPods.find((p) => p.metadata.annotations['workflows.argoproj.io/node-id'] === clientNode?.id);
    assert.ok(clientPod, 'the client pod');
    assert.equal((await kube.kubectl(['logs', clientPod.metadata.name, '-c', 'main'])).stdout, `ip=${serverNode.podIP}\n`);

    // The deleted pod: its attempt is Error 'pod deleted', the retry Succeeded.
    assert.equal(await ended(kube, 'pods-deleted'), 'Succeeded');
    const wfDel = JSON.parse((await kube.kubectl(['get', 'wf', 'pods-deleted', '-o', 'json'])).stdout) as {
      status: { nodes: Record<string, { type: string; phase: string; message?: string; name: string }> };
    };
    const attempts = Object.values(wfDel.status.nodes)
      .filter((n) => n.type === 'Pod')
      .sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(
      attempts.map((n) => [n.phase, n.message]),
      [
        ['Error', 'pod deleted'],
        ['Succeeded', undefined],
      ],
    );
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- weir ---\n${replica?.log().slice(-6000) ?? ''}`, { cause: e });
  } finally {
    await replica?.stop();
  }
});
