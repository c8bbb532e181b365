// `resource` templates end to end with `weir run`, plus the pure condition/jsonPath/jq helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionHolds, jqFilter, kubectlJsonPath } from '../../src/controller/resource-query.js';
import { jsonPatch, mergePatch } from '../../src/controller/resource-effects.js';
import { runFixture } from './run-kit.js';

test('conditions: ==, !=, in, notin, exists, !, > and < over gjson paths; AND of comma-separated requirements', () => {
  const o = { status: { phase: 'Running', succeeded: 2, items: [{ n: 'a' }] }, metadata: { name: 'x' } };
  assert.equal(conditionHolds('status.phase == Running', o), true);
  assert.equal(conditionHolds('status.phase = Running,status.succeeded > 1', o), true);
  assert.equal(conditionHolds('status.phase == Running,status.succeeded > 2', o), false);
  assert.equal(conditionHolds('status.phase in (Failed, Running)', o), true);
  assert.equal(conditionHolds('status.phase notin (Failed, Running)', o), false);
  assert.equal(conditionHolds('status.phase != Succeeded', o), true);
  assert.equal(conditionHolds('status.failed', o), false);
  assert.equal(conditionHolds('!status.failed', o), true);
  assert.equal(conditionHolds('status.succeeded < 3', o), true);
  assert.equal(conditionHolds('status.items.# == 1', o), true);
  assert.equal(conditionHolds('status.items.0.n == a', o), true);
});

test('jsonPath and jq subsets; unsupported jq is a clear error', () => {
  const o = { metadata: { name: 'x' }, items: [{ v: 1 }, { v: 2 }], data: { b: '2', a: '1' } };
  assert.equal(kubectlJsonPath('{.metadata.name}', o), 'x');
  assert.equal(kubectlJsonPath('n={.items[1].v} all={.items[*].v}', o), 'n=2 all=1 2');
  assert.equal(jqFilter('.', { a: 1 }), '{"a":1}');
  assert.equal(jqFilter('.metadata.name', o), 'x');
  assert.equal(jqFilter('.items[0]', o), '{"v":1}');
  assert.equal(jqFilter('.items[].v', o), '1\n2');
  assert.equal(jqFilter('.items | length', o), '2');
  assert.equal(jqFilter('.data | keys', o), '["a","b"]');
  assert.throws(() => jqFilter('map(.v)', o), /not supported/);
});

test('merge patch and json patch', () => {
  assert.deepEqual(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 }, f: 5 }), { a: 1, b: { d: 3, e: 4 }, f: 5 });
  assert.deepEqual(
    jsonPatch({ a: [1, 2], b: 1 }, [
      { op: 'add', path: '/a/-', value: 3 },
      { op: 'remove', path: '/b' },
      { op: 'replace', path: '/a/0', value: 0 },
    ]),
    { a: [0, 2, 3] },
  );
  assert.throws(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]), /test of \/a failed/);
});

test('resource steps: a child Workflow is created and awaited; ConfigMap apply/patch/get/delete; unsupported kinds error', async () => {
  const r = await runFixture('test/fixtures/run/resource.yaml');
  assert.equal(r.code, 0, r.stderr);
  const child = r.node('child');
  assert.equal(child.type, 'Pod');
  assert.equal(child.phase, 'Succeeded');
  const params = Object.fromEntries((child.outputs?.parameters ?? []).map((p) => [p.name, p.value]));
  assert.match(String(params.name), /^res-child-[a-z0-9]{5}$/);
  assert.equal(params.phase, 'Succeeded');
  const get = Object.fromEntries((r.node('cm-get').outputs?.parameters ?? []).map((p) => [p.name, p.value]));
  assert.deepEqual(JSON.parse(String(get.data)), { x: '1', y: '2' });
  assert.equal(get.keys, '["x","y"]');
  assert.equal(r.node('cm-delete').phase, 'Succeeded');
  assert.equal(r.node('job').phase, 'Error');
  assert.equal(r.node('job').message, 'resource kind Job is not supported on this host');
});
