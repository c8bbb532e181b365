// Acceptance (Kubernetes mode, high availability): a real API server, two `weir server --store kubernetes` replicas
// on loopback (127.0.0.1 and 127.0.0.2, sharing a data dir as pods would share their steps through the pod
// executor) with a NATS JetStream bus and the host executor. `kubectl apply` of a 3-step Workflow; the Lease holder
// is SIGKILLed while step two runs; the other replica takes the Lease, re-adopts step two and finishes the Workflow
// with exactly one run of each step; `kubectl get wf` shows it; a webhook event sent to the survivor creates
// exactly one Workflow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { freePort, startNatsServer } from '../helpers/nats-server.js';
import { startKube } from '../helpers/kube.js';
import { eventually, post, sensorYaml, tempDir, webhookSourceYaml } from '../e2e/events-kit.js';
import { spawnReplica, startRecorder } from './kit.js';
import type { Replica } from './kit.js';

const workflowYaml = (recorder: string): string => `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: ha-steps
  namespace: default
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: one, template: call, arguments: { parameters: [{ name: step, value: one }, { name: sleep, value: "0" }] } }
        - - { name: two, template: call, arguments: { parameters: [{ name: step, value: two }, { name: sleep, value: "10" }] } }
        - - { name: three, template: call, arguments: { parameters: [{ name: step, value: three }, { name: sleep, value: "0" }] } }
    - name: call
      inputs: { parameters: [{ name: step }, { name: sleep }] }
      container:
        image: alpine
        command: [sh, -c, 'curl -fsS ${recorder}/{{inputs.parameters.step}} && sleep {{inputs.parameters.sleep}}']
`;

const isLeader = (r: Replica): boolean => r.log().includes('became the leader');

test('two replicas: the leader is SIGKILLed during step two; the other finishes with one run per step; a webhook makes one workflow', async () => {
  const kube = await startKube();
  await using nats = await startNatsServer();
  await using tmp = await tempDir('kube-ha');
  const recorder = await startRecorder();
  const hookPort = await freePort();
  const manifests = [
    await tmp.file('es.yaml', webhookSourceYaml('ha-hooks', 'order', hookPort, '/order')),
    await tmp.file(
      'sensor.yaml',
      sensorYaml({
        name: 'ha-sensor',
        deps: [{ name: 'o', eventSourceName: 'ha-hooks', eventName: 'order' }],
        params: { item: { dependencyName: 'o', dataKey: 'body.item' } },
      }),
    ),
  ];
  const dataDir = join(tmp.dir, 'data');
  const common = ['--data-dir', dataDir, '--bus', nats.url, '--lease-duration', '4'];
  const replicas: Replica[] = [];
  try {
    replicas.push(await spawnReplica(kube.kubeconfig, ['--host', '127.0.0.1', ...common, ...manifests]));
    await eventually(() => isLeader(replicas[0]), { timeoutMs: 30_000, everyMs: 100, what: 'the first replica to lead' });
    replicas.push(await spawnReplica(kube.kubeconfig, ['--host', '127.0.0.2', ...common, ...manifests]));
    const wfFile = await tmp.file('wf.yaml', workflowYaml(recorder.url));
    const applied = await kube.kubectl(['apply', '-f', wfFile]);
    assert.match(applied.stdout, /workflow\.argoproj\.io\/ha-steps created/);

    await eventually(() => recorder.hits('two') === 1, { timeoutMs: 60_000, everyMs: 50, what: 'step two running' });
    const leader = replicas.find(isLeader);
    assert.ok(leader, 'one replica leads');
    const survivor = replicas.find((r) => r !== leader)!;
    assert.ok(!isLeader(survivor), 'only one replica leads');
    await leader.kill();
    const killedAt = Date.now();
    await eventually(() => isLeader(survivor), { timeoutMs: 30_000, everyMs: 100, what: 'the survivor to take the Lease' });
    const tookOver = Date.now() - killedAt;
    assert.ok(tookOver < 4000 + 3000, `took over after ${tookOver} ms (lease 4 s)`);

    await eventually(async () => (await kube.kubectl(['get', 'wf', 'ha-steps', '-o', 'jsonpath={.status.phase}'])).stdout === 'Succeeded', {
      timeoutMs: 90_000,
      everyMs: 250,
      what: 'Succeeded',
    });
    assert.deepEqual(
      ['one', 'two', 'three'].map((s) => recorder.hits(s)),
      [1, 1, 1],
      'each step ran exactly once',
    );
    const table = (await kube.kubectl(['get', 'wf'])).stdout;
    assert.match(table, /^NAME\s+STATUS\s+AGE\s+MESSAGE/m);
    assert.match(table, /^ha-steps\s+Succeeded\s+\d+[smh]/m);

    const host = survivor === replicas[0] ? '127.0.0.1' : '127.0.0.2';
    await eventually(
      async () =>
        (await fetch(`http://${host}:${hookPort}/order`).then(
          (r) => r.status,
          () => 0,
        )) === 405,
      { timeoutMs: 30_000, everyMs: 100, what: 'webhook endpoint on the survivor' },
    );
    assert.equal(await post(`http://${host}:${hookPort}/order`, { item: 'after-failover' }, 'one-key'), 200);
    const list = async (): Promise<string[]> =>
      (await kube.kubectl(['get', 'wf', '-l', 'events.weir.dev/sensor=ha-sensor', '-o', 'name'])).stdout.split('\n').filter(Boolean);
    await eventually(async () => (await list()).length >= 1, { timeoutMs: 30_000, everyMs: 200, what: 'the webhook workflow' });
    await new Promise((r) => setTimeout(r, 2000)); // a second workflow would show up within this time
    assert.equal((await list()).length, 1, 'exactly one workflow for the event');
  } catch (e) {
    const logs = replicas.map((r, i) => `--- replica ${i} ---\n${r.log().slice(-4000)}`).join('\n');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${logs}`, { cause: e });
  } finally {
    for (const r of replicas) await r.stop();
    await recorder.close();
  }
});
