// Big workflows' node status codec (kubernetes-nodes.ts) and its PostgreSQL offload (node-offload-pg.ts, on a
// private database of the machine's PostgreSQL): small objects stay as they are, bigger ones get compressedNodes,
// still bigger ones an offloadNodeStatusVersion; decoding restores status.nodes exactly; without an offload
// database a too-big object is PAYLOAD_TOO_LARGE; superseded versions stay loadable and remove() drops them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeNodes, encodeNodes } from '../../src/store/kubernetes-nodes.js';
import { PgNodeOffload } from '../../src/store/node-offload-pg.js';
import type { StoredObject } from '../../src/store/types.js';
import { rejectsCode } from './conformance-kit.js';
import { createTestDatabase } from '../helpers/postgres.js';

/** A Workflow with `n` nodes; `noise` adds incompressible bytes per node. */
function bigWf(n: number, noise = 0): StoredObject {
  const nodes: Record<string, unknown> = {};
  for (let i = 0; i < n; i++)
    nodes[`big-${i}`] = {
      id: `big-${i}`,
      name: `big[${i}]`,
      phase: 'Succeeded',
      type: 'Pod',
      ...(noise ? { x: randomBytes(noise).toString('base64') } : {}),
    };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name: 'big', namespace: 'default', uid: 'u', resourceVersion: '1', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: { entrypoint: 'main' },
    status: { phase: 'Running', nodes },
  };
}

test('small objects pass unchanged; big ones compress; decoding restores the nodes', async () => {
  const small = bigWf(3);
  assert.equal(await encodeNodes(small, {}), small);
  const big = bigWf(2000);
  const enc = await encodeNodes(big, { maxObjectBytes: 50_000 });
  const st = enc.status as Record<string, unknown>;
  assert.equal(st.nodes, undefined);
  assert.equal(typeof st.compressedNodes, 'string');
  assert.ok(JSON.stringify(enc).length < 50_000, `${JSON.stringify(enc).length} bytes`);
  assert.equal(st.phase, 'Running');
  const dec = await decodeNodes(structuredClone(enc), {});
  assert.deepEqual(dec.status, big.status);
  await rejectsCode(encodeNodes(bigWf(200, 300), { maxObjectBytes: 20_000 }), 'PAYLOAD_TOO_LARGE');
});

test('beyond compression the nodes go to PostgreSQL and come back; remove() drops every version', async () => {
  await using db = await createTestDatabase('weir_offload');
  const offload = new PgNodeOffload({ connectionString: db.url, keepMs: 60_000 });
  try {
    const big = bigWf(200, 300);
    const enc = await encodeNodes(big, { maxObjectBytes: 20_000, offload });
    const st = enc.status as Record<string, unknown>;
    assert.match(String(st.offloadNodeStatusVersion), /^sha256:[0-9a-f]{32}$/);
    assert.equal(st.nodes, undefined);
    assert.equal(st.compressedNodes, undefined);
    assert.deepEqual((await decodeNodes(structuredClone(enc), { offload })).status, big.status);
    const next = bigWf(201, 300);
    const enc2 = await encodeNodes(next, { maxObjectBytes: 20_000, offload });
    assert.notEqual((enc2.status as Record<string, unknown>).offloadNodeStatusVersion, st.offloadNodeStatusVersion);
    // The superseded version is still readable (a reader may hold the older object).
    assert.deepEqual((await decodeNodes(structuredClone(enc), { offload })).status, big.status);
    assert.deepEqual(await offload.workflows(), [{ namespace: 'default', name: 'big' }]);
    // Rows saved after the given database time are kept (a workflow re-created under the name saved them).
    await offload.remove('default', 'big', new Date((await offload.now()).getTime() - 3_600_000));
    assert.deepEqual((await decodeNodes(structuredClone(enc2), { offload })).status, next.status);
    await offload.remove('default', 'big', await offload.now());
    assert.deepEqual(await offload.workflows(), []);
    await offload.remove('default', 'big');
    await rejectsCode(decodeNodes(structuredClone(enc2), { offload }), 'NOT_FOUND');
    await rejectsCode(decodeNodes(structuredClone(enc2), {}), 'INTERNAL');
  } finally {
    await offload.close();
  }
});
