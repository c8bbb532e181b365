// Acceptance (issue 17): `weir server --store kubernetes --executor pod` against the real API server and the test
// node. `kubectl create` of a Workflow whose steps pass an output parameter and `result` along: it Succeeds, `kubectl
// get pods -l workflows.argoproj.io/workflow=NAME` lists one pod per step (Argo's labels, owned by the Workflow) and
// `kubectl logs POD -c main` prints a step's output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, tempDir } from '../e2e/events-kit.js';
import { spawnReplica, startPodCluster } from './kit.js';
import type { Replica } from './kit.js';

const workflowYaml = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: pods-pass
  namespace: default
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - name: make
            template: make
        - - name: use
            template: use
            arguments:
              parameters:
                - { name: word, value: "{{steps.make.outputs.parameters.word}}" }
                - { name: said, value: "{{steps.make.outputs.result}}" }
    - name: make
      container:
        image: python:3.12
        command: [sh, -c, 'printf pods > /tmp/word.txt; echo made-by-a-pod']
      outputs:
        parameters:
          - name: word
            valueFrom: { path: /tmp/word.txt }
    - name: use
      inputs:
        parameters: [{ name: word }, { name: said }]
      script:
        image: python:3.12
        command: [python]
        source: |
          print("{{inputs.parameters.word}} / {{inputs.parameters.said}}")
`;

test('weir server --executor pod: a 2-step workflow runs as 2 pods; kubectl lists them and prints their logs', async () => {
  const kube = await startPodCluster();
  await using tmp = await tempDir('kube-pods');
  let replica: Replica | undefined;
  try {
    replica = await spawnReplica(kube.kubeconfig, ['--host', '127.0.0.1', '--executor', 'pod', '--data-dir', join(tmp.dir, 'data')]);
    const created = await kube.kubectl(['create', '-f', '-'], { input: workflowYaml });
    assert.match(created.stdout, /workflow\.argoproj\.io\/pods-pass created/);
    const phase = async (): Promise<string> => (await kube.kubectl(['get', 'wf', 'pods-pass', '-o', 'jsonpath={.status.phase}'])).stdout;
    await eventually(async () => ['Succeeded', 'Failed', 'Error'].includes(await phase()), {
      timeoutMs: 180_000,
      everyMs: 500,
      what: 'the workflow to end',
    });
    const wf = (await kube.kubectl(['get', 'wf', 'pods-pass', '-o', 'json'])).stdout;
    assert.equal(await phase(), 'Succeeded', wf);
    const pods = (await kube.kubectl(['get', 'pods', '-l', 'workflows.argoproj.io/workflow=pods-pass', '-o', 'name'])).stdout
      .split('\n')
      .filter(Boolean);
    assert.equal(pods.length, 2, `one pod per step: ${pods.join(', ')}`);
    const outputs = await Promise.all(pods.map(async (p) => (await kube.kubectl(['logs', p, '-c', 'main'])).stdout));
    assert.deepEqual(outputs.sort(), ['made-by-a-pod\n', 'pods / made-by-a-pod\n']);
    const owners = (
      await kube.kubectl([
        'get',
        'pods',
        '-l',
        'workflows.argoproj.io/workflow=pods-pass',
        '-o',
        'jsonpath={.items[*].metadata.ownerReferences[0].kind}',
      ])
    ).stdout;
    assert.equal(owners, 'Workflow Workflow');
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- weir ---\n${replica?.log().slice(-6000) ?? ''}`, { cause: e });
  } finally {
    await replica?.stop();
  }
});
