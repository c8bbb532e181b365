// The pod executor's Pod manifest (pure): Argo's names, labels, annotations and ownerReference, the agent wrapping,
// the wait container only for steps with outputs, the inputs Secrets' volumes, and `$` escaping that survives
// Kubernetes' `$(VAR)` expansion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentArgv, escapeDollars, isInputsVolume, podManifest, podName } from '../../src/executor/pod-manifest.js';
import type { StepSpec } from '../../src/executor/types.js';
import { strategicMerge } from '../../src/executor/pod-patch.js';
import { expand } from '../helpers/kube-node-spec.js';

const spec = (extra: Partial<StepSpec> = {}): StepSpec => ({
  workflow: { namespace: 'argo', name: 'hello', uid: 'u-1' },
  nodeId: 'hello-123',
  command: ['echo', 'hi'],
  env: {},
  outputPaths: [],
  mounts: [],
  ...extra,
});

type Obj = Record<string, never> & {
  metadata: {
    name: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    ownerReferences: unknown[];
    finalizers: string[];
  };
  spec: { containers: { name: string; command?: string[]; args?: string[] }[]; nodeSelector?: unknown; restartPolicy: string };
};

type ManifestInput = Parameters<typeof podManifest>[0];

const manifest = (s: StepSpec, pod?: ManifestInput['pod'], extra: Partial<ManifestInput> = {}): Obj =>
  podManifest({
    spec: s,
    name: podName(s),
    image: 'busybox',
    agentImage: 'busybox',
    startedAt: 'T',
    terminationGraceSeconds: 30,
    ...(pod ? { pod } : {}),
    ...extra,
  }) as Obj;

test('pod names: the node id when it is a DNS label, else a stable hash under the workflow name', () => {
  assert.equal(podName(spec()), 'hello-123');
  const odd = spec({ nodeId: 'Hello.World[0]' });
  assert.match(podName(odd), /^hello-[0-9a-f]{16}$/);
  assert.equal(podName(odd), podName({ ...odd }));
  assert.notEqual(podName(odd), podName({ ...odd, workflow: { ...odd.workflow, uid: 'u-2' } }));
});

test("Argo's labels, node id annotation, ownerReference to the Workflow, the finalizer, restartPolicy Never", () => {
  const m = manifest(spec(), { nodeSelector: { disk: 'ssd' }, metadata: { labels: { team: 'a' } } });
  assert.equal(m.metadata.labels['workflows.argoproj.io/workflow'], 'hello');
  assert.equal(m.metadata.labels['workflows.argoproj.io/completed'], 'false');
  assert.equal(m.metadata.labels.team, 'a');
  assert.equal(m.metadata.annotations['workflows.argoproj.io/node-id'], 'hello-123');
  assert.deepEqual(m.metadata.ownerReferences, [
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name: 'hello', uid: 'u-1', controller: true },
  ]);
  assert.deepEqual(m.metadata.finalizers, ['weir.io/step']);
  assert.deepEqual(m.spec.nodeSelector, { disk: 'ssd' });
  assert.equal(m.spec.restartPolicy, 'Never');
});

test('the agent wraps main; a wait container only when there are output paths', () => {
  const plain = manifest(spec());
  assert.deepEqual(
    plain.spec.containers.map((c) => c.name),
    ['main'],
  );
  assert.deepEqual(plain.spec.containers[0].command?.slice(3), ['weir-agent', '0', 'echo', 'hi']);
  const withOut = manifest(spec({ outputPaths: ['/tmp/a b'] }));
  assert.deepEqual(
    withOut.spec.containers.map((c) => c.name),
    ['main', 'wait'],
  );
  assert.deepEqual(withOut.spec.containers[0].command?.slice(3), ['weir-agent', '1', '/tmp/a b', 'echo', 'hi']);
});

test('a container without command runs its image entrypoint unwrapped (args only)', () => {
  const s = spec({ command: ['x'], container: { args: ['--flag', '$(HOME)'] } });
  assert.equal(agentArgv(s), undefined);
  const c = manifest(s).spec.containers[0];
  assert.equal(c.command, undefined);
  assert.deepEqual(c.args, ['--flag', '$$(HOME)']);
  assert.deepEqual(agentArgv(spec({ container: { command: ['sh', '-c'], args: ['echo'] } })), ['sh', '-c', 'echo']);
});

test('escaped values come out of $(VAR) expansion byte for byte', () => {
  const vars = new Map([
    ['HOME', '/root'],
    ['X', 'x'],
  ]);
  for (const v of ['$(HOME)', '$$(X)', '$HOME', 'a$', '$', '$$', '$(', 'plain', '$((1+2))'])
    assert.equal(expand(escapeDollars(v), vars), v, JSON.stringify(v));
  assert.equal(expand('$(HOME)/x $(NOPE) $$(X)', vars), '/root/x $(NOPE) $(X)');
});

test("pod settings: scheduling fields, labels and annotations, and the main container's resources as written", () => {
  const m = manifest(spec({ container: { memoryBytes: 1024 } }), {
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'k', operator: 'Exists' }],
    serviceAccountName: 'runner',
    priorityClassName: 'high',
    schedulerName: 'default-scheduler',
    imagePullSecrets: [{ name: 'regcred' }],
    dnsPolicy: 'Default',
    metadata: { labels: { team: 'a' }, annotations: { note: 'n' } },
    resources: { requests: { cpu: '100m' }, limits: { memory: '64Mi' } },
  }) as unknown as {
    metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    spec: Record<string, unknown> & { containers: { name: string; resources?: unknown }[] };
  };
  assert.deepEqual(m.spec.tolerations, [{ key: 'k', operator: 'Exists' }]);
  assert.equal(m.spec.serviceAccountName, 'runner');
  assert.equal(m.spec.priorityClassName, 'high');
  assert.equal(m.spec.dnsPolicy, 'Default');
  assert.deepEqual(m.spec.imagePullSecrets, [{ name: 'regcred' }]);
  assert.equal(m.metadata.labels.team, 'a');
  assert.equal(m.metadata.annotations.note, 'n');
  assert.deepEqual(m.spec.containers[0].resources, { requests: { cpu: '100m' }, limits: { memory: '64Mi' } });
  // Argo's own labels are not overridden by the template's.
  const own = manifest(spec(), { metadata: { labels: { 'workflows.argoproj.io/workflow': 'other' } } });
  assert.equal(own.metadata.labels['workflows.argoproj.io/workflow'], 'hello');
});

test('podSpecPatches are strategic merge patches applied in order: containers and env merge by name, null deletes', () => {
  const m = manifest(spec({ env: { A: '1' } }), {
    podSpecPatches: [
      { containers: [{ name: 'main', env: [{ name: 'B', value: '2' }], resources: { limits: { cpu: '1' } } }], enableServiceLinks: null },
      {
        containers: [{ name: 'main', env: [{ name: 'A', value: 'patched' }] }],
        tolerations: [{ key: 'x', operator: 'Exists' }],
        volumes: [{ name: 'extra', emptyDir: {} }],
      },
    ],
  }) as unknown as {
    spec: Record<string, unknown> & {
      containers: { name: string; env: { name: string; value: string }[]; resources?: unknown; command?: string[] }[];
      volumes: { name: string }[];
    };
  };
  assert.equal(m.spec.containers.length, 1);
  const main = m.spec.containers[0];
  assert.deepEqual(main.env, [
    { name: 'A', value: 'patched' },
    { name: 'B', value: '2' },
  ]);
  assert.deepEqual(main.resources, { limits: { cpu: '1' } });
  assert.ok(main.command?.includes('weir-agent'), 'the rest of main is kept');
  assert.equal('enableServiceLinks' in m.spec, false);
  assert.deepEqual(m.spec.tolerations, [{ key: 'x', operator: 'Exists' }]);
  assert.deepEqual(
    m.spec.volumes.map((v) => v.name),
    ['weir-agent', 'extra'],
  );
});

test('strategic merge directives: $patch replace and delete', () => {
  assert.deepEqual(strategicMerge({ a: { x: 1, y: 2 } }, { a: { $patch: 'replace', z: 3 } }), { a: { z: 3 } });
  assert.deepEqual(
    strategicMerge({ containers: [{ name: 'main' }, { name: 'side' }] }, { containers: [{ name: 'side', $patch: 'delete' }] }),
    { containers: [{ name: 'main' }] },
  );
  assert.deepEqual(strategicMerge({ args: ['a', 'b'] }, { args: ['c'] }), { args: ['c'] }, 'lists without a merge key are replaced');
});

test('init containers run as written before main; sidecars are wrapped to stop once main exits; volumes shared', () => {
  const member = (nodeId: string, extra: Partial<StepSpec>): StepSpec => spec({ nodeId, ...extra });
  const m = manifest(spec({ mounts: [{ containerPath: '/work', hostPath: '/host/vol' }] }), {
    initContainers: [
      {
        name: 'prep',
        spec: member('n::init-prep', {
          container: { command: ['sh', '-c'], args: ['echo $(X)'] },
          mounts: [{ containerPath: '/w', hostPath: '/host/vol' }],
        }),
      },
    ],
    sidecars: [
      { name: 'db', spec: member('n::sidecar-db', { image: 'redis', container: { command: ['redis-server'] }, env: { P: '1' } }) },
    ],
  }) as unknown as {
    spec: {
      initContainers: { name: string; command: string[]; volumeMounts: { name: string; mountPath: string }[] }[];
      containers: { name: string; image: string; command: string[]; env: unknown[]; volumeMounts: { name: string }[] }[];
      volumes: { name: string }[];
    };
  };
  assert.deepEqual(m.spec.initContainers[0].command, ['sh', '-c', 'echo $$(X)']);
  assert.deepEqual(m.spec.initContainers[0].volumeMounts, [{ name: 'weir-mount-0', mountPath: '/w' }]);
  assert.deepEqual(
    m.spec.volumes.map((v) => v.name),
    ['weir-agent', 'weir-mount-0'],
    'one volume per host directory',
  );
  const db = m.spec.containers.find((c) => c.name === 'db');
  assert.equal(db?.image, 'redis');
  assert.deepEqual(db?.command.slice(3), ['weir-sidecar', 'redis-server']);
  assert.match(db?.command[2] ?? '', /main-exited/);
  assert.deepEqual(db?.env, [{ name: 'P', value: '1' }]);
  assert.deepEqual(
    m.spec.containers.map((c) => c.name),
    ['main', 'db'],
  );
});

test('a containerSet is one pod: every member under its own name behind the dependency wrapper, main with the agent', () => {
  const member = (name: string, command: string[]): StepSpec => spec({ nodeId: 'hello-123', command });
  const main = member('main', ['echo', 'two']);
  const m = manifest(main, {
    containerSet: {
      outcome: 'main',
      members: [
        { name: 'first', spec: member('first', ['echo', 'one']), dependencies: [] },
        { name: 'main', spec: main, dependencies: ['first'] },
      ],
    },
  });
  assert.deepEqual(
    m.spec.containers.map((c) => c.name),
    ['first', 'main'],
  );
  const [first, mainC] = m.spec.containers;
  assert.deepEqual(first.command?.slice(0, 2), ['sh', '-c']);
  assert.deepEqual(first.command?.slice(3), ['weir-deps', 'first', '0', '0', 'echo', 'one']);
  assert.deepEqual(mainC.command?.slice(3, 8), ['weir-deps', 'main', '1', '1', 'first']);
  assert.deepEqual(mainC.command?.slice(8, 10), ['sh', '-c']);
  assert.equal(mainC.command?.at(-1), 'two');
});

test('the inputs Secrets: one volume per chunk, mounted read-only in order under /var/run/weir-inputs', () => {
  const m = manifest(spec(), undefined, { inputsSecrets: ['hello-123-inputs', 'hello-123-inputs-1'] }) as unknown as {
    spec: {
      volumes: { name: string; secret?: { secretName: string } }[];
      containers: { volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[];
    };
  };
  assert.deepEqual(
    m.spec.volumes.filter((v) => isInputsVolume(v.name)).map((v) => [v.name, v.secret?.secretName]),
    [
      ['weir-inputs', 'hello-123-inputs'],
      ['weir-inputs-1', 'hello-123-inputs-1'],
    ],
  );
  assert.deepEqual(
    m.spec.containers[0].volumeMounts.filter((v) => isInputsVolume(v.name)),
    [
      { name: 'weir-inputs', mountPath: '/var/run/weir-inputs/0', readOnly: true },
      { name: 'weir-inputs-1', mountPath: '/var/run/weir-inputs/1', readOnly: true },
    ],
  );
  assert.equal(isInputsVolume('weir-inputs-x'), false);
});
