// Semantic lint rules for workflow specs, as a table of small manifests and the findings they must (not) produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadText } from '../../src/api/loader.js';
import { lintLoaded } from '../../src/api/lint.js';

function lint(yaml: string): { rule: string; line: number; message: string; severity: string }[] {
  return lintLoaded(loadText(yaml, 'm.yaml')).findings.map((f) => ({
    rule: f.rule,
    line: f.line,
    message: f.message,
    severity: f.severity,
  }));
}
const errors = (yaml: string) => lint(yaml).filter((f) => f.severity === 'error');

const wf = (templates: string, extra = '') => `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w}
spec:
  entrypoint: main
${extra}  templates:
${templates}`;

const cases: { name: string; yaml: string; expect: RegExp[] }[] = [
  {
    name: 'missing entrypoint template',
    yaml: wf(`  - name: mian\n    container: {image: a}\n`),
    expect: [/entrypoint template "main" is not defined/],
  },
  {
    name: 'duplicate template and step names',
    yaml: wf(
      `  - name: main\n    steps:\n    - - {name: a, template: t}\n    - - {name: a, template: t}\n  - name: t\n    container: {image: a}\n  - name: t\n    container: {image: b}\n`,
    ),
    expect: [/template name "t" is used more than once/, /step name "a" is used more than once/],
  },
  {
    name: 'mixing dependencies and depends',
    yaml: wf(
      `  - name: main\n    dag:\n      tasks:\n      - {name: a, template: t}\n      - {name: b, template: t, dependencies: [a]}\n      - {name: c, template: t, depends: a}\n  - name: t\n    container: {image: a}\n`,
    ),
    expect: [/uses both "dependencies" and "depends"/],
  },
  {
    name: 'unknown dependency and bad depends syntax',
    yaml: wf(
      `  - name: main\n    dag:\n      tasks:\n      - {name: a, template: t, depends: "ghost.Succeeded"}\n      - {name: b, template: t, depends: "a &&"}\n  - name: t\n    container: {image: a}\n`,
    ),
    expect: [/depends on unknown task "ghost"/, /invalid depends expression/],
  },
  {
    name: 'undeclared input parameter',
    yaml: wf(
      `  - name: main\n    inputs: {parameters: [{name: x}]}\n    container: {image: a, args: ["{{inputs.parameters.x}}", "{{inputs.parameters.y}}"]}\n`,
    ),
    expect: [/\{\{inputs\.parameters\.y\}\} refers to an input parameter that template "main" does not declare/],
  },
  {
    name: 'step references: later group, same group, unknown, and undeclared output',
    yaml: wf(
      `  - name: main\n    steps:\n    - - name: a\n        template: t\n        arguments: {parameters: [{name: p, value: "{{steps.b.outputs.result}}"}]}\n      - name: c\n        template: t\n        arguments: {parameters: [{name: p, value: "{{steps.a.outputs.result}}"}]}\n    - - name: b\n        template: t\n        arguments: {parameters: [{name: p, value: "{{steps.zz.outputs.result}} {{steps.a.outputs.parameters.nope}}"}]}\n  - name: t\n    inputs: {parameters: [{name: p}]}\n    container: {image: a}\n`,
    ),
    expect: [
      /step "b", which does not run before/,
      /step "a", which does not run before/,
      /names a step "zz"/,
      /output parameter that step "a" does not produce/,
    ],
  },
  {
    name: 'task references must name a task of the DAG; continueOn is not allowed with depends',
    yaml: wf(
      `  - name: main\n    dag:\n      tasks:\n      - {name: a, template: t}\n      - {name: b, template: t}\n      - name: c\n        depends: a\n        template: t\n        arguments: {parameters: [{name: p, value: "{{tasks.a.outputs.result}}{{tasks.x.outputs.result}}"}]}\n        continueOn: {failed: true}\n  - name: t\n    inputs: {parameters: [{name: p, default: x}]}\n    container: {image: a}\n`,
    ),
    expect: [/names a task "x"/, /continueOn cannot be used/],
  },
  {
    name: 'item outside a loop; undeclared workflow parameter',
    yaml: wf(
      `  - name: main\n    steps:\n    - - {name: a, template: t, arguments: {parameters: [{name: p, value: "{{item}} {{workflow.parameters.missing}}"}]}}\n  - name: t\n    inputs: {parameters: [{name: p}]}\n    container: {image: a}\n`,
    ),
    expect: [/\{\{item\}\} is only available/, /workflow parameter that spec.arguments does not declare/],
  },
  {
    name: 'bad when and bad expression tag',
    yaml: wf(
      `  - name: main\n    steps:\n    - - {name: a, template: t, when: "1 == (2"}\n  - name: t\n    container: {image: a, args: ["{{=1 +}}"]}\n`,
    ),
    expect: [/invalid when expression/, /invalid expression \{\{=1 \+\}\}/],
  },
  {
    name: 'templateRef to a template not among the files',
    yaml: wf(`  - name: main\n    steps:\n    - - {name: a, templateRef: {name: lib, template: x}}\n`),
    expect: [/WorkflowTemplate "lib" not found among the given files/],
  },
  {
    name: 'unknown kind with suggestion, missing apiVersion',
    yaml: `apiVersion: argoproj.io/v1alpha1\nkind: Workfow\nmetadata: {name: a}\n---\nkind: Sensor\nmetadata: {name: b}\n`,
    expect: [/unknown kind "Workfow" \(did you mean "Workflow"\?\)/, /apiVersion is missing/],
  },
  {
    name: 'cron: bad expression and zone; legacy schedule warns',
    yaml: `apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nmetadata: {name: c}\nspec:\n  schedules: ["61 * * * *"]\n  schedule: "@daily"\n  timezone: Mars/Olympus\n  workflowSpec:\n    entrypoint: t\n    templates: [{name: t, container: {image: a}}]\n`,
    expect: [/invalid cron expression "61 \* \* \* \*"/, /unknown time zone "Mars\/Olympus"/, /"schedule" is deprecated/],
  },
];

for (const c of cases) {
  test(`lint: ${c.name}`, () => {
    const got = lint(c.yaml);
    for (const re of c.expect)
      assert.ok(
        got.some((f) => re.test(f.message)),
        `expected ${re} in:\n${got.map((f) => f.message).join('\n')}`,
      );
  });
}

test('valid references produce no findings', () => {
  const yaml = wf(
    `  - name: main\n    inputs: {parameters: [{name: x, value: "1"}]}\n    steps:\n    - - name: gen\n        template: t\n        arguments: {parameters: [{name: p, value: "{{inputs.parameters.x}}"}]}\n    - - name: use\n        template: t\n        arguments: {parameters: [{name: p, value: "{{steps.gen.outputs.parameters.out}} {{item}} {{workflow.parameters.g}}"}]}\n        withParam: "{{steps.gen.outputs.result}}"\n        when: "{{steps.gen.outputs.result}} != done"\n    outputs:\n      parameters: [{name: last, valueFrom: {parameter: "{{steps.use.outputs.parameters.out}}"}}]\n  - name: t\n    inputs: {parameters: [{name: p}]}\n    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/o}}]}\n    script: {image: a, command: [sh], source: "echo {{inputs.parameters.p}} {{ .NotArgo }}"}\n`,
    `  arguments: {parameters: [{name: g, value: v}]}\n`,
  );
  assert.deepEqual(lint(yaml), []);
});

test('findings point at the offending line', () => {
  const e = errors(wf(`  - name: main\n    steps:\n    - - {name: a, template: nope}\n`));
  assert.equal(e.length, 1);
  assert.equal(e[0].line, 9);
});

test('a template stored elsewhere (templateRef, workflowTemplateRef) is a warning, not an error', () => {
  const steps = lint(wf(`  - name: main\n    steps:\n    - - {name: a, templateRef: {name: lib, template: x}}\n`));
  assert.deepEqual(
    steps.map((f) => [f.severity, f.rule]),
    [['warning', 'missing-template']],
  );
  const byRef = lint(
    `apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: r-}\nspec:\n  workflowTemplateRef: {name: stored-in-cluster}\n`,
  );
  assert.deepEqual(
    byRef.map((f) => [f.severity, f.rule]),
    [['warning', 'missing-template']],
  );
});

test('a step hook may read the outputs of the step it belongs to', () => {
  const yaml = wf(
    `  - name: main\n    steps:\n    - - name: produce\n        template: t\n        hooks:\n          exit:\n            template: report\n            arguments:\n              parameters: [{name: m, value: "{{steps.produce.outputs.parameters.out}}"}]\n              artifacts: [{name: f, from: "{{steps.produce.outputs.artifacts.file}}"}]\n  - name: t\n    outputs:\n      parameters: [{name: out, valueFrom: {path: /tmp/o}}]\n      artifacts: [{name: file, path: /tmp/f}]\n    container: {image: a}\n  - name: report\n    inputs:\n      parameters: [{name: m}]\n      artifacts: [{name: f, path: /tmp/f}]\n    container: {image: a}\n`,
  );
  assert.deepEqual(errors(yaml), []);
  // Outside the hook, the same step is still not in scope of its own arguments.
  const self = wf(
    `  - name: main\n    steps:\n    - - name: produce\n        template: t\n        arguments: {parameters: [{name: p, value: "{{steps.produce.outputs.result}}"}]}\n  - name: t\n    inputs: {parameters: [{name: p}]}\n    container: {image: a}\n`,
  );
  assert.match(errors(self)[0]?.message ?? '', /does not run before this point/);
});

test('a script template without source is accepted, as Argo accepts it', () => {
  assert.deepEqual(lint(wf(`  - name: main\n    script: {image: alpine, command: [sh, -c], args: ["exit 3"]}\n`)), []);
});

test('label and annotation values written as YAML booleans or numbers are accepted, as the Argo CLI reads them', () => {
  const yaml = `apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: l-\n  labels: {e2e: true, tier: 2}\n  annotations: {retries: 3}\nspec:\n  entrypoint: main\n  templates: [{name: main, container: {image: a}}]\n`;
  assert.deepEqual(lint(yaml), []);
});

test('a memoize cache ConfigMap needs only its name', () => {
  const yaml = wf(
    `  - name: main\n    memoize:\n      key: "k"\n      maxAge: 10s\n      cache: {configMap: {name: memo-store}}\n    container: {image: a}\n`,
  );
  assert.deepEqual(lint(yaml), []);
  assert.match(
    errors(wf(`  - name: main\n    memoize: {key: k, cache: {configMap: {key: only-key}}}\n    container: {image: a}\n`))[0]?.message ?? '',
    /name is required/,
  );
});

test('Kubernetes kinds Weir does not model (RBAC, Pod, Service) are skipped with an info note, not errors', () => {
  const yaml = [
    'apiVersion: v1',
    'kind: ServiceAccount',
    'metadata: {name: sa}',
    '---',
    'apiVersion: rbac.authorization.k8s.io/v1',
    'kind: Role',
    'metadata: {name: r}',
    'rules: []',
    '---',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: d}',
    '---',
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Workfow',
    'metadata: {name: typo}',
    '',
  ].join('\n');
  const got = lint(yaml);
  assert.deepEqual(
    got.filter((f) => f.severity === 'info').map((f) => f.rule),
    ['kind-skipped', 'kind-skipped', 'kind-skipped'],
  );
  assert.deepEqual(
    got.filter((f) => f.severity === 'error').map((f) => f.message.slice(0, 24)),
    ['unknown kind "Workfow" ('],
  );
});

test('{{workflow.parameters.json}} (every workflow parameter as JSON, an Argo variable) is not an undeclared parameter', () => {
  const yaml = wf(
    `  - name: main\n    container: {image: a, args: ["{{workflow.parameters.json}}", "{{workflow.parameters.p}}", "{{workflow.parameters.json.x}}"]}\n`,
    `  arguments: {parameters: [{name: p, value: v}]}\n`,
  );
  assert.deepEqual(
    errors(yaml).map((f) => f.message.replace(/ \(.*$/, '')),
    ['{{workflow.parameters.json.x}} refers to a workflow parameter that spec.arguments does not declare'],
  );
});
