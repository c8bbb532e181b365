// Daemon steps, sidecars and init containers: pure operate() passes with simulated steps, and real runs on the host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from './sim.js';
import { subStepId } from '../../src/controller/sub-steps.js';

const DAEMON_STEPS = `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: d }
spec:
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: server, template: server }
        - - { name: client, template: client, arguments: { parameters: [{ name: ip, value: "{{steps.server.ip}}" }] } }
    - name: server
      daemon: true
      container: { image: x, command: [sleep, '100'] }
    - name: client
      inputs: { parameters: [{ name: ip }] }
      container: { image: x, command: [echo, "{{inputs.parameters.ip}}"] }
`;

test('daemon step: Running + daemoned once started, dependants go on, killed and Succeeded when the steps end', () => {
  const s = new Sim(DAEMON_STEPS).pass();
  assert.deepEqual(s.started(), ['server']);
  s.pass();
  const server = s.node('server');
  assert.equal(server.phase, 'Running');
  assert.equal(server.daemoned, true);
  assert.deepEqual(s.started(), ['client']);
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start');
  assert.deepEqual(start.spec.command, ['echo', '127.0.0.1']);
  s.finish('client').pass();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.node('server').phase, 'Succeeded');
  assert.equal(s.node('server').daemoned, undefined);
  assert.ok(
    s.actions.some((a) => a.type === 'kill' && a.nodeId === server.id),
    'the daemon is stopped',
  );
});

test('daemon with a readinessProbe: its dependants wait until the probe passed (the probe goes with the start)', () => {
  const s = new Sim(
    DAEMON_STEPS.replace(
      "container: { image: x, command: [sleep, '100'] }",
      "container: { image: x, command: [sleep, '100'], readinessProbe: { httpGet: { path: /, port: 80 } } }",
    ),
  ).pass();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start');
  assert.deepEqual(start.readiness, { httpGet: { path: '/', port: 80 } });
  s.pass();
  assert.equal(s.node('server').phase, 'Running');
  assert.equal(s.node('server').daemoned, undefined);
  assert.equal(s.has('client'), false, 'the client waits for the daemon to be ready');
  s.ready('server').pass();
  assert.equal(s.node('server').daemoned, true);
  assert.deepEqual(s.started(), ['client']);
});

test('daemon in a DAG: .Daemoned in depends; a daemon that fails before it is no longer needed fails its node', () => {
  const s = new Sim(`
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: dd }
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - { name: db, template: server }
          - { name: use, template: work, depends: db.Daemoned }
    - name: server
      daemon: true
      container: { image: x, command: [sleep, '100'] }
    - name: work
      container: { image: x, command: [true] }
`)
    .pass()
    .pass();
  assert.equal(s.node('db').daemoned, true);
  assert.deepEqual(s.started(), ['use']);
  s.finish('use').pass();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.node('db').phase, 'Succeeded');
});

const SIDECAR = `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: sc }
spec:
  entrypoint: main
  templates:
    - name: main
      volumes: [{ name: shared, emptyDir: {} }]
      initContainers:
        - { name: one, image: x, command: [echo, one] }
        - { name: two, image: x, command: [echo, two], mirrorVolumeMounts: true }
      sidecars:
        - { name: side, image: x, command: [sleep, '100'], mirrorVolumeMounts: true }
      container:
        image: x
        command: [echo, main]
        volumeMounts: [{ name: shared, mountPath: /shared }]
`;

test('init containers run in order before main; sidecars start with main and are stopped when it exits', () => {
  const s = new Sim(SIDECAR);
  s.extra = { volumeRoot: '/vol' };
  s.pass();
  const node = s.node('sc');
  const one = subStepId(node.id, 'init-one');
  const two = subStepId(node.id, 'init-two');
  const side = subStepId(node.id, 'sidecar-side');
  assert.deepEqual(
    s.actions.map((a) => (a.type === 'start' ? a.nodeId : '')),
    [one],
  );
  s.pass();
  assert.equal(s.actions.length, 0, 'nothing else starts while the first init container runs');
  s.pods.set(one, {
    state: 'done',
    outcome: { exitCode: 0, stdout: '', files: {}, startedAt: '2024-01-01T00:00:00Z', finishedAt: '2024-01-01T00:00:00Z' },
  });
  s.pass();
  const startTwo = s.actions.find((a) => a.type === 'start');
  assert.ok(startTwo?.type === 'start');
  assert.equal(startTwo.nodeId, two);
  assert.deepEqual(startTwo.spec.mounts, [{ containerPath: '/shared', hostPath: '/vol/node/sc/shared' }], 'mirrored volume mounts');
  s.pods.set(two, {
    state: 'done',
    outcome: { exitCode: 0, stdout: '', files: {}, startedAt: '2024-01-01T00:00:00Z', finishedAt: '2024-01-01T00:00:00Z' },
  });
  s.pass();
  assert.deepEqual(
    s.actions.map((a) => (a.type === 'start' ? a.nodeId : '')),
    [node.id, side],
  );
  s.finish('sc', 0, 'main\n').pass();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.node('sc').outputs?.result, 'main');
  assert.ok(s.actions.some((a) => a.type === 'kill' && a.nodeId === side));
});

test('a failing init container fails the node; main never starts', () => {
  const s = new Sim(SIDECAR);
  s.extra = { volumeRoot: '/vol' };
  s.pass();
  const one = subStepId(s.node('sc').id, 'init-one');
  s.pods.set(one, {
    state: 'done',
    outcome: { exitCode: 3, stdout: '', files: {}, startedAt: '2024-01-01T00:00:00Z', finishedAt: '2024-01-01T00:00:00Z' },
  });
  s.pass();
  assert.equal(s.phase, 'Failed');
  assert.match(s.node('sc').message ?? '', /init container one: Error \(exit code 3\)/);
  assert.equal(s.actions.filter((a) => a.type === 'start').length, 0);
});
