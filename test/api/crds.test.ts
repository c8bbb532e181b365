// crds/ is generated: this fails when it is stale and checks one CRD per argoproj kind against Kubernetes'
// structural-schema rules. Installing them on a real API server: test/kube/crds-install.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { renderCrdKustomization, renderCrds } from '../../src/api/crd.js';
import { KIND_LIST } from '../../src/api/kinds.js';
import { repoPath } from '../helpers/paths.js';
import { structuralViolations } from '../helpers/structural-schema.js';

const expected = renderCrds(KIND_LIST);

test('crds/ matches the schemas (run `npm run gen:crds` after changing src/api)', () => {
  const files = readdirSync(repoPath('crds'))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const all = [...expected, renderCrdKustomization(expected)];
  assert.deepEqual(files, all.map((c) => c.file).sort());
  for (const c of all) {
    assert.equal(readFileSync(repoPath('crds', c.file), 'utf8'), c.text, `${c.file} is stale: run npm run gen:crds`);
  }
});

test('one CRD per argoproj kind, with short names and printer columns', () => {
  const argo = KIND_LIST.filter((k) => k.apiVersion.startsWith('argoproj.io/'));
  assert.equal(expected.length, argo.length);
  const wf = parse(expected.find((c) => c.file === 'argoproj.io_workflows.yaml')!.text) as {
    spec: { names: { shortNames: string[] }; scope: string; versions: { additionalPrinterColumns: { name: string }[] }[] };
  };
  assert.deepEqual(wf.spec.names.shortNames, ['wf']);
  assert.equal(wf.spec.scope, 'Namespaced');
  assert.deepEqual(
    wf.spec.versions[0].additionalPrinterColumns.map((c) => c.name),
    ['Status', 'Age', 'Message'],
  );
  const cwft = parse(expected.find((c) => c.file === 'argoproj.io_clusterworkflowtemplates.yaml')!.text) as { spec: { scope: string } };
  assert.equal(cwft.spec.scope, 'Cluster');
});

test('every CRD schema follows the structural-schema rules', () => {
  for (const c of expected) {
    const crd = parse(c.text) as { spec: { versions: { schema: { openAPIV3Schema: unknown } }[] } };
    const violations = structuralViolations(crd.spec.versions[0].schema.openAPIV3Schema);
    assert.deepEqual(violations.slice(0, 10), [], `${c.file}`);
  }
});

test('the structural checker catches what an API server rejects', () => {
  const bad = {
    type: 'object',
    properties: {
      a: { description: 'no type' },
      b: { type: 'object', properties: {}, additionalProperties: { type: 'string' } },
      c: { $ref: '#/x', type: 'string' },
    },
  };
  const v = structuralViolations(bad);
  assert.equal(v.length, 3, v.join('\n'));
});
