// Artifacts and output parameters through pods (issue 17, `weir server --store kubernetes --executor pod` against the
// real API server and the test node): an output artifact collected from the step's pod (the wait container's report)
// and saved to the workflow's default repository (the replica's local one), then loaded by the replica and shipped
// into the next step's pod (the inputs Secrets); a raw input artifact; a script's `result` and an output parameter
// read from a file (`valueFrom.path`) passed on as arguments; a 3 MiB artifact passed between two pods (more than one
// Secret holds) arrives byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { KubeEnv } from '../helpers/kube.js';
import { eventually, tempDir } from '../e2e/events-kit.js';
import { spawnReplica, startPodCluster } from './kit.js';
import type { Replica } from './kit.js';

const passingYaml = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: pods-art, namespace: default }
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: make, template: make }
        - - name: use
            template: use
            arguments:
              artifacts: [{ name: in, from: "{{steps.make.outputs.artifacts.out}}" }]
              parameters:
                - { name: result, value: "{{steps.make.outputs.result}}" }
                - { name: param, value: "{{steps.make.outputs.parameters.p}}" }
    - name: make
      script:
        image: python:3.12
        command: [python]
        source: |
          import os
          os.makedirs("/tmp/out/sub", exist_ok=True)
          open("/tmp/out/a.txt", "w").write("alpha\\n")
          open("/tmp/out/sub/b.txt", "w").write("beta\\n")
          open("/tmp/p.txt", "w").write("param-value")
          print("script-result")
      outputs:
        parameters: [{ name: p, valueFrom: { path: /tmp/p.txt } }]
        artifacts: [{ name: out, path: /tmp/out }]
    - name: use
      inputs:
        parameters: [{ name: result }, { name: param }]
        artifacts:
          - { name: in, path: /work/in }
          - { name: note, path: /work/note.txt, raw: { data: "raw-note" } }
      container:
        image: python:3.12
        command: [sh, -c, 'cat /work/in/a.txt /work/in/sub/b.txt; cat /work/note.txt; echo; echo "{{inputs.parameters.result}} {{inputs.parameters.param}}"']
`;

// 3 MiB of random bytes: out of the first pod in the wait container's report, into the second in four Secrets.
const bigYaml = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: pods-art-big, namespace: default }
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: make, template: make }
        - - { name: use, template: use, arguments: { artifacts: [{ name: in, from: "{{steps.make.outputs.artifacts.big}}" }] } }
    - name: make
      container:
        image: python:3.12
        command: [sh, -c, 'head -c 3145728 /dev/urandom > /tmp/big && sha256sum /tmp/big | cut -c1-64']
      outputs: { artifacts: [{ name: big, path: /tmp/big }] }
    - name: use
      inputs: { artifacts: [{ name: in, path: /tmp/in }] }
      container: { image: python:3.12, command: [sh, -c, 'wc -c </tmp/in; sha256sum /tmp/in | cut -c1-64'] }
`;

type Node = {
  id: string;
  displayName: string;
  type: string;
  phase: string;
  message?: string;
  outputs?: { result?: string; artifacts?: { name: string }[] };
};

async function workflow(kube: KubeEnv, wf: string): Promise<{ status: { phase?: string; nodes?: Record<string, Node> } }> {
  return JSON.parse((await kube.kubectl(['get', 'wf', wf, '-o', 'json'])).stdout) as {
    status: { phase?: string; nodes?: Record<string, Node> };
  };
}

async function ended(kube: KubeEnv, wf: string): Promise<string> {
  let phase = '';
  await eventually(
    async () => {
      phase = (await workflow(kube, wf)).status?.phase ?? '';
      return ['Succeeded', 'Failed', 'Error'].includes(phase);
    },
    { timeoutMs: 300_000, everyMs: 500, what: `workflow ${wf} to end` },
  );
  return phase;
}

test('pod executor: an output artifact saved to the repository and loaded into the next pod, a raw input, a script result and a file parameter; a 3 MiB artifact between two pods', async () => {
  const kube = await startPodCluster();
  await using tmp = await tempDir('kube-pod-art');
  let replica: Replica | undefined;
  try {
    replica = await spawnReplica(kube.kubeconfig, ['--host', '127.0.0.1', '--executor', 'pod', '--data-dir', join(tmp.dir, 'data')]);
    for (const y of [passingYaml, bigYaml]) await kube.kubectl(['create', '-f', '-'], { input: y });

    assert.equal(await ended(kube, 'pods-art'), 'Succeeded', JSON.stringify((await workflow(kube, 'pods-art')).status));
    const nodes = Object.values((await workflow(kube, 'pods-art')).status.nodes ?? {});
    const make = nodes.find((n) => n.displayName === 'make');
    const saved = make?.outputs?.artifacts?.find((a) => a.name === 'out');
    assert.match(JSON.stringify(saved ?? {}), /"key":"[^"]+"/, 'the output artifact has a key in the repository');
    const pods = JSON.parse(
      (await kube.kubectl(['get', 'pods', '-l', 'workflows.argoproj.io/workflow=pods-art', '-o', 'json'])).stdout,
    ) as {
      items: { metadata: { name: string; annotations: Record<string, string> } }[];
    };
    assert.equal(pods.items.length, 2, 'one pod per step');
    const use = nodes.find((n) => n.displayName === 'use');
    const usePod = pods.items.find((p) => p.metadata.annotations['workflows.argoproj.io/node-id'] === use?.id);
    assert.ok(usePod, 'the consuming step has a pod');
    assert.equal(
      (await kube.kubectl(['logs', usePod.metadata.name, '-c', 'main'])).stdout,
      'alpha\nbeta\nraw-note\nscript-result param-value\n',
    );

    assert.equal(await ended(kube, 'pods-art-big'), 'Succeeded', JSON.stringify((await workflow(kube, 'pods-art-big')).status));
    const big = Object.values((await workflow(kube, 'pods-art-big')).status.nodes ?? {});
    const made = big.find((n) => n.displayName === 'make')?.outputs?.result ?? '';
    assert.match(made, /^[0-9a-f]{64}$/, 'the producer printed its sha256');
    assert.equal(big.find((n) => n.displayName === 'use')?.outputs?.result, `3145728\n${made}`, 'the consumer got the same bytes');
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- weir ---\n${replica?.log().slice(-6000) ?? ''}`, { cause: e });
  } finally {
    await replica?.stop();
  }
});
