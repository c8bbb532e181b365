// Workflow labels Argo maintains (phase, completed), the `workflow.scheduledTime` global from the cron annotation, and data templates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from './sim.js';
import { operate } from '../../src/controller/operate.js';

const WF = `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: lab
  labels: { team: a }
  annotations: { workflows.argoproj.io/scheduled-time: '2024-05-06T07:08:09Z' }
spec:
  entrypoint: main
  templates:
    - name: main
      container: { image: x, command: [echo, "{{workflow.scheduledTime}}", "{{=sprig.trim(workflow.scheduledTime)}}"] }
`;

test('phase and completed labels follow the workflow phase; user labels are kept', () => {
  const s = new Sim(WF);
  const r1 = operate(s.wf, { now: s.now, workflowTemplate: () => undefined, configMap: () => undefined, pod: () => undefined });
  assert.deepEqual(r1.metadata?.labels, {
    team: 'a',
    'workflows.argoproj.io/phase': 'Running',
    'workflows.argoproj.io/completed': 'false',
  });
  s.pass().finishAll();
  assert.equal(s.phase, 'Succeeded');
  const r2 = operate(
    { ...s.wf, status: { ...s.wf.status, phase: 'Running', finishedAt: undefined } },
    { now: s.now, workflowTemplate: () => undefined, configMap: () => undefined, pod: (id) => s.pods.get(id) },
  );
  assert.equal(r2.status.phase, 'Succeeded');
  assert.equal(r2.metadata?.labels?.['workflows.argoproj.io/phase'], 'Succeeded');
  assert.equal(r2.metadata?.labels?.['workflows.argoproj.io/completed'], 'true');
});

test('workflow.scheduledTime resolves from the scheduled-time annotation, in {{}} and {{=}}', () => {
  const s = new Sim(WF).pass();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start && start.type === 'start');
  assert.deepEqual(start.spec.command, ['echo', '2024-05-06T07:08:09Z', '2024-05-06T07:08:09Z']);
});

test('data template: raw source transformed by expressions; a bad expression is an Error', () => {
  const s = new Sim(`
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: dt }
spec:
  entrypoint: main
  templates:
    - name: main
      data:
        source: { raw: "a.log b.txt c.log" }
        transformation:
          - expression: 'split(data, " ")'
          - expression: 'filter(data, {# endsWith ".log"})'
`).pass();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.node('dt').outputs?.result, '["a.log","c.log"]');
  const bad = new Sim(`
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: dt }
spec:
  entrypoint: main
  templates:
    - name: main
      data:
        source: { raw: "x" }
        transformation: [{ expression: 'nosuchfn(data)' }]
`).pass();
  assert.equal(bad.phase, 'Error');
  assert.match(bad.node('dt').message ?? '', /data\.transformation\[0\]/);
});
