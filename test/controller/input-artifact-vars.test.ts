// Input artifact locations written in the template itself are substituted like the rest of the template (Argo's
// substituteParams runs over the whole template): `s3: {key: "{{inputs.parameters.key}}"}` and raw data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveInputs } from '../../src/controller/params.js';
import type { Template } from '../../src/api/workflow-template.js';

const tmpl = {
  name: 'process',
  inputs: {
    parameters: [{ name: 'key' }],
    artifacts: [
      { name: 'upload', path: '/tmp/in.csv', s3: { key: '{{inputs.parameters.key}}' } },
      { name: 'note', path: '/tmp/note.txt', raw: { data: 'for {{workflow.parameters.who}}: {{inputs.parameters.key}}' } },
    ],
  },
  container: { image: 'alpine', command: ['true'] },
} as unknown as Template;
const noConfigMap = (): undefined => undefined;

test('a template-declared input artifact location is substituted with the input parameters and globals', () => {
  const r = resolveInputs(tmpl, { parameters: [{ name: 'key', value: 'incoming/sales.csv' }] }, noConfigMap, {
    'workflow.parameters.who': 'ops',
  });
  assert.equal(r.error, undefined);
  assert.deepEqual(
    r.artifacts?.map((a) => [a.name, a.path, a.s3, a.raw]),
    [
      ['upload', '/tmp/in.csv', { key: 'incoming/sales.csv' }, undefined],
      ['note', '/tmp/note.txt', undefined, { data: 'for ops: incoming/sales.csv' }],
    ],
  );
  // The template itself is left as it was (it is reused by other nodes).
  assert.equal((tmpl.inputs?.artifacts?.[0] as { s3?: { key?: string } }).s3?.key, '{{inputs.parameters.key}}');
});

test('an argument that supplies the location wins; the declared one is then not evaluated', () => {
  const t = {
    ...tmpl,
    inputs: { ...tmpl.inputs, artifacts: [{ name: 'upload', path: '/in', s3: { key: '{{inputs.parameters.missing}}' } }] },
  } as unknown as Template;
  const r = resolveInputs(
    t,
    { parameters: [{ name: 'key', value: 'k' }], artifacts: [{ name: 'upload', s3: { key: 'from/arg.csv' } }] },
    noConfigMap,
    {},
  );
  assert.equal(r.error, undefined);
  assert.deepEqual(r.artifacts?.[0].s3, { key: 'from/arg.csv' });
  assert.equal(r.artifacts?.[0].path, '/in');
});

test('an unresolvable input variable in a declared location is an error naming the artifact', () => {
  const t = {
    ...tmpl,
    inputs: { ...tmpl.inputs, artifacts: [{ name: 'upload', path: '/in', s3: { key: '{{inputs.parameters.missing}}' } }] },
  } as unknown as Template;
  const r = resolveInputs(t, { parameters: [{ name: 'key', value: 'k' }] }, noConfigMap, {});
  assert.equal(r.error, 'inputs.artifacts.upload: failed to resolve {{inputs.parameters.missing}}');
});
