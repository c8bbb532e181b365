// Pod-level fields of templates and the workflow spec (pure): what the pod executor's Pod gets, Argo's precedence
// (the template's value replaces the workflow's; hostAliases append; podMetadata then template metadata), and the
// podSpecPatch texts (YAML or JSON, workflow's first) parsed into patches, through operate() as the controller runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podSettingsOf } from '../../src/controller/pod-settings.js';
import { Sim } from './sim.js';

test("the template's scheduling fields replace the workflow's; hostAliases append; metadata merges key by key", () => {
  const r = podSettingsOf(
    {
      name: 't',
      nodeSelector: { disk: 'ssd' },
      tolerations: [{ key: 't', operator: 'Exists' }],
      priorityClassName: 'tmpl',
      hostAliases: [{ ip: '10.0.0.2', hostnames: ['b'] }],
      metadata: { labels: { team: 'tmpl', step: 's' }, annotations: { a: '1' } },
    },
    {
      nodeSelector: { zone: 'z1', disk: 'hdd' },
      tolerations: [{ key: 'w', operator: 'Exists' }],
      podPriorityClassName: 'wf',
      serviceAccountName: 'wf-sa',
      schedulerName: 'wf-sched',
      imagePullSecrets: [{ name: 'regcred' }],
      hostAliases: [{ ip: '10.0.0.1', hostnames: ['a'] }],
      podMetadata: { labels: { team: 'wf', wf: 'yes' } },
    },
    { main: true, resources: { requests: { cpu: '1' } } },
  );
  assert.equal(r.error, undefined);
  assert.deepEqual(r.settings, {
    nodeSelector: { disk: 'ssd' },
    tolerations: [{ key: 't', operator: 'Exists' }],
    priorityClassName: 'tmpl',
    serviceAccountName: 'wf-sa',
    schedulerName: 'wf-sched',
    imagePullSecrets: [{ name: 'regcred' }],
    hostAliases: [
      { ip: '10.0.0.1', hostnames: ['a'] },
      { ip: '10.0.0.2', hostnames: ['b'] },
    ],
    metadata: { labels: { team: 'tmpl', wf: 'yes', step: 's' }, annotations: { a: '1' } },
    resources: { requests: { cpu: '1' } },
  });
  // Nothing set: no settings at all (other executors' specs stay as they were).
  assert.deepEqual(podSettingsOf({ name: 't' }, {}, { main: true }), {});
  // The workflow's fields alone are the defaults.
  assert.deepEqual(podSettingsOf({ name: 't' }, { nodeSelector: { zone: 'z1' }, podPriority: 5 }, { main: true }).settings, {
    nodeSelector: { zone: 'z1' },
    priority: 5,
  });
});

test('podSpecPatch: YAML or JSON, the workflow patch then the template patch; only for the main pod; bad text is an error', () => {
  const r = podSettingsOf(
    { name: 't', podSpecPatch: '{"containers":[{"name":"main","resources":{"limits":{"cpu":"1"}}}]}' },
    { podSpecPatch: 'containers:\n  - name: main\n    env: [{ name: X, value: "1" }]\n' },
    { main: true },
  );
  assert.deepEqual(r.settings?.podSpecPatches, [
    { containers: [{ name: 'main', env: [{ name: 'X', value: '1' }] }] },
    { containers: [{ name: 'main', resources: { limits: { cpu: '1' } } }] },
  ]);
  assert.deepEqual(podSettingsOf({ name: 't', podSpecPatch: '{"a":1}' }, {}, { main: false }), {});
  assert.match(podSettingsOf({ name: 't', podSpecPatch: '- 1' }, {}, { main: true }).error ?? '', /template podSpecPatch: not a PodSpec/);
  assert.match(podSettingsOf({ name: 't' }, { podSpecPatch: '{a: [' }, { main: true }).error ?? '', /invalid workflow podSpecPatch/);
});

test('operate: the start action carries the pod settings, with parameters substituted in the workflow podSpecPatch', () => {
  const s = new Sim(`
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: ps }
spec:
  entrypoint: main
  arguments: { parameters: [{ name: cpu, value: "250m" }] }
  nodeSelector: { kubernetes.io/os: linux }
  podMetadata: { labels: { from: wf } }
  podSpecPatch: |
    containers:
      - name: main
        resources: { limits: { cpu: "{{workflow.parameters.cpu}}" } }
  templates:
    - name: main
      metadata: { annotations: { note: "{{workflow.name}}" } }
      tolerations: [{ key: k, operator: Exists }]
      container:
        image: busybox
        command: [echo, hi]
        resources: { requests: { memory: 32Mi } }
`);
  s.extra = { runsImages: true, runsPods: true };
  s.pass();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start');
  assert.deepEqual(start.spec.pod, {
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'k', operator: 'Exists' }],
    metadata: { labels: { from: 'wf' }, annotations: { note: 'ps' } },
    resources: { requests: { memory: '32Mi' } },
    podSpecPatches: [{ containers: [{ name: 'main', resources: { limits: { cpu: '250m' } } }] }],
  });
});

test('operate under the pod executor: init containers and sidecars are containers of the one pod, not steps', () => {
  const yaml = `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: side }
spec:
  entrypoint: main
  templates:
    - name: main
      initContainers: [{ name: prep, image: busybox, command: [echo, init] }]
      sidecars: [{ name: db, image: redis, command: [redis-server] }]
      container: { image: busybox, command: [echo, hi] }
`;
  const s = new Sim(yaml);
  s.extra = { runsImages: true, runsPods: true };
  s.pass();
  const starts = s.actions.filter((a) => a.type === 'start');
  assert.equal(starts.length, 1);
  const start = starts[0];
  assert.ok(start.type === 'start');
  assert.deepEqual(
    start.spec.pod?.initContainers?.map((m) => [m.name, m.spec.image, m.spec.container?.command]),
    [['prep', 'busybox', ['echo', 'init']]],
  );
  assert.deepEqual(
    start.spec.pod?.sidecars?.map((m) => [m.name, m.spec.image]),
    [['db', 'redis']],
  );
  s.finishAll();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(
    s.actions.some((a) => a.type === 'kill'),
    false,
    'no sidecar steps to stop',
  );
  // Other executors still run them as steps of their own (init first).
  const host = new Sim(yaml).pass();
  assert.deepEqual(
    host.actions.filter((a) => a.type === 'start').map((a) => a.type === 'start' && a.nodeId.split('::')[1]),
    ['init-prep'],
  );
});

test('operate under the pod executor: a daemon step asks for its pod IP (pod.daemon)', () => {
  const s = new Sim(`
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: dm }
spec:
  entrypoint: server
  templates:
    - name: server
      daemon: true
      container: { image: busybox, command: [sleep, '100'] }
`);
  s.extra = { runsImages: true, runsPods: true };
  s.pass();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start');
  assert.equal(start.spec.pod?.daemon, true);
});

test('operate under the pod executor keeps a pod’s labels in the node only when podGC has a labelSelector', () => {
  const yaml = (selector: string): string => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: gc }
spec:
  entrypoint: main
  podMetadata: { labels: { team: a } }
  podGC: { strategy: OnPodSuccess${selector} }
  templates:
    - name: main
      metadata: { labels: { should-be-deleted: "true" } }
      container: { image: busybox, command: [echo, hi] }
`;
  const s = new Sim(yaml(', labelSelector: { matchLabels: { should-be-deleted: "true" } }'));
  s.extra = { runsImages: true, runsPods: true };
  s.pass();
  assert.deepEqual(s.node('gc').weir?.podLabels, { team: 'a', 'should-be-deleted': 'true' });
  const plain = new Sim(yaml(''));
  plain.extra = { runsImages: true, runsPods: true };
  plain.pass();
  assert.equal(plain.node('gc').weir?.podLabels, undefined);
});
