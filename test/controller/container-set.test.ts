// containerSet templates through the pure engine: Container child nodes, dependency order, shared pod volumes,
// outputs from the `main` container, a failed dependency omits its dependents, in-place retries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from './sim.js';

const cs = (extra = ''): string => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w }
spec:
  entrypoint: main
  templates:
    - name: main
      volumes: [{ name: shared, emptyDir: {} }]
      containerSet:
        volumeMounts: [{ name: shared, mountPath: /shared }]
${extra}
        containers:
          - { name: first, image: alpine, command: [echo, one] }
          - { name: main, image: alpine, command: [echo, two], dependencies: [first] }
          - { name: other, image: argoproj/argosay:v2, dependencies: [first] }
`;

test('containerSet: containers start in dependency order, share the pod volumes; result from main', () => {
  const s = new Sim(cs());
  s.extra = { volumeRoot: '/vol' };
  s.pass();
  assert.equal(s.node('w').type, 'Pod');
  assert.equal(s.node('w.first').type, 'Container');
  assert.deepEqual(s.started(), ['first']);
  s.finish('w.first', 0, 'one\n').pass();
  assert.deepEqual(s.started().sort(), ['main', 'other']);
  const mounts = s.actions.map((a) => (a.type === 'start' ? a.spec.mounts[0]?.hostPath : undefined));
  assert.equal(mounts[0], mounts[1], 'one volume dir for the whole pod');
  const other = s.actions.find((a) => a.type === 'start' && a.spec.command[0] === 'argosay');
  assert.ok(other, 'argosay entrypoint');
  s.finish('w.main', 0, 'two\n').finish('w.other', 0, 'x\n').pass();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.node('w').outputs?.result, 'two');
  assert.deepEqual(s.node('w').children?.length, 3);
});

test('containerSet: a failed container omits its dependents and fails the pod node', () => {
  const s = new Sim(cs());
  s.extra = { volumeRoot: '/vol' };
  s.pass().finish('w.first', 2).pass();
  assert.equal(s.node('w.main').phase, 'Omitted');
  assert.equal(s.node('w.first').phase, 'Failed');
  assert.equal(s.phase, 'Failed');
  assert.match(s.node('w').message ?? '', /container first/);
});

test('containerSet retryStrategy wraps the command to retry in place', () => {
  const s = new Sim(cs(`        retryStrategy: { retries: 2, duration: 500ms }`));
  s.extra = { volumeRoot: '/vol' };
  s.pass();
  const a = s.actions.find((x) => x.type === 'start');
  assert.ok(a?.type === 'start');
  assert.deepEqual(a.spec.command.slice(0, 2), ['sh', '-c']);
  assert.deepEqual(a.spec.command.slice(3), ['weir-retry', '2', '0.5', 'echo', 'one']);
});
