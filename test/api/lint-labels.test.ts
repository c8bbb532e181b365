// `weir lint` reports a label the store would refuse at its file:line, before anything is sent to a server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintLoaded } from '../../src/api/lint.js';
import { loadText } from '../../src/api/loader.js';

const doc = (labels: string): string =>
  [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Workflow',
    'metadata:',
    '  generateName: l-',
    '  labels:',
    labels,
    'spec:',
    '  entrypoint: main',
    '  templates: [{name: main, container: {image: a}}]',
    '',
  ].join('\n');

test('an invalid label value or key is an error at its line; valid ones (YAML numbers included) are clean', () => {
  const bad = lintLoaded(loadText(doc('    ok: fine\n    customer: ACME Corp.\n    "bad key": x'), 'wf.yaml')).findings;
  assert.deepEqual(
    bad.map((f) => [f.severity, f.line, f.rule]),
    [
      ['error', 7, 'label'],
      ['error', 8, 'label'],
    ],
  );
  assert.match(bad[0].message, /invalid value "ACME Corp\." for label "customer"/);
  assert.match(bad[1].message, /invalid label key "bad key"/);
  assert.deepEqual(lintLoaded(loadText(doc('    tier: 2\n    example.com/team: pay_ments\n    empty: ""'), 'wf.yaml')).findings, []);
});
