// Issue 17, volumes in pod mode, against the real API server and the test node: a workflow's volumeClaimTemplates
// become a PersistentVolumeClaim `<workflow>-<template>` owned by the Workflow (listed in status.persistentVolumeClaims)
// that two steps share through a persistentVolumeClaim volume (no hostPath), deleted once the workflow succeeded
// (volumeClaimGC default OnWorkflowSuccess); a workflow-level emptyDir is per pod, as in Argo. And two lifecycle
// defects: with Workflows outside the cluster (`weir run`, the SQLite store) pods name no owner; `weir server`
// closes the pod executor on stop (its watch and API connections end, seen through a TCP relay of the test's own).
// Restart cases of the claims (adopt, refuse, collect a finished workflow's) through ClaimEffects on the real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { memoryIo } from '../../src/cli/io.js';
import { startServer } from '../../src/cli/server.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { ClaimEffects } from '../../src/controller/claim-effects.js';
import { claimManifests } from '../../src/controller/pod-volumes.js';
import { KubernetesStore } from '../../src/store/kubernetes-store.js';
import type { KubeEnv } from '../helpers/kube.js';
import { relay } from '../helpers/tcp-relay.js';
import { repoRoot } from '../helpers/paths.js';
import { eventually, tempDir } from '../e2e/events-kit.js';
import { spawnReplica, startPodCluster } from './kit.js';
import type { Replica } from './kit.js';

const claimsYaml = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: vol-claims, namespace: default }
spec:
  entrypoint: main
  volumeClaimTemplates:
    - metadata: { name: work }
      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Mi } } }
  templates:
    - name: main
      steps:
        - - { name: write, template: write }
        - - { name: read, template: read }
    - name: write
      container:
        image: python:3.12
        command: [sh, -c, 'sleep 3; echo through-the-claim > /work/sub/f.txt']
        volumeMounts: [{ name: work, mountPath: /work/sub, subPath: dir }]
    - name: read
      container:
        image: python:3.12
        command: [sh, -c, 'cat /data/dir/f.txt']
        volumeMounts: [{ name: work, mountPath: /data, readOnly: true }]
`;

const emptyDirYaml = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: vol-empty, namespace: default }
spec:
  entrypoint: main
  volumes: [{ name: scratch, emptyDir: {} }]
  templates:
    - name: main
      steps:
        - - { name: a, template: a }
        - - { name: b, template: b }
    - name: a
      container:
        image: python:3.12
        command: [sh, -c, 'echo from-a > /scratch/a.txt']
        volumeMounts: [{ name: scratch, mountPath: /scratch }]
    - name: b
      container:
        image: python:3.12
        command: [sh, -c, 'if [ -e /scratch/a.txt ]; then echo seen; else echo unseen; fi']
        volumeMounts: [{ name: scratch, mountPath: /scratch }]
`;

const oneStep = (name: string): string => `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: ${name}, namespace: default }
spec:
  entrypoint: main
  templates:
    - name: main
      container: { image: python:3.12, command: [sh, -c, 'echo ok'] }
`;

type PodJson = {
  metadata: { name: string; ownerReferences?: { kind: string }[] };
  spec: { volumes?: Record<string, unknown>[] };
};

async function podsOf(kube: KubeEnv, wf: string): Promise<PodJson[]> {
  const out = await kube.kubectl(['get', 'pods', '-l', `workflows.argoproj.io/workflow=${wf}`, '-o', 'json']);
  return (JSON.parse(out.stdout) as { items: PodJson[] }).items;
}

async function wfJson(kube: KubeEnv, wf: string): Promise<{ metadata: { uid: string }; status?: Record<string, unknown> }> {
  return JSON.parse((await kube.kubectl(['get', 'wf', wf, '-o', 'json'])).stdout) as {
    metadata: { uid: string };
    status?: Record<string, unknown>;
  };
}

async function ended(kube: KubeEnv, wf: string): Promise<string> {
  const phase = async (): Promise<string> => (await kube.kubectl(['get', 'wf', wf, '-o', 'jsonpath={.status.phase}'])).stdout;
  await eventually(async () => ['Succeeded', 'Failed', 'Error'].includes(await phase()), {
    timeoutMs: 240_000,
    everyMs: 500,
    what: `workflow ${wf} to end`,
  });
  return phase();
}

const logsOf = async (kube: KubeEnv, pod: string): Promise<string> => (await kube.kubectl(['logs', pod, '-c', 'main'])).stdout;

test('pod executor: volumeClaimTemplates as an owned PersistentVolumeClaim shared by two steps and collected after; emptyDir per pod', async () => {
  const kube = await startPodCluster();
  await using tmp = await tempDir('kube-pod-vols');
  let replica: Replica | undefined;
  try {
    replica = await spawnReplica(kube.kubeconfig, ['--host', '127.0.0.1', '--executor', 'pod', '--data-dir', join(tmp.dir, 'data')]);
    for (const y of [claimsYaml, emptyDirYaml]) await kube.kubectl(['create', '-f', '-'], { input: y });

    // While it runs: the claim exists, owned by the Workflow, and is listed in its status.
    const uid = (await wfJson(kube, 'vol-claims')).metadata.uid;
    const claim = await eventually(
      async () => {
        const out = await kube.kubectl(['get', 'pvc', 'vol-claims-work', '-o', 'json']).catch(() => undefined);
        return out
          ? (JSON.parse(out.stdout) as { metadata: { ownerReferences?: Record<string, unknown>[] }; status?: { phase?: string } })
          : undefined;
      },
      { timeoutMs: 120_000, everyMs: 300, what: 'the claim vol-claims-work' },
    );
    assert.deepEqual(claim.metadata.ownerReferences, [
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name: 'vol-claims', uid, controller: true, blockOwnerDeletion: true },
    ]);
    // The claim is made before the pass that lists it is saved: wait for the status, while the first step still runs
    // (it sleeps 3 s first, so the test looks before the claim is collected).
    const running = await eventually(
      async () => {
        const wf = await wfJson(kube, 'vol-claims');
        return wf.status?.persistentVolumeClaims !== undefined || wf.status?.phase !== 'Running' ? wf : undefined;
      },
      { timeoutMs: 60_000, everyMs: 200, what: 'status.persistentVolumeClaims while the workflow runs' },
    );
    assert.equal(running.status?.phase, 'Running', 'looked while the workflow runs');
    assert.deepEqual(running.status?.persistentVolumeClaims, [{ name: 'work', persistentVolumeClaim: { claimName: 'vol-claims-work' } }]);

    assert.equal(await ended(kube, 'vol-claims'), 'Succeeded', JSON.stringify((await wfJson(kube, 'vol-claims')).status));
    const pods = await podsOf(kube, 'vol-claims');
    assert.equal(pods.length, 2);
    for (const p of pods) {
      const vols = p.spec.volumes ?? [];
      assert.ok(
        vols.some((v) => v.name === 'work' && JSON.stringify(v.persistentVolumeClaim) === '{"claimName":"vol-claims-work"}'),
        JSON.stringify(vols),
      );
      assert.ok(!vols.some((v) => v.hostPath !== undefined), `no hostPath volume: ${JSON.stringify(vols)}`);
    }
    const outputs = await Promise.all(pods.map((p) => logsOf(kube, p.metadata.name)));
    assert.ok(outputs.includes('through-the-claim\n'), `the second step read the first one's file: ${JSON.stringify(outputs)}`);

    // volumeClaimGC (default OnWorkflowSuccess): the claim goes, and leaves the status.
    await eventually(async () => (await kube.kubectl(['get', 'pvc', '-o', 'name'])).stdout.trim() === '', {
      timeoutMs: 60_000,
      everyMs: 300,
      what: 'the claim to be deleted',
    });
    await eventually(async () => (await wfJson(kube, 'vol-claims')).status?.persistentVolumeClaims === undefined, {
      timeoutMs: 30_000,
      what: 'status.persistentVolumeClaims to be emptied',
    });

    // The test node as a kubelet: a pod whose claim does not exist waits in ContainerCreating with the reason and
    // runs once the claim appears; the deleted claim goes once no unfinished pod uses it.
    const late = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'late-claim-pod', namespace: 'default' },
      spec: {
        restartPolicy: 'Never',
        automountServiceAccountToken: false,
        containers: [
          { name: 'main', image: 'python:3.12', command: ['sh', '-c', 'echo ran'], volumeMounts: [{ name: 'c', mountPath: '/c' }] },
        ],
        volumes: [{ name: 'c', persistentVolumeClaim: { claimName: 'late-claim' } }],
      },
    };
    await kube.kubectl(['create', '-f', '-'], { input: JSON.stringify(late) });
    const podState = async (): Promise<{ phase?: string; containerStatuses?: unknown[] }> =>
      (JSON.parse((await kube.kubectl(['get', 'pod', 'late-claim-pod', '-o', 'json'])).stdout) as { status?: { phase?: string } }).status ??
      {};
    await eventually(
      async () => {
        const st = await podState();
        return (
          st.phase === 'Pending' && JSON.stringify(st.containerStatuses ?? []).includes('persistentvolumeclaim \\"late-claim\\" not found')
        );
      },
      { timeoutMs: 60_000, everyMs: 300, what: 'the pod to wait for its claim with the reason' },
    );
    const pvc = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'late-claim', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } },
    };
    await kube.kubectl(['create', '-f', '-'], { input: JSON.stringify(pvc) });
    await eventually(async () => (await podState()).phase === 'Succeeded', { timeoutMs: 120_000, everyMs: 300, what: 'the pod to run' });
    assert.equal(await logsOf(kube, 'late-claim-pod'), 'ran\n');
    assert.equal((await kube.kubectl(['get', 'pvc', 'late-claim', '-o', 'jsonpath={.status.phase}'])).stdout, 'Bound');
    await kube.kubectl(['delete', 'pvc', 'late-claim', '--wait=false']);
    await eventually(async () => (await kube.kubectl(['get', 'pvc', '-o', 'name'])).stdout.trim() === '', {
      timeoutMs: 30_000,
      everyMs: 300,
      what: 'the claim its finished pod used to go',
    });

    // A workflow-level emptyDir is per pod: the second step does not see the first one's file.
    assert.equal(await ended(kube, 'vol-empty'), 'Succeeded');
    const emptyPods = await podsOf(kube, 'vol-empty');
    const said = (await Promise.all(emptyPods.map((p) => logsOf(kube, p.metadata.name)))).sort();
    assert.deepEqual(said, ['', 'unseen\n']);
    for (const p of emptyPods) assert.ok((p.spec.volumes ?? []).some((v) => v.name === 'scratch' && v.emptyDir !== undefined));
  } finally {
    await replica?.stop();
  }
});

test('Workflows outside the cluster: weir run and the SQLite store create pods without an owner; weir server closes the executor on stop', async () => {
  const kube = await startPodCluster();
  await using tmp = await tempDir('kube-pod-owner');

  // weir run --executor pod (in-memory store); --data-dir keeps the pods for us to read.
  const runFile = join(tmp.dir, 'run.yaml');
  await writeFile(runFile, oneStep('own-run'));
  const run = await promisify(execFile)(
    process.execPath,
    [join(repoRoot, 'bin', 'weir.js'), 'run', runFile, '--executor', 'pod', '--data-dir', join(tmp.dir, 'run-data')],
    { env: { ...process.env, KUBECONFIG: kube.kubeconfig, NO_COLOR: '1' }, timeout: 240_000 },
  );
  assert.match(run.stderr, /own-run: Succeeded/);
  const runPods = await podsOf(kube, 'own-run');
  assert.equal(runPods.length, 1);
  assert.equal(runPods[0].metadata.ownerReferences, undefined);

  // weir server (SQLite store) whose pod executor reaches the API server through a relay that counts connections.
  const rl = await relay(new URL(kube.server));
  try {
    const kc = parseYaml(await readFile(kube.kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    for (const c of kc.clusters) c.cluster.server = rl.url;
    const kubeconfig = join(tmp.dir, 'relayed.kubeconfig');
    await writeFile(kubeconfig, stringifyYaml(kc));
    const manifest = join(tmp.dir, 'own-server.yaml');
    await writeFile(manifest, oneStep('own-server'));
    const srv = await startServer(
      {
        dataDir: join(tmp.dir, 'srv-data'),
        authToken: undefined,
        port: 0,
        host: '127.0.0.1',
        manifests: [manifest],
        namespace: 'default',
        executor: 'pod',
        kubeconfig,
      },
      memoryIo(),
    );
    let stopped = false;
    try {
      await eventually(
        async () => {
          const r = await fetch(`${srv.url}/api/v1/workflows/default/own-server`);
          const wf = r.ok ? ((await r.json()) as { status?: { phase?: string } }) : undefined;
          return wf?.status?.phase === 'Succeeded';
        },
        { timeoutMs: 240_000, everyMs: 500, what: 'own-server to succeed' },
      );
      const pods = await podsOf(kube, 'own-server');
      assert.equal(pods.length, 1);
      assert.equal(pods[0].metadata.ownerReferences, undefined, 'the Workflow is in SQLite, not in the cluster');
      assert.ok(rl.open > 0, 'the executor holds connections (its pod watch) while it runs');
      await srv.stop();
      stopped = true;
      await eventually(() => rl.open === 0, { timeoutMs: 15_000, what: "the executor's connections to close on stop" });
    } finally {
      if (!stopped) await srv.stop();
    }
  } finally {
    await rl.close();
  }
});

test("claims across a controller restart: a claim owned by the workflow is adopted, another's refused; a finished workflow's claims are collected when read again", async () => {
  const kube = await startPodCluster();
  const store = new KubernetesStore({ kubeconfig: kube.kubeconfig });
  try {
    const wf = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: vol-restart, namespace: default }
spec:
  entrypoint: main
  volumeClaimGC: { strategy: OnWorkflowCompletion }
  volumeClaimTemplates: [{ metadata: { name: w }, spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Mi } } } }]
  templates: [{ name: main, container: { image: python:3.12, command: [sh, -c, 'true'] } }]
`;
    await kube.kubectl(['create', '-f', '-'], { input: wf });
    const obj = await store.get('Workflow', 'default', 'vol-restart');
    assert.ok(obj);
    const claims = [{ name: 'w', persistentVolumeClaim: { claimName: 'vol-restart-w' } }];
    const manifests = claimManifests(obj, obj.spec, claims);
    // A first controller created the claim and died; the next one adopts it.
    await store.anyKind.create(manifests[0] as never);
    assert.equal(
      await new ClaimEffects(store, createRecordingLogger()).ensure('default/vol-restart', obj.metadata.uid, manifests),
      undefined,
    );
    // A claim of that name owned by another workflow is refused.
    const other = await new ClaimEffects(store, createRecordingLogger()).ensure('default/vol-restart', 'another-uid', manifests);
    assert.match(other ?? '', /already exists and is not owned by this workflow/);

    // Finished, with the claim still listed (the controller died between the deletion and the status update).
    const ended = await store.update('Workflow', { ...obj, status: { phase: 'Failed', persistentVolumeClaims: claims } });
    const saved = await new ClaimEffects(store, createRecordingLogger()).collectEnded('default/vol-restart', ended);
    assert.equal(saved?.status?.persistentVolumeClaims, undefined);
    await eventually(async () => (await kube.kubectl(['get', 'pvc', '-o', 'name'])).stdout.trim() === '', {
      timeoutMs: 30_000,
      everyMs: 300,
      what: 'the claim to go (OnWorkflowCompletion, workflow Failed)',
    });
  } finally {
    await store.close();
  }
});
