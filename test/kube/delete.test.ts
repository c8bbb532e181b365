// Kubernetes mode: `kubectl delete wf NAME` of a running Workflow stops its steps (their processes end, as Argo's
// pods go with their Workflow) and the controller forgets it: a new Workflow applied under the same name afterwards
// runs from scratch and succeeds, and the deleted one's steps never run again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKube } from '../helpers/kube.js';
import { eventually, tempDir } from '../e2e/events-kit.js';
import { spawnReplica, startRecorder } from './kit.js';
import type { Replica } from './kit.js';

/** Processes whose command line is exactly `sleep <arg>` (the steps' long sleep, with an argument unique to this run). */
function sleepers(arg: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.length === 2 && argv[0].endsWith('sleep') && argv[1] === arg) found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const runningYaml = (recorder: string, sleep: string): string => `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: doomed
  namespace: default
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: a, template: long, arguments: { parameters: [{ name: id, value: a }] } }
          - { name: b, template: long, arguments: { parameters: [{ name: id, value: b }] } }
        - - { name: after, template: long, arguments: { parameters: [{ name: id, value: after }] } }
    - name: long
      inputs: { parameters: [{ name: id }] }
      container:
        image: alpine
        command: [sh, -c, 'curl -fsS ${recorder}/old-{{inputs.parameters.id}} && exec sleep ${sleep}']
`;

const againYaml = (recorder: string): string => `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: doomed
  namespace: default
spec:
  entrypoint: main
  templates:
    - name: main
      container:
        image: alpine
        command: [sh, -c, 'curl -fsS ${recorder}/new']
`;

// Once failed in a full-suite run (the steps still ran 30 s after the delete, with 'cannot save workflow status ...
// not found'): a watch that re-listed never reported the delete, and a pass that found the workflow gone only forgot
// it. Now a DELETED event, a read that finds it gone or a save answered NOT_FOUND all stop its steps.
test('kubectl delete wf of a running Workflow stops its steps; the controller forgets it', async () => {
  const kube = await startKube();
  await using tmp = await tempDir('kube-delete');
  const recorder = await startRecorder();
  // An argument no other process on the machine uses: the steps' sleeps are found by it.
  const sleep = `${900 + Math.floor(Math.random() * 90)}.${process.pid}`;
  let replica: Replica | undefined;
  try {
    replica = await spawnReplica(kube.kubeconfig, ['--data-dir', join(tmp.dir, 'data')]);
    await kube.kubectl(['apply', '-f', await tmp.file('wf.yaml', runningYaml(recorder.url, sleep))]);
    await eventually(() => recorder.hits('old-a') === 1 && recorder.hits('old-b') === 1 && sleepers(sleep).length === 2, {
      timeoutMs: 60_000,
      everyMs: 100,
      what: 'both steps sleeping',
    });

    const deleted = await kube.kubectl(['delete', 'wf', 'doomed']);
    assert.match(deleted.stdout, /workflow\.argoproj\.io "doomed" deleted/);
    await eventually(() => sleepers(sleep).length === 0, { timeoutMs: 30_000, everyMs: 100, what: 'the steps to stop' });

    // Forgotten: the same name again is a new Workflow that runs from scratch.
    await kube.kubectl(['apply', '-f', await tmp.file('again.yaml', againYaml(recorder.url))]);
    await eventually(async () => (await kube.kubectl(['get', 'wf', 'doomed', '-o', 'jsonpath={.status.phase}'])).stdout === 'Succeeded', {
      timeoutMs: 60_000,
      everyMs: 250,
      what: 'the new Workflow of that name to succeed',
    });
    const wf = JSON.parse((await kube.kubectl(['get', 'wf', 'doomed', '-o', 'json'])).stdout) as {
      status: { nodes: Record<string, { displayName?: string }> };
    };
    assert.deepEqual(
      Object.values(wf.status.nodes).map((n) => n.displayName),
      ['doomed'],
      'only the new Workflow’s node',
    );
    assert.equal(recorder.hits('new'), 1);
    assert.deepEqual(
      ['old-a', 'old-b', 'old-after'].map((s) => recorder.hits(s)),
      [1, 1, 0],
      'the deleted Workflow’s steps ran once and its next step never started',
    );
    assert.deepEqual(sleepers(sleep), []);
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- replica ---\n${replica?.log().slice(-4000) ?? ''}`, { cause: e });
  } finally {
    await replica?.stop();
    for (const pid of sleepers(sleep)) process.kill(pid, 'SIGKILL'); // left by a failed run: this test's own steps
    await recorder.close();
  }
});
