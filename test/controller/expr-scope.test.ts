// What expressions see: DAG tasks' references to tasks.* in every form expressions allow (each task gets the variables
// of the tasks it mentions, or all of them when it names `tasks` any other way), and retryStrategy.expression with the
// template's inputs filled in as data and lastRetry.duration in whole seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from './sim.js';

/** The lines every workflow below starts with; its templates follow. */
const HEADER = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w }
spec:
  entrypoint: main
  templates:
`;

const wf = `
${HEADER}    - name: main
      dag:
        tasks:
          - { name: gen, template: t }
          - { name: plain, depends: gen, template: echo, arguments: { parameters: [{ name: m, value: "{{tasks.gen.outputs.result}}" }] } }
          - { name: optional, depends: gen, template: echo, arguments: { parameters: [{ name: m, value: "{{=tasks?.gen?.outputs?.result}}" }] } }
          - { name: spaced, depends: gen, template: echo, arguments: { parameters: [{ name: m, value: "{{= tasks . gen . outputs . result }}" }] } }
          - { name: indexed, depends: gen, template: echo, arguments: { parameters: [{ name: m, value: "{{=tasks['gen'].outputs.result}}" }] } }
          - { name: whole, depends: gen, template: echo, arguments: { parameters: [{ name: m, value: "{{=len(tasks)}}" }] } }
          - { name: cond, depends: gen, when: "{{=tasks?.gen?.outputs?.result == 'G'}}", template: echo, arguments: { parameters: [{ name: m, value: ran }] } }
    - name: t
      container: { image: x, command: [x] }
    - name: echo
      inputs: { parameters: [{ name: m }] }
      container: { image: x, command: [echo, "{{inputs.parameters.m}}"] }
`;

test('DAG task references to tasks.* in every expression form resolve', () => {
  const s = new Sim(wf).pass();
  s.finish('gen', 0, 'G').pass();
  const value = (n: string): string | undefined => s.node(n).inputs?.parameters?.[0]?.value;
  for (const n of ['plain', 'optional', 'spaced', 'indexed']) assert.equal(value(n), 'G', `${n}: ${s.node(n).message ?? ''}`);
  assert.equal(s.node('cond').type, 'Pod');
  assert.equal(value('cond'), 'ran');
  assert.ok(Number(value('whole')) >= 1, `whole: ${String(value('whole'))}`);
  s.runToEnd();
  assert.equal(s.phase, 'Succeeded');
});

test('retryStrategy.expression sees the template inputs (as data) and lastRetry.duration in whole seconds', () => {
  const s = new Sim(`
${HEADER}    - name: main
      steps:
        - - { name: r, template: flaky, arguments: { parameters: [{ name: safe, value: "true" }] } }
    - name: flaky
      inputs: { parameters: [{ name: safe }] }
      retryStrategy:
        limit: "5"
        expression: 'asInt(lastRetry.exitCode) > 1 && asInt(lastRetry.duration) < 120 && {{inputs.parameters.safe}} == true'
      container: { image: x, command: [x] }
`).pass();
  s.now += 1500;
  s.finish('r(0)', 2).pass(); // exit 2 after 1.5 s: retried
  assert.ok(s.has('r(1)'), `no second attempt: ${s.node('r').message ?? ''}`);
  s.finish('r(1)', 1).pass(); // exit 1: not retried
  assert.equal(s.has('r(2)'), false);
  assert.equal(s.node('r').phase, 'Failed');
});

test('outputs of a skipped or omitted producer resolve to its valueFrom.default (DAG withParam and steps)', () => {
  const producer = `
    - name: produce
      outputs: { parameters: [{ name: items, valueFrom: { path: /tmp/out, default: '["a","b"]' } }] }
      container: { image: x, command: [x] }
    - name: consume
      inputs: { parameters: [{ name: in }] }
      container: { image: x, command: [echo, "{{inputs.parameters.in}}"] }`;
  const dag = new Sim(`
${HEADER}    - name: main
      dag:
        tasks:
          - { name: skipped, template: produce, when: "false" }
          - { name: gate, template: produce }
          - { name: omitted, template: produce, depends: gate.Failed }
          - { name: a, template: consume, depends: skipped.Skipped, withParam: "{{tasks.skipped.outputs.parameters.items}}", arguments: { parameters: [{ name: in, value: "{{item}}" }] } }
          - { name: b, template: consume, depends: omitted.Omitted, arguments: { parameters: [{ name: in, value: "{{tasks.omitted.outputs.parameters.items}}" }] } }
${producer}
`).pass();
  dag.finish('gate').pass();
  dag.runToEnd();
  assert.equal(
    dag.phase,
    'Succeeded',
    JSON.stringify(Object.values(dag.wf.status?.nodes ?? {}).map((n) => [n.displayName, n.phase, n.message])),
  );
  assert.deepEqual(
    ['a(0:a)', 'a(1:b)'].map((n) => dag.node(n).inputs?.parameters?.[0]?.value),
    ['a', 'b'],
  );
  assert.equal(dag.node('b').inputs?.parameters?.[0]?.value, '["a","b"]');
  const steps = new Sim(`
${HEADER}    - name: main
      steps:
        - - { name: p, template: produce, when: "false" }
        - - { name: c, template: consume, arguments: { parameters: [{ name: in, value: "{{steps.p.outputs.parameters.items}}" }] } }
${producer}
`).runToEnd();
  assert.equal(steps.phase, 'Succeeded');
  assert.equal(steps.node('c').inputs?.parameters?.[0]?.value, '["a","b"]');
});

test("an argument that only references a skipped producer's missing output leaves the consuming input to its default", () => {
  const s = new Sim(`
${HEADER}    - name: main
      dag:
        tasks:
          - { name: p, template: produce, when: "false" }
          - { name: with-default, template: consume, depends: p.Skipped, arguments: { parameters: [{ name: in, value: "{{tasks.p.outputs.parameters.msg}}" }] } }
          - { name: no-default, template: strict, depends: p.Skipped, arguments: { parameters: [{ name: in, value: "{{tasks.p.outputs.parameters.msg}}" }] } }
    - name: produce
      outputs: { parameters: [{ name: msg, valueFrom: { path: /tmp/out } }] }
      container: { image: x, command: [x] }
    - name: consume
      inputs: { parameters: [{ name: in, default: none }] }
      container: { image: x, command: [echo, "{{inputs.parameters.in}}"] }
    - name: strict
      inputs: { parameters: [{ name: in }] }
      container: { image: x, command: [echo, "{{inputs.parameters.in}}"] }
`).runToEnd();
  assert.equal(s.node('with-default').inputs?.parameters?.[0]?.value, 'none');
  assert.equal(s.node('with-default').phase, 'Succeeded');
  assert.equal(s.node('no-default').phase, 'Error');
});
