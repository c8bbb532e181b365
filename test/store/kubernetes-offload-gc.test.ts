// Offloaded node status of deleted Workflows on a real API server (test/helpers/kube.ts) and PostgreSQL: a Workflow
// deleted behind the store's back (as `kubectl delete` does) has its rows dropped once a watch of the store sees the
// DELETED event; rows of Workflows that no longer exist are dropped by collectOffloadedNodes() (run at startup);
// a Workflow re-created under the name keeps its own rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { KubernetesStore } from '../../src/store/kubernetes-store.js';
import { resourcePath } from '../../src/store/kubernetes-rest.js';
import { PgNodeOffload } from '../../src/store/node-offload-pg.js';
import type { NewObjectOf } from '../../src/store/types.js';
import type { NodeStatus } from '../../src/api/workflow-status.js';
import { startKube } from '../helpers/kube.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { eventually } from '../helpers/eventually.js';

const wf = (name: string): NewObjectOf<'Workflow'> => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Workflow',
  metadata: { name, namespace: 'default' },
  spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['true'] } }] },
});

/** 200 nodes of incompressible bytes: offloaded under a 20 kB object limit. */
function bigNodes(tag: string): Record<string, NodeStatus> {
  const nodes: Record<string, NodeStatus> = {};
  for (let i = 0; i < 200; i++) {
    const id = `${tag}-${i}`;
    nodes[id] = { id, name: id, displayName: id, type: 'Pod', phase: 'Running', message: randomBytes(300).toString('base64') };
  }
  return nodes;
}

test('offloaded nodes of deleted Workflows are dropped (kubectl-style delete, startup collection); a re-created one keeps its rows', async () => {
  const kube = await startKube();
  await using db = await createTestDatabase('weir_offload_gc');
  const offload = new PgNodeOffload({ connectionString: db.url });
  const store = new KubernetesStore({ kubeconfig: kube.kubeconfig, nodeStatus: { offload, maxObjectBytes: 20_000 } });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const rows = async (name: string): Promise<number> =>
    Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM weir_node_status WHERE name = $1', [name])).rows[0].n);
  const ac = new AbortController();
  try {
    await store.ready();
    const saveBig = async (name: string): Promise<void> => {
      const created = await store.create('Workflow', wf(name));
      await store.update('Workflow', { ...created, status: { phase: 'Running', nodes: bigNodes(name) } });
    };
    await saveBig('gone-1');
    assert.equal(await rows('gone-1'), 1);
    // A watch of the store (the controller has one) sees the delete made by someone else.
    const watching = (async () => {
      for await (const _ of store.watch('Workflow', { signal: ac.signal })) void _;
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
    await store.rest.request('DELETE', resourcePath('Workflow', 'default', 'gone-1'));
    await eventually(async () => (await rows('gone-1')) === 0, { timeoutMs: 20_000, what: 'the deleted workflow’s rows to go' });
    ac.abort();
    await watching;

    // Rows left while no one watched: the startup collection drops them, and keeps those of existing workflows.
    await saveBig('gone-2');
    await saveBig('kept');
    await store.rest.request('DELETE', resourcePath('Workflow', 'default', 'gone-2'));
    assert.equal(await rows('gone-2'), 1);
    assert.equal(await store.collectOffloadedNodes(), 1);
    assert.equal(await rows('gone-2'), 0);
    assert.equal(await rows('kept'), 1);
    const kept = await store.get('Workflow', 'default', 'kept');
    assert.equal(Object.keys(kept?.status?.nodes ?? {}).length, 200, 'the existing workflow still reads its nodes');

    // Deleted and re-created under the same name before the drop runs: the new one's rows stay.
    await store.rest.request('DELETE', resourcePath('Workflow', 'default', 'kept'));
    await saveBig('kept');
    assert.equal(await store.dropOffloadedNodes('default', 'kept'), false);
    assert.equal(Object.keys((await store.get('Workflow', 'default', 'kept'))?.status?.nodes ?? {}).length, 200);
  } finally {
    ac.abort();
    await client.end();
    await store.close();
  }
});
