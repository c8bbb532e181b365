// The k8s trigger's update merge (Argo's mergo.Merge WithOverride over JSON): maps merge key by key, non-empty source
// values win, Go's zero values (empty string, 0, false, null, empty list or map) leave the live value alone, lists
// are replaced whole. The operations themselves run against a real API server in test/kube/k8s-trigger.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeOverride } from '../../src/sensor-host/k8s-any-kind.js';

test('mergeOverride: maps merge, non-empty source values win, zero values do not, lists are replaced', () => {
  const live = {
    metadata: { name: 'web', labels: { a: '1', b: '2' }, resourceVersion: '7' },
    spec: { replicas: 3, paused: true, template: { containers: [{ name: 'x', image: 'old' }, { name: 'y' }] } },
    data: { keep: 'yes' },
  };
  const src = {
    metadata: { name: 'web', labels: { b: 'two', c: '3' } },
    spec: { replicas: 0, paused: false, template: { containers: [{ name: 'x', image: 'new' }] } },
    data: {},
    extra: '',
  };
  const out = mergeOverride(live, src);
  assert.deepEqual(out, {
    metadata: { name: 'web', labels: { a: '1', b: 'two', c: '3' }, resourceVersion: '7' },
    spec: { replicas: 3, paused: true, template: { containers: [{ name: 'x', image: 'new' }] } },
    data: { keep: 'yes' },
  });
  assert.equal(live.metadata.labels.b, '2', 'the live object is not changed in place');
});
