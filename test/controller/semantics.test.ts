// Argo semantics driven through the pure operate() with a hand-controlled simulator: suspend without duration and
// its resume contract, spec.suspend, spec.shutdown Stop/Terminate, template timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from './sim.js';

const twoSteps = (extra: string, first = 'a: { template: t }'): string => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w }
spec:
  entrypoint: main
${extra}
  templates:
    - name: main
      steps:
        - - { name: a, ${first.replace(/^a: \{ (.*) \}$/, '$1')} }
        - - { name: b, template: t }
    - name: t
      container: { image: x, command: [x] }
    - name: wait
      suspend: {}
    - name: exit
      container: { image: x, command: [exit] }
`;

test('suspend without duration stays Running until its phase is set to Succeeded (resume contract)', () => {
  const s = new Sim(twoSteps('', 'a: { template: wait }')).pass();
  assert.equal(s.node('a').phase, 'Running');
  assert.equal(s.node('a').type, 'Suspend');
  s.now += 3_600_000;
  s.pass();
  assert.equal(s.node('a').phase, 'Running');
  assert.equal(s.has('b'), false);
  s.node('a').phase = 'Succeeded';
  s.pass();
  assert.equal(s.node('b').phase, 'Pending');
  assert.ok(s.actions.some((a) => a.type === 'start'));
  s.finish('b').pass();
  assert.equal(s.phase, 'Succeeded');
});

test('spec.suspend: running steps go on, nothing new starts until it is cleared', () => {
  const s = new Sim(twoSteps('')).pass();
  s.wf.spec.suspend = true;
  s.finish('a').pass();
  assert.equal(s.node('a').phase, 'Succeeded');
  assert.equal(s.has('b'), false);
  assert.equal(s.actions.length, 0);
  assert.equal(s.phase, 'Running');
  delete s.wf.spec.suspend;
  s.pass();
  assert.ok(s.actions.some((a) => a.type === 'start'));
  s.finish('b').pass();
  assert.equal(s.phase, 'Succeeded');
});

test("spec.shutdown Terminate: running step killed, nodes Failed with Argo's message, no exit handler", () => {
  const s = new Sim(twoSteps('  onExit: exit')).pass();
  s.wf.spec.shutdown = 'Terminate';
  s.pass();
  assert.deepEqual(
    s.actions.map((a) => a.type),
    ['kill'],
  );
  assert.equal(s.phase, 'Failed');
  assert.equal(s.wf.status?.message, "Stopped with strategy 'Terminate'");
  assert.equal(s.node('a').phase, 'Failed');
  assert.equal(s.node('a').message, "Stopped with strategy 'Terminate'");
  assert.equal(s.has('w.onExit'), false);
});

test('spec.shutdown Stop: running step killed, the exit handler still runs, then Failed', () => {
  const s = new Sim(twoSteps('  onExit: exit')).pass();
  s.wf.spec.shutdown = 'Stop';
  s.pass();
  assert.ok(s.actions.some((a) => a.type === 'kill'));
  assert.ok(
    s.actions.some((a) => a.type === 'start'),
    'exit handler started',
  );
  assert.equal(s.phase, 'Running');
  s.finish('w.onExit').pass();
  assert.equal(s.phase, 'Failed');
  assert.equal(s.wf.status?.message, "Stopped with strategy 'Stop'");
  assert.equal(s.node('w.onExit').phase, 'Succeeded');
});

// Issue 11 item 15: stop/terminate of a suspended workflow (spec.suspend still set, as stored before stop cleared it).
test('spec.shutdown Stop while spec.suspend: the workflow ends, the exit handler runs', () => {
  const s = new Sim(twoSteps('  onExit: exit')).pass();
  s.wf.spec.suspend = true;
  s.pass();
  s.wf.spec.shutdown = 'Stop';
  s.pass();
  assert.ok(s.actions.some((a) => a.type === 'kill'));
  assert.ok(
    s.actions.some((a) => a.type === 'start'),
    'exit handler started although spec.suspend is set',
  );
  s.finish('w.onExit').pass();
  assert.equal(s.phase, 'Failed');
  assert.equal(s.wf.status?.message, "Stopped with strategy 'Stop'");
  assert.equal(s.node('w.onExit').phase, 'Succeeded');
});

test('spec.shutdown Terminate while spec.suspend and a suspend node waiting: Failed at once, no exit handler', () => {
  const s = new Sim(twoSteps('  onExit: exit', 'a: { template: wait }')).pass();
  s.wf.spec.suspend = true;
  s.pass();
  s.wf.spec.shutdown = 'Terminate';
  s.pass();
  assert.equal(s.phase, 'Failed');
  assert.equal(s.node('a').phase, 'Failed');
  assert.equal(s.has('w.onExit'), false);
});

test('template timeout kills a pod step once exceeded', () => {
  const s = new Sim(
    twoSteps('').replace('container: { image: x, command: [x] }', 'timeout: 30s\n      container: { image: x, command: [x] }'),
  ).pass();
  s.now += 10_000;
  s.pass();
  assert.equal(s.node('a').phase, 'Running');
  s.now += 25_000;
  s.pass();
  assert.deepEqual(
    s.actions.map((a) => a.type),
    ['kill'],
  );
  assert.equal(s.node('a').phase, 'Failed');
  assert.equal(s.phase, 'Failed');
});

test('lifecycle hooks with expressions: step-level fires once when its step runs, workflow-level on success', () => {
  const s = new Sim(`
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w }
spec:
  entrypoint: main
  hooks:
    done:
      expression: workflow.status == "Succeeded"
      template: t
  templates:
    - name: main
      steps:
        - - name: a
            template: t
            hooks:
              running:
                expression: steps.a.status == "Running"
                template: t
    - name: t
      container: { image: x, command: [x] }
`).pass();
  assert.equal(s.has('w[0].a.hooks.running'), false, 'a is Pending on the first pass');
  s.pass();
  assert.equal(s.node('w[0].a.hooks.running').phase, 'Pending');
  s.finish('a').pass();
  assert.equal(s.node('a').phase, 'Succeeded');
  assert.equal(s.phase, 'Running', 'the step waits for its running hook');
  s.finish('w[0].a.hooks.running').pass();
  assert.equal(s.node('w.hooks.done').phase, 'Pending');
  assert.equal(s.phase, 'Running');
  s.finish('w.hooks.done').pass();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(Object.values(s.wf.status?.nodes ?? {}).filter((n) => n.name.includes('.hooks.')).length, 2);
});
