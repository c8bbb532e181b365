// The pod executor's Pod manifest (pure): Argo's names, labels, annotations and ownerReference, the agent wrapping,
// the wait container only for steps with outputs, and `$` escaping that survives Kubernetes' `$(VAR)` expansion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentArgv, escapeDollars, podManifest, podName } from '../../src/executor/pod-manifest.js';
import type { StepSpec } from '../../src/executor/types.js';
import { expand } from '../helpers/kube-node-pod.js';

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

const manifest = (s: StepSpec, pod?: Parameters<typeof podManifest>[0]['pod']): Obj =>
  podManifest({
    spec: s,
    name: podName(s),
    image: 'busybox',
    agentImage: 'busybox',
    startedAt: 'T',
    terminationGraceSeconds: 30,
    ...(pod ? { pod } : {}),
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
