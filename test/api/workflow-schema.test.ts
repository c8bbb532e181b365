// Checks the Argo Workflows and Kubernetes core schemas against the fixtures in test/fixtures/argo-workflows:
// every fixture document validates cleanly (no errors, no unknown fields), the fixtures together use every
// field the schemas define, and typical mistakes are reported at the right path.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { repoPath } from '../helpers/paths.js';
import { validateAgainst } from '../../src/api/validate.js';
import { formatPath } from '../../src/api/findings.js';
import { allFields, usedFields, loadFixtureDocs, showFindings } from '../helpers/schema-coverage.js';
import type { FixtureDoc } from '../helpers/schema-coverage.js';
import { WorkflowSchema, WorkflowTemplateSchema, ClusterWorkflowTemplateSchema } from '../../src/api/workflow.js';
import { CronWorkflowSchema } from '../../src/api/cron-workflow.js';
import { ConfigMapSchema, SecretSchema } from '../../src/api/k8s.js';

const schemasByKind: Record<string, TSchema> = {
  Workflow: WorkflowSchema,
  WorkflowTemplate: WorkflowTemplateSchema,
  ClusterWorkflowTemplate: ClusterWorkflowTemplateSchema,
  CronWorkflow: CronWorkflowSchema,
  ConfigMap: ConfigMapSchema,
  Secret: SecretSchema,
};

const fixtureDir = repoPath('test', 'fixtures', 'argo-workflows');

type Doc = FixtureDoc;
const loadFixtures = (): Doc[] => loadFixtureDocs(fixtureDir);
const show = showFindings;

function minimalWorkflow(templates: unknown[]): Record<string, unknown> {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'neg-' },
    spec: { entrypoint: 'main', templates },
  };
}

void describe('Argo Workflows schemas', () => {
  const docs = loadFixtures();

  void test('fixtures cover every kind, in several multi-document files', () => {
    const kinds = new Set(docs.map((d) => d.kind));
    assert.deepEqual([...kinds].sort(), Object.keys(schemasByKind).sort());
    const perFile = new Map<string, number>();
    for (const d of docs) perFile.set(d.file, (perFile.get(d.file) ?? 0) + 1);
    assert.ok([...perFile.values()].filter((n) => n > 1).length >= 2, 'expected multi-document fixture files');
  });

  for (const doc of docs) {
    void test(`${doc.file}#${doc.index} (${doc.kind}) validates with no errors and no unknown fields`, () => {
      const schema = schemasByKind[doc.kind];
      assert.ok(schema, `no schema for kind ${doc.kind}`);
      const problems = validateAgainst(schema, doc.value).filter((f) => f.severity === 'error' || f.rule === 'unknown-field');
      assert.equal(problems.length, 0, show(problems, doc.loaded));
    });
  }

  void test('the fixtures together use every field the schemas define', () => {
    const defined = new Set<string>();
    const used = new Set<string>();
    for (const schema of Object.values(schemasByKind)) allFields(schema, defined);
    for (const doc of docs) usedFields(schemasByKind[doc.kind], doc.value, used);
    // ObjectMeta bookkeeping fields are written by the API server, not by people.
    const serverSet = [
      'uid',
      'resourceVersion',
      'generation',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'finalizers',
      'ownerReferences',
      'managedFields',
    ];
    const missing = [...defined].filter((f) => !used.has(f) && !serverSet.includes(f.split('|')[0]));
    assert.deepEqual(
      missing.map((f) => f.slice(0, 160)),
      [],
    );
  });
});

void describe('Argo Workflows schemas: mistakes are reported', () => {
  void test('a wrong type is an error at the exact path', () => {
    const wf = minimalWorkflow([{ name: 'main', container: { image: 'alpine', command: 'echo hi' } }]);
    const errors = validateAgainst(WorkflowSchema, wf).filter((f) => f.severity === 'error');
    assert.equal(errors.length, 1, show(errors));
    assert.equal(formatPath(errors[0].path), 'spec.templates[0].container.command');
  });

  void test('a misspelled field is an unknown-field warning, not an error', () => {
    const wf = minimalWorkflow([{ name: 'main', container: { image: 'alpine' }, retryStrateg: { limit: 1 } }]);
    const findings = validateAgainst(WorkflowSchema, wf);
    assert.equal(findings.filter((f) => f.severity === 'error').length, 0, show(findings));
    const unknown = findings.filter((f) => f.rule === 'unknown-field');
    assert.equal(unknown.length, 1, show(findings));
    assert.equal(unknown[0].severity, 'warning');
    assert.equal(formatPath(unknown[0].path), 'spec.templates[0].retryStrateg');
  });

  void test('missing template, step, task and parameter names are errors', () => {
    const wf = minimalWorkflow([
      { container: { image: 'alpine' } },
      { name: 'steps', steps: [[{ template: 'x' }]] },
      { name: 'dag', dag: { tasks: [{ template: 'x' }] } },
      { name: 'p', inputs: { parameters: [{ value: 1 }] }, container: { image: 'alpine' } },
    ]);
    const paths = validateAgainst(WorkflowSchema, wf)
      .filter((f) => f.severity === 'error')
      .map((f) => formatPath(f.path));
    assert.deepEqual(paths.sort(), [
      'spec.templates[0].name',
      'spec.templates[1].steps[0][0].name',
      'spec.templates[2].dag.tasks[0].name',
      'spec.templates[3].inputs.parameters[0].name',
    ]);
  });

  void test('inline templates and templateDefaults need no name, but are still checked', () => {
    const wf = minimalWorkflow([{ name: 'main', steps: [[{ name: 's', inline: { container: { image: 7 } } }]] }]);
    (wf.spec as Record<string, unknown>).templateDefaults = { timeout: '1m' };
    const errors = validateAgainst(WorkflowSchema, wf).filter((f) => f.severity === 'error');
    assert.deepEqual(
      errors.map((f) => formatPath(f.path)),
      ['spec.templates[0].steps[0][0].inline.container.image'],
    );
  });

  void test('AnyString and IntOrString fields accept YAML numbers and booleans where Argo does', () => {
    const wf = minimalWorkflow([
      {
        name: 'main',
        activeDeadlineSeconds: '{{workflow.parameters.deadline}}',
        retryStrategy: { limit: 3, backoff: { factor: '2' } },
        inputs: { parameters: [{ name: 'n', value: 3, default: true, enum: [1, 'two', false] }] },
        container: { image: 'alpine', resources: { limits: { cpu: 0.5, memory: '1Gi' } } },
      },
    ]);
    assert.deepEqual(validateAgainst(WorkflowSchema, wf), []);
    const bad = minimalWorkflow([{ name: 'main', retryStrategy: { limit: true }, container: { image: 'alpine' } }]);
    assert.deepEqual(
      validateAgainst(WorkflowSchema, bad).map((f) => formatPath(f.path)),
      ['spec.templates[0].retryStrategy.limit'],
    );
  });

  void test('enums are enforced: retryPolicy, concurrencyPolicy and catchup', () => {
    const wf = minimalWorkflow([{ name: 'main', retryStrategy: { retryPolicy: 'OnFail' }, container: { image: 'a' } }]);
    assert.deepEqual(
      validateAgainst(WorkflowSchema, wf).map((f) => formatPath(f.path)),
      ['spec.templates[0].retryStrategy.retryPolicy'],
    );
    const cron = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'CronWorkflow',
      metadata: { name: 'c' },
      spec: { schedules: ['* * * * *'], concurrencyPolicy: 'Sometimes', catchup: 'everything', workflowSpec: {} },
    };
    const paths = validateAgainst(CronWorkflowSchema, cron)
      .map((f) => formatPath(f.path))
      .sort();
    assert.deepEqual(paths, ['spec.catchup', 'spec.concurrencyPolicy']);
  });

  void test('a CronWorkflow without workflowSpec, and a Workflow without spec, are errors', () => {
    const cron = { apiVersion: 'argoproj.io/v1alpha1', kind: 'CronWorkflow', metadata: { name: 'c' }, spec: { schedule: '@daily' } };
    assert.deepEqual(
      validateAgainst(CronWorkflowSchema, cron).map((f) => formatPath(f.path)),
      ['spec.workflowSpec'],
    );
    const wf = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'w' } };
    assert.deepEqual(
      validateAgainst(WorkflowSchema, wf).map((f) => formatPath(f.path)),
      ['spec'],
    );
  });
});
