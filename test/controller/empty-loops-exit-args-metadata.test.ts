// More engine gaps from Argo's e2e workflows: loops over no items (Skipped, "Skipped, empty params"), workflow exit
// hook arguments, workflow.labels.json, a placeholder in dag.target (engine and lint), raw and absent optional input
// artifacts, valueFrom.Parameter spelled with a capital P.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sim } from './sim.js';
import { lintLoaded } from '../../src/api/lint.js';
import { loadText } from '../../src/api/loader.js';
import { operate } from '../../src/controller/operate.js';

const wf = (spec: string, meta = ''): string => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: w${meta} }
spec:
${spec}`;

const leaf = `
    - name: t
      inputs: { parameters: [{ name: x }] }
      container: { image: x, command: [echo, "{{inputs.parameters.x}}"] }`;

test('an empty withParam makes a Skipped node "Skipped, empty params" (DAG and steps)', () => {
  const d = new Sim(
    wf(`
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - { name: each, template: t, withParam: "[]", arguments: { parameters: [{ name: x, value: "{{item}}" }] } }
          - { name: after, template: t, depends: each, arguments: { parameters: [{ name: x, value: "{{tasks.each.status}}" }] } }
${leaf}`),
  ).runToEnd();
  assert.equal(d.phase, 'Succeeded');
  assert.equal(d.node('each').type, 'Skipped');
  assert.equal(d.node('each').phase, 'Skipped');
  assert.equal(d.node('each').message, 'Skipped, empty params');
  assert.equal(d.node('after').phase, 'Succeeded');
  const s = new Sim(
    wf(`
  entrypoint: main
  templates:
    - name: main
      steps:
        - - { name: each, template: t, withItems: [], arguments: { parameters: [{ name: x, value: "{{item}}" }] } }
${leaf}`),
  ).runToEnd();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.node('w[0].each').phase, 'Skipped');
  assert.equal(s.node('w[0].each').message, 'Skipped, empty params');
  assert.deepEqual(s.node('w[0]').children, [s.node('w[0].each').id]);
});

test('workflow exit hook arguments are substituted with workflow.status', () => {
  const s = new Sim(
    wf(`
  entrypoint: main
  arguments: { parameters: [{ name: g, value: G }] }
  hooks:
    exit:
      template: report
      arguments: { parameters: [{ name: status, value: "{{workflow.status}}" }] }
  templates:
    - name: main
      container: { image: x, command: [x] }
    - name: report
      inputs: { parameters: [{ name: status }, { name: g }] }
      container: { image: x, command: [echo, "{{inputs.parameters.status}} {{inputs.parameters.g}}"] }
`),
  ).pass();
  s.finishAll();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start');
  assert.deepEqual(start.spec.command, ['echo', 'Succeeded G']);
  s.finishAll();
  assert.equal(s.phase, 'Succeeded');
});

test('workflow.labels.json and workflow.annotations.json', () => {
  const s = new Sim(
    wf(
      `
  entrypoint: main
  templates:
    - name: main
      container: { image: x, command: [echo, "{{=jsonpath(workflow.labels.json, '$.color')}}", "{{=jsonpath(workflow.annotations.json, '$.note')}}"] }
`,
      ', labels: { color: red }, annotations: { note: hi }',
    ),
  ).pass();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start');
  assert.deepEqual(start.spec.command, ['echo', 'red', 'hi']);
});

const targetWf = wf(`
  entrypoint: main
  arguments: { parameters: [{ name: only, value: b }] }
  templates:
    - name: main
      dag:
        target: "{{workflow.parameters.only}}"
        tasks:
          - { name: a, template: t }
          - { name: b, template: t }
    - name: t
      container: { image: x, command: [x] }
`);

test('dag.target with a placeholder: lint accepts it, the engine runs only the target', () => {
  const errors = lintLoaded(loadText(targetWf, 'w.yaml')).findings.filter((f) => f.severity === 'error');
  assert.deepEqual(
    errors.map((f) => f.message),
    [],
  );
  const bad = lintLoaded(loadText(targetWf.replace('"{{workflow.parameters.only}}"', 'zz'), 'w.yaml')).findings.filter(
    (f) => f.severity === 'error',
  );
  assert.equal(bad.length, 1);
  const s = new Sim(targetWf).runToEnd();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.has('w.a'), false);
  assert.equal(s.node('w.b').phase, 'Succeeded');
});

test('raw input artifacts become input files; an absent optional artifact passed on with from is dropped', () => {
  const s = new Sim(
    wf(`
  entrypoint: main
  templates:
    - name: main
      inputs:
        artifacts: [{ name: maybe, optional: true }, { name: msg, raw: { data: hello } }]
      steps:
        - - name: use
            template: leaf
            arguments:
              artifacts: [{ name: maybe, from: "{{inputs.artifacts.maybe}}" }, { name: msg, from: "{{inputs.artifacts.msg}}" }]
    - name: leaf
      inputs:
        artifacts: [{ name: maybe, path: /tmp/maybe, optional: true }, { name: msg, path: /in/msg, mode: 0o600 }]
      container: { image: x, command: [cat, /in/msg] }
`),
  );
  s.extra = { volumeRoot: '/vol' };
  s.pass();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start', JSON.stringify(s.wf.status));
  assert.equal(start.spec.inputFiles?.length, 1);
  const f = start.spec.inputFiles?.[0];
  assert.equal(f?.containerPath, '/in/msg');
  assert.equal(f?.mode, 0o600);
  const prep = start.prepare?.find((p) => f?.hostPath.startsWith(p.dir));
  assert.deepEqual(prep?.files, { data: 'hello' });
  assert.deepEqual(
    s.node('use').inputs?.artifacts?.map((a) => a.name),
    ['msg'],
  );
});

test('input artifacts: a required one without a source is an error; a located one becomes a load plan', () => {
  const missing = new Sim(
    wf(`
  entrypoint: main
  templates:
    - name: main
      inputs: { artifacts: [{ name: a, path: /a }] }
      container: { image: x, command: [x] }
`),
  ).pass();
  assert.equal(missing.phase, 'Error');
  assert.match(missing.node('w').message ?? '', /inputs\.artifacts\.a: required artifact 'a' not supplied/);
  const s = new Sim(
    wf(`
  entrypoint: main
  templates:
    - name: main
      inputs: { artifacts: [{ name: a, path: /a, mode: 256, s3: { key: k } }] }
      container: { image: x, command: [x] }
`),
  );
  s.extra = { volumeRoot: '/vol' };
  s.pass();
  const start = s.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start');
  assert.deepEqual(start.inputArtifacts, {
    artifacts: [{ name: 'a', path: '/a', mode: 0o400, s3: { key: 'k' } }],
    stagingDir: '/vol/node/w/inputs',
  });
  assert.deepEqual(s.node('w').inputs?.artifacts, [{ name: 'a', path: '/a', mode: 0o400, s3: { key: 'k' } }]);
});

test('valueFrom.Parameter (capital P) is read like parameter', () => {
  const s = new Sim(
    wf(`
  entrypoint: main
  templates:
    - name: main
      steps: [[{ name: s, template: t }]]
      outputs: { parameters: [{ name: out, valueFrom: { Parameter: "{{steps.s.outputs.result}}" } }] }
    - name: t
      container: { image: x, command: [x] }
`),
  ).pass();
  s.finishAll({ s: 'hello\n' });
  assert.equal(s.phase, 'Succeeded');
  assert.deepEqual(s.node('w').outputs?.parameters, [{ name: 'out', value: 'hello' }]);
});

test('spec.retryStrategy: the root is a Retry node with attempt <wf>(0); a failed attempt is retried', () => {
  const s = new Sim(
    wf(`
  entrypoint: main
  retryStrategy: { limit: 1 }
  templates:
    - name: main
      container: { image: x, command: [x] }
`),
  ).pass();
  assert.equal(s.node('w').type, 'Retry');
  assert.equal(s.node('w(0)').type, 'Pod');
  s.finish('w(0)', 1).pass();
  assert.equal(s.node('w(0)').phase, 'Failed');
  assert.equal(s.node('w(1)').phase, 'Pending');
  s.finish('w(1)', 0, 'ok\n').pass();
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.node('w').outputs?.result, 'ok');
});

test('spec.workflowMetadata: labels and labelsFrom expressions are returned for the Workflow and visible as variables', () => {
  const s = new Sim(
    wf(
      `
  entrypoint: main
  arguments: { parameters: [{ name: team, value: blue }] }
  workflowMetadata:
    labels: { fixed: yes-it-is }
    labelsFrom:
      team: { expression: "workflow.parameters.team + '-x'" }
  templates:
    - name: main
      container: { image: x, command: [echo, "{{workflow.labels.team}}"] }
`,
      ', labels: { own: o }',
    ),
  );
  const r = operate(s.wf, { now: s.now, workflowTemplate: () => undefined, configMap: () => undefined, pod: () => undefined });
  assert.deepEqual(r.metadata?.labels, {
    own: 'o',
    fixed: 'yes-it-is',
    team: 'blue-x',
    'workflows.argoproj.io/phase': 'Running',
    'workflows.argoproj.io/completed': 'false',
  });
  const start = r.actions.find((a) => a.type === 'start');
  assert.ok(start?.type === 'start');
  assert.deepEqual(start.spec.command, ['echo', 'blue-x']);
});
