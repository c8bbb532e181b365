// spec.workflowMetadata labels that Kubernetes would refuse (a labelsFrom expression over a parameter, a fixed label)
// end the workflow in Error naming the field and the label, instead of a save the store refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from './sim.js';
import { operate } from '../../src/controller/operate.js';

const wf = (workflowMetadata: string): string => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w }
spec:
  entrypoint: main
  arguments: { parameters: [{ name: team, value: "blue team!" }] }
  workflowMetadata:
${workflowMetadata}
  templates:
    - name: main
      container: { image: x, command: [echo, hi] }
`;

const ctx = (s: Sim) => ({ now: s.now, workflowTemplate: () => undefined, configMap: () => undefined, pod: () => undefined });

test('a labelsFrom value that is not a valid label value is an Error naming the field', () => {
  const s = new Sim(
    wf(`    labelsFrom:
      team: { expression: "workflow.parameters.team" }`),
  );
  const r = operate(s.wf, ctx(s));
  assert.equal(r.status.phase, 'Error');
  assert.match(r.status.message ?? '', /spec\.workflowMetadata\.labelsFrom\.team: invalid label "team"="blue team!"/);
  assert.deepEqual(
    r.actions.filter((a) => a.type === 'start'),
    [],
  );
});

test('an invalid fixed label key is an Error too; valid ones run', () => {
  const bad = new Sim(wf(`    labels: { "bad key": x }`));
  const r = operate(bad.wf, ctx(bad));
  assert.equal(r.status.phase, 'Error');
  assert.match(r.status.message ?? '', /spec\.workflowMetadata\.labels\.bad key: invalid label/);
  const good = new Sim(
    wf(`    labelsFrom:
      team: { expression: "trimSuffix(replace(workflow.parameters.team, ' ', '-'), '!')" }`),
  );
  const ok = operate(good.wf, ctx(good));
  assert.notEqual(ok.status.phase, 'Error', ok.status.message);
});
