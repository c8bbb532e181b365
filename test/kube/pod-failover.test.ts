// Acceptance (issue 17, point 3): two replicas `weir server --store kubernetes --executor pod` (NATS bus, each with
// its own data dir: with pods nothing is shared but the API server) and a DAG of 20 pod steps in parallel branches,
// each step sleeping briefly and appending its name to its input line. The Lease holder is SIGKILLed while pods run;
// the standby takes the Lease, adopts the running pods and finishes the Workflow: Succeeded, one pod per step (a
// watch on the pods sees exactly one pod uid per node id), each step's line once in its pod's log and the joined
// line of every branch in the last step's result. Sizes: WEIR_TEST_POD_FAILOVER_BRANCHES (3), _DEPTH (6), _SLEEP
// (seconds, 2), _KILL_AFTER (pods created before the kill, 8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PodApi, podPath, text } from '../../src/executor/pod-kube.js';
import { ANNOTATION_NODE_ID, LABEL_WORKFLOW } from '../../src/executor/pod-manifest.js';
import type { Pod } from '../../src/executor/pod-watch.js';
import { startKube } from '../helpers/kube.js';
import { startNatsServer } from '../helpers/nats-server.js';
import { buildTestImages } from '../executor/container-env.js';
import { eventually, tempDir } from '../e2e/events-kit.js';
import { spawnReplica } from './kit.js';
import type { Replica } from './kit.js';
import { recordPods } from './pod-record.js';

const size = (name: string, dflt: number): number => Number(process.env[`WEIR_TEST_POD_FAILOVER_${name}`] ?? dflt);
const BRANCHES = size('BRANCHES', 3);
const DEPTH = size('DEPTH', 6);
const SLEEP = size('SLEEP', 2);
const KILL_AFTER = size('KILL_AFTER', 8);
const STEPS = BRANCHES * DEPTH + 2;
const NAME = 'pod-failover';

const task = (name: string, deps: string[], input: string): string =>
  `          - name: ${name}
            template: step
${deps.length ? `            dependencies: [${deps.join(', ')}]\n` : ''}            arguments:
              parameters: [{ name: in, value: ${JSON.stringify(input)} }, { name: me, value: ${name} }]
`;

function workflowYaml(): string {
  let tasks = task('start', [], 'line:');
  for (let b = 0; b < BRANCHES; b++)
    for (let d = 0; d < DEPTH; d++) {
      const prev = d === 0 ? 'start' : `b${b}s${d - 1}`;
      tasks += task(`b${b}s${d}`, [prev], `{{tasks.${prev}.outputs.result}}`);
    }
  const ends = Array.from({ length: BRANCHES }, (_, b) => `b${b}s${DEPTH - 1}`);
  tasks += task('join', ends, ends.map((e) => `{{tasks.${e}.outputs.result}}`).join(' |'));
  return `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: ${NAME}
  namespace: default
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
${tasks}    - name: step
      inputs: { parameters: [{ name: in }, { name: me }] }
      container:
        image: alpine:3.19
        command: [sh, -c, 'sleep ${SLEEP}; echo "{{inputs.parameters.in}} {{inputs.parameters.me}}"']
`;
}

/** What the last step prints: every branch's line (`line: start b0s0 ... b0s5`), joined, then `join`. */
function expectedJoin(): string {
  const branch = (b: number): string => ['line: start', ...Array.from({ length: DEPTH }, (_, d) => `b${b}s${d}`)].join(' ');
  return `${Array.from({ length: BRANCHES }, (_, b) => branch(b)).join(' |')} join`;
}

const isLeader = (r: Replica): boolean => r.log().includes('became the leader');

test(`pod executor failover: the leader is SIGKILLed while pods run; the standby adopts them and the ${STEPS}-step DAG Succeeds with one pod per step`, async () => {
  buildTestImages();
  const kube = await startKube({ node: true });
  await eventually(
    () =>
      kube.kubectl(['get', 'serviceaccount', 'default', '-n', 'default']).then(
        () => true,
        () => false,
      ),
    { timeoutMs: 30_000, what: 'the default ServiceAccount' },
  );
  await using nats = await startNatsServer();
  await using tmp = await tempDir('kube-pod-failover');
  const api = PodApi.connect({ kubeconfig: kube.kubeconfig });
  const pods = recordPods(api, 'default', `${LABEL_WORKFLOW}=${NAME}`);
  const common = ['--executor', 'pod', '--bus', nats.url, '--lease-duration', String(size('LEASE', 6))];
  const replicas: Replica[] = [];
  try {
    replicas.push(await spawnReplica(kube.kubeconfig, ['--host', '127.0.0.1', '--data-dir', join(tmp.dir, 'a'), ...common]));
    await eventually(() => isLeader(replicas[0]), { timeoutMs: 30_000, everyMs: 100, what: 'the first replica to lead' });
    replicas.push(await spawnReplica(kube.kubeconfig, ['--host', '127.0.0.2', '--data-dir', join(tmp.dir, 'b'), ...common]));
    const created = await kube.kubectl(['create', '-f', '-'], { input: workflowYaml() });
    assert.match(created.stdout, new RegExp(`workflow\\.argoproj\\.io/${NAME} created`));

    await eventually(() => pods.uidsByNode.size >= KILL_AFTER && pods.running().length > 0, {
      timeoutMs: 300_000,
      everyMs: 100,
      what: `${KILL_AFTER} pods created and one running`,
    });
    const leader = replicas.find(isLeader);
    assert.ok(leader, 'one replica leads');
    const survivor = replicas.find((r) => r !== leader)!;
    assert.ok(!isLeader(survivor), 'only one replica leads');
    const runningAtKill = pods.running();
    await leader.kill();
    await eventually(() => isLeader(survivor), { timeoutMs: 60_000, everyMs: 100, what: 'the survivor to take the Lease' });

    const phase = async (): Promise<string> => (await kube.kubectl(['get', 'wf', NAME, '-o', 'jsonpath={.status.phase}'])).stdout;
    await eventually(async () => ['Succeeded', 'Failed', 'Error'].includes(await phase()), {
      timeoutMs: 900_000,
      everyMs: 1000,
      what: 'the workflow to end',
    });
    const wf = JSON.parse((await kube.kubectl(['get', 'wf', NAME, '-o', 'json'])).stdout) as {
      status: { phase: string; nodes: Record<string, { type: string; displayName: string; outputs?: { result?: string } }> };
    };
    assert.equal(wf.status.phase, 'Succeeded', JSON.stringify(wf.status).slice(0, 4000));
    assert.match(survivor.log(), /adopted step/, 'the survivor adopted at least one running step');

    const steps = Object.entries(wf.status.nodes).filter(([, n]) => n.type === 'Pod');
    assert.equal(steps.length, STEPS);
    const listed = await api.request<{ items: Pod[] }>('GET', podPath('default'), {
      query: { labelSelector: `${LABEL_WORKFLOW}=${NAME}` },
    });
    assert.equal(listed.items.length, STEPS, 'one pod per step in the pod list');
    const twice = [...pods.uidsByNode].filter(([, uids]) => uids.length !== 1);
    assert.deepEqual(twice, [], 'no step had a second pod');
    assert.deepEqual([...pods.uidsByNode.keys()].sort(), steps.map(([id]) => id).sort(), 'the pods are the steps');

    for (const p of listed.items) {
      const id = p.metadata.annotations?.[ANNOTATION_NODE_ID] ?? '';
      const me = wf.status.nodes[id]?.displayName;
      const log = await text(await api.open('GET', podPath('default', p.metadata.name, 'log'), { query: { container: 'main' } }));
      const lines = log.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, `pod ${p.metadata.name} (${me}) printed one line: ${JSON.stringify(log)}`);
      assert.ok(lines[0].endsWith(` ${me}`), `pod ${p.metadata.name} printed its own line: ${lines[0]}`);
      assert.equal(lines[0], wf.status.nodes[id]?.outputs?.result, `the result of ${me} is its line`);
    }
    const join_ = steps.find(([, n]) => n.displayName === 'join')?.[1];
    assert.equal(join_?.outputs?.result, expectedJoin(), 'every branch line once, in order, in the last step');
    process.stderr.write(
      `pod-failover: ${STEPS} steps, ${runningAtKill.length} pod(s) running at the kill (${runningAtKill.join(', ')}), ` +
        `adopted: ${(survivor.log().match(/adopted step/g) ?? []).length}\n`,
    );
  } catch (e) {
    const logs = replicas.map((r, i) => `--- replica ${i} ---\n${r.log().slice(-5000)}`).join('\n');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${logs}`, { cause: e });
  } finally {
    for (const r of replicas) await r.stop();
    await pods.stop();
  }
});
