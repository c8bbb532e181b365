// How KubernetesStore reads API server failures (statusError): the answers for a resourceVersion or continue token
// whose history is gone, from the watch cache or from etcd, are all Expired (CONFLICT, details.reason 'Expired': list
// again), and "Too large resource version" (a version the watch cache has not reached yet) is not a size error.
// The Status bodies are the API server's own wording (k8s.io/apiserver storage/cacher and storage/etcd3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusError } from '../../src/store/kubernetes-rest.js';

test('410 and "too old" answers are Expired; other failures keep their codes', () => {
  const expired: [number, { reason?: string; message: string; code?: number }][] = [
    [410, { reason: 'Expired', code: 410, message: 'too old resource version: 1 (2841)' }],
    [410, { reason: 'Expired', code: 410, message: 'The resourceVersion for the provided watch is too old.' }],
    [410, { reason: 'Expired', code: 410, message: 'The provided continue parameter is too old to display a consistent list result.' }],
    [410, { message: 'Gone' }],
    [500, { reason: 'Gone', message: 'gone' }],
    // A watch ERROR event without a code (the watch reads `code ?? 500`): its message still says what happened.
    [500, { message: 'too old resource version: 7 (90)' }],
  ];
  for (const [http, st] of expired) {
    const e = statusError(http, st, 'watch /api/v1/configmaps');
    assert.equal(e.code, 'CONFLICT', st.message);
    assert.equal(e.details?.reason, 'Expired', st.message);
  }
  const others: [number, { reason?: string; message: string }, string, string][] = [
    [409, { reason: 'Conflict', message: 'the object has been modified' }, 'CONFLICT', 'Conflict'],
    [409, { reason: 'AlreadyExists', message: 'configmaps "a" already exists' }, 'ALREADY_EXISTS', 'AlreadyExists'],
    [504, { reason: 'Timeout', message: 'Too large resource version: 99, current: 90' }, 'TIMEOUT', 'Timeout'],
    [
      413,
      { reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728' },
      'PAYLOAD_TOO_LARGE',
      'RequestEntityTooLarge',
    ],
    [500, { message: 'etcdserver: request is too large' }, 'PAYLOAD_TOO_LARGE', ''],
    [404, { reason: 'NotFound', message: 'configmaps "x" not found' }, 'NOT_FOUND', 'NotFound'],
  ];
  for (const [http, st, code, reason] of others) {
    const e = statusError(http, st, 'GET /api/v1/configmaps');
    assert.equal(e.code, code, st.message);
    assert.equal(e.details?.reason, reason, st.message);
  }
});
