// `weir run` end to end for daemon steps, init containers and sidecars (real host processes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture } from './run-kit.js';

test('daemon + init containers + sidecar: the workflow ends without waiting for the long-running processes', async () => {
  const t0 = Date.now();
  const r = await runFixture('test/fixtures/run/pod-extras.yaml');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - t0 < 60_000, 'the sleep 300 daemon and sidecar were stopped');
  assert.equal(r.wf.status.phase, 'Succeeded');
  assert.equal(r.node('client').outputs?.result, 'first\nsecond\nserver at 127.0.0.1');
  assert.equal(r.node('server').phase, 'Succeeded');
  assert.equal(r.wf.metadata.labels?.['workflows.argoproj.io/phase'], 'Succeeded');
  assert.equal(r.wf.metadata.labels?.['workflows.argoproj.io/completed'], 'true');
});
