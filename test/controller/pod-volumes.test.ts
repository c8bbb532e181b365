// Volumes under the pod executor (pure): volumeMounts become the Kubernetes volumes they name (template's, then the
// workflow's, then the claims of volumeClaimTemplates), as written, each once per pod; the claims are named
// `<workflow>-<template>`, listed in status.persistentVolumeClaims, created before the first step (the `claims`
// action) and collected per volumeClaimGC; without a Kubernetes store a step mounting one is a node error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operate } from '../../src/controller/operate.js';
import { claimsToCollect, planPodVolumes } from '../../src/controller/pod-volumes.js';
import { podManifest } from '../../src/executor/pod-manifest.js';
import type { StepSpec } from '../../src/executor/types.js';
import { Sim } from './sim.js';

const yaml = (gc = '') => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: vols, namespace: ns1 }
spec:
  entrypoint: main
  ${gc}
  volumes:
    - { name: scratch, emptyDir: {} }
    - { name: cfg, configMap: { name: settings } }
    - { name: nfs, nfs: { server: 10.0.0.1, path: /export } }
  volumeClaimTemplates:
    - metadata: { name: work, labels: { team: a } }
      spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Mi } } }
  templates:
    - name: main
      volumes: [{ name: scratch, hostPath: { path: /data } }]
      container:
        image: busybox
        command: [sh, -c, 'true']
        volumeMounts:
          - { name: work, mountPath: /work, subPath: sub }
          - { name: scratch, mountPath: /scratch }
          - { name: cfg, mountPath: /cfg, readOnly: true }
          - { name: nfs, mountPath: /nfs }
`;

test('pod executor with the Kubernetes store: every volumeMount names a Kubernetes volume, claims come from status.persistentVolumeClaims', () => {
  const s = new Sim(yaml());
  s.extra = {
    runsImages: true,
    runsPods: true,
    createsClaims: true,
    volumeRoot: '/vol',
    hostPaths: { allow: [{ prefix: '/data', readWrite: true }], deny: [] },
  };
  s.pass();
  assert.deepEqual(s.wf.status?.persistentVolumeClaims, [{ name: 'work', persistentVolumeClaim: { claimName: 'vols-work' } }]);
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start');
  assert.deepEqual(start.spec.mounts, [], 'no host directories');
  assert.equal(start.prepare, undefined);
  assert.deepEqual(start.spec.podVolumes, [
    {
      volume: { name: 'work', persistentVolumeClaim: { claimName: 'vols-work' } },
      mount: { name: 'work', mountPath: '/work', subPath: 'sub' },
    },
    // The template's own volume wins over the workflow's of the same name (as Argo looks them up).
    { volume: { name: 'scratch', hostPath: { path: '/data' } }, mount: { name: 'scratch', mountPath: '/scratch' } },
    { volume: { name: 'cfg', configMap: { name: 'settings' } }, mount: { name: 'cfg', mountPath: '/cfg', readOnly: true } },
    { volume: { name: 'nfs', nfs: { server: '10.0.0.1', path: '/export' } }, mount: { name: 'nfs', mountPath: '/nfs' } },
  ]);
  const claims = s.actions.find((a) => a.type === 'claims');
  assert.ok(claims?.type === 'claims', 'the claims are made sure of before the step starts');
  assert.deepEqual(claims.claims, [
    {
      metadata: {
        name: 'vols-work',
        labels: { team: 'a' },
        namespace: 'ns1',
        ownerReferences: [
          { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name: 'vols', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } },
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
    },
  ]);
});

test('volumeClaimGC: OnWorkflowSuccess (the default) keeps the claims of a failed workflow; OnWorkflowCompletion does not', () => {
  const hostPaths = { allow: [{ prefix: '/data', readWrite: true }], deny: [] };
  const ctx = { runsImages: true, runsPods: true, createsClaims: true, hostPaths };
  for (const [gc, code, expected] of [
    ['', 0, ['vols-work']],
    ['', 1, []],
    ['volumeClaimGC: { strategy: OnWorkflowCompletion }', 1, ['vols-work']],
    ['volumeClaimGC: { strategy: OnWorkflowSuccess }', 0, ['vols-work']],
  ] as const) {
    const s = new Sim(yaml(gc));
    s.extra = ctx;
    s.pass();
    s.finish('vols', code).pass();
    assert.equal(s.phase, code === 0 ? 'Succeeded' : 'Failed');
    const r = operate(s.wf, { now: s.now, workflowTemplate: () => undefined, configMap: () => undefined, pod: () => undefined, ...ctx });
    assert.deepEqual(r.collectClaims ?? [], expected, `${gc || 'default'}, exit ${code}`);
  }
  assert.deepEqual(claimsToCollect({}, 'Running', [{ name: 'w', persistentVolumeClaim: { claimName: 'x-w' } }]), []);
});

test('pod executor without a Kubernetes store: a step mounting a claim template is a node error naming what is needed', () => {
  const s = new Sim(yaml());
  s.extra = { runsImages: true, runsPods: true, volumeRoot: '/vol' };
  s.pass();
  assert.equal(s.wf.status?.persistentVolumeClaims, undefined);
  assert.equal(s.actions.length, 0);
  assert.equal(s.node('vols').phase, 'Error');
  assert.match(s.node('vols').message ?? '', /volumeClaimTemplates need the Kubernetes store with the pod executor/);
});

test('host executor: volumes keep their host plan (directories under the volume root)', () => {
  const own = yaml().replace('      volumes: [{ name: scratch, hostPath: { path: /data } }]\n', '');
  const refused = new Sim(own);
  refused.extra = { volumeRoot: '/vol', configMap: () => ({}) };
  refused.pass();
  assert.match(refused.node('vols').message ?? '', /not supported yet: nfs volumes/, 'the host plan as before');
  const s = new Sim(own.replace('          - { name: nfs, mountPath: /nfs }\n', ''));
  s.extra = { volumeRoot: '/vol', configMap: (n) => (n === 'settings' ? { k: 'v' } : undefined) };
  s.pass();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start', JSON.stringify(s.wf.status?.nodes));
  assert.equal(start.spec.podVolumes, undefined);
  assert.ok(start.spec.mounts.some((m) => m.containerPath === '/work' && m.hostPath.startsWith('/vol/')));
});

test('pod executor: a hostPath volume is held to --allow-host-path as in every other mode (none allowed by default)', () => {
  const t = {
    name: 't',
    volumes: [{ name: 'h', hostPath: { path: '/etc' } }],
    container: { image: 'b', volumeMounts: [{ name: 'h', mountPath: '/h', readOnly: true }] },
  };
  assert.match(planPodVolumes(t, {}, []).error ?? '', /volume "h": hostPath volumes are disabled on this server/);
  const ro = { allow: [{ prefix: '/etc', readWrite: false }], deny: [] };
  assert.equal(planPodVolumes(t, {}, [], ro).error, undefined);
  assert.deepEqual(planPodVolumes(t, {}, [], ro).podVolumes[0].volume, { name: 'h', hostPath: { path: '/etc' } });
  const rw = { ...t, container: { image: 'b', volumeMounts: [{ name: 'h', mountPath: '/h' }] } };
  assert.match(planPodVolumes(rw, {}, [], ro).error ?? '', /may only be mounted read-only/);
  const s = new Sim(`
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: hp, namespace: ns1 }
spec:
  entrypoint: main
  volumes: [{ name: h, hostPath: { path: /var/run } }]
  templates:
    - name: main
      container: { image: busybox, command: [sh, -c, 'true'], volumeMounts: [{ name: h, mountPath: /h }] }
`);
  s.extra = { runsImages: true, runsPods: true, createsClaims: true, volumeRoot: '/vol' };
  s.pass();
  assert.equal(s.node('hp').phase, 'Error');
  assert.match(s.node('hp').message ?? '', /hostPath volumes are disabled on this server/);
  assert.equal(s.actions.filter((a) => a.type === 'start').length, 0, 'no pod');
});

test('unknown and reserved volume names are refused', () => {
  const t = { name: 't', container: { image: 'b', volumeMounts: [{ name: 'nope', mountPath: '/x' }] } };
  assert.match(planPodVolumes(t, {}, []).error ?? '', /no volume of that name/);
  const r = planPodVolumes(
    {
      ...t,
      container: { image: 'b', volumeMounts: [{ name: 'weir-agent', mountPath: '/x' }] },
      volumes: [{ name: 'weir-agent', emptyDir: {} }],
    },
    {},
    [],
  );
  assert.match(r.error ?? '', /reserved/);
});

test('the pod spec holds each named volume once; without a cluster Workflow the pod has no ownerReference', () => {
  const spec: StepSpec = {
    workflow: { namespace: 'ns1', name: 'vols', uid: 'uid-1' },
    nodeId: 'vols-1',
    command: ['true'],
    env: {},
    outputPaths: [],
    mounts: [],
    podVolumes: [
      { volume: { name: 'work', persistentVolumeClaim: { claimName: 'vols-work' } }, mount: { name: 'work', mountPath: '/a' } },
      {
        volume: { name: 'work', persistentVolumeClaim: { claimName: 'vols-work' } },
        mount: { name: 'work', mountPath: '/b', subPath: 's' },
      },
    ],
  };
  const base = { spec, name: 'vols-1', image: 'busybox', agentImage: 'busybox', startedAt: 'now', terminationGraceSeconds: 1 };
  const pod = podManifest(base) as {
    metadata: { ownerReferences?: unknown[] };
    spec: { volumes: unknown[]; containers: { volumeMounts: unknown[] }[] };
  };
  assert.deepEqual(pod.spec.volumes, [
    { name: 'weir-agent', emptyDir: {} },
    { name: 'work', persistentVolumeClaim: { claimName: 'vols-work' } },
  ]);
  assert.deepEqual(pod.spec.containers[0].volumeMounts.slice(1), [
    { name: 'work', mountPath: '/a' },
    { name: 'work', mountPath: '/b', subPath: 's' },
  ]);
  assert.equal(pod.metadata.ownerReferences?.length, 1);
  const orphan = podManifest({ ...base, owned: false }) as { metadata: { ownerReferences?: unknown[] } };
  assert.equal(orphan.metadata.ownerReferences, undefined);
});
