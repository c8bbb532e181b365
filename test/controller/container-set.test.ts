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

/** The pod executor's end of a containerSet pod: how each member ended (as StepResult.members reports it). */
function finishSetPod(s: Sim, members: { name: string; exitCode: number | null; omitted?: boolean }[], stdout = ''): void {
  const id = s.node('w').id;
  const at = new Date(s.now).toISOString();
  s.pods.set(id, {
    state: 'done',
    outcome: {
      exitCode: members.find((m) => m.name === 'main')?.exitCode ?? 0,
      stdout,
      files: {},
      startedAt: at,
      finishedAt: at,
      members: members.map((m) => ({ ...m, startedAt: at, finishedAt: at })),
    },
  });
}

test('containerSet on the pod executor: ONE start for the whole set, members with their dependencies, outputs from main', () => {
  const s = new Sim(cs());
  s.extra = { volumeRoot: '/vol', runsImages: true, runsPods: true };
  s.pass();
  assert.equal(s.actions.filter((a) => a.type === 'start').length, 1);
  const a = s.actions.find((x) => x.type === 'start');
  assert.ok(a?.type === 'start');
  assert.equal(a.nodeId, s.node('w').id, 'the pod is the containerSet node');
  const set = a.spec.pod?.containerSet;
  assert.equal(set?.outcome, 'main');
  assert.deepEqual(
    set?.members.map((m) => [m.name, m.dependencies]),
    [
      ['first', []],
      ['main', ['first']],
      ['other', ['first']],
    ],
  );
  assert.equal(set?.members[0].spec.mounts[0]?.hostPath, set?.members[1].spec.mounts[0]?.hostPath, 'one volume dir for the pod');
  assert.deepEqual(a.spec.container?.command, ['echo', 'two'], "the step's own spec is main's");
  s.pass();
  assert.equal(s.node('w.first').phase, 'Running');
  finishSetPod(
    s,
    [
      { name: 'first', exitCode: 0 },
      { name: 'main', exitCode: 0 },
      { name: 'other', exitCode: 0 },
    ],
    'two\n',
  );
  s.pass();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.node('w').outputs?.result, 'two');
  assert.equal(s.node('w.main').phase, 'Succeeded');
  assert.equal(s.node('w.first').podName, s.node('w').id);
});

test('containerSet on the pod executor: a failed container, its skipped dependents Omitted, the pod node Failed', () => {
  const s = new Sim(cs());
  s.extra = { volumeRoot: '/vol', runsImages: true, runsPods: true };
  s.pass();
  finishSetPod(s, [
    { name: 'first', exitCode: 3 },
    { name: 'main', exitCode: null, omitted: true },
    { name: 'other', exitCode: null, omitted: true },
  ]);
  s.pass();
  assert.equal(s.node('w.first').phase, 'Failed');
  assert.equal(s.node('w.main').phase, 'Omitted');
  assert.equal(s.node('w.other').phase, 'Omitted');
  assert.equal(s.phase, 'Failed');
  assert.match(s.node('w').message ?? '', /container first/);
});

test('containerSet without a container named main: the last one is the outcome (both executors)', () => {
  const yaml = cs().replace('name: main, image: alpine, command: [echo, two]', 'name: second, image: alpine, command: [echo, two]');
  const pods = new Sim(yaml);
  pods.extra = { volumeRoot: '/vol', runsImages: true, runsPods: true };
  pods.pass();
  const a = pods.actions.find((x) => x.type === 'start');
  assert.ok(a?.type === 'start');
  assert.equal(a.spec.pod?.containerSet?.outcome, 'other');
  const host = new Sim(yaml);
  host.extra = { volumeRoot: '/vol' };
  host.pass().finish('w.first', 0).pass().finish('w.second', 0, 'two\n').finish('w.other', 0, 'last\n').pass();
  assert.equal(host.node('w').outputs?.result, 'last');
});
