// tasks.* references in the forms expressions allow: each DAG task gets the variables of the tasks it mentions, and
// every task's variables when it names `tasks` any other way (optional chaining, spaces, indexing, the whole map).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from './sim.js';

const wf = `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w }
spec:
  entrypoint: main
  templates:
    - name: main
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
