// The workflow page's node columns (src/server/ui-node-table.ts) and the route that sends them
// (GET /api/v1/ui/workflow/{ns}/{name}): decoding gives back the node map the REST API returns, field for field,
// whatever fields the nodes have or lack; the REST API's own GET keeps Argo's shape.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment -- untyped JSON response bodies, checked field by field */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeNodes, encodeNodes } from '../../src/server/ui-node-table.js';
import type { NodeTable } from '../../src/server/ui-node-table.js';
import type { WorkflowStatus } from '../../src/api/workflow-status.js';
import { startKit } from './kit.js';

/** Through JSON as the browser gets it. */
const wire = (t: NodeTable): NodeTable => JSON.parse(JSON.stringify(t)) as NodeTable;

function fanout(n: number): Record<string, Record<string, unknown>> {
  const nodes: Record<string, Record<string, unknown>> = {};
  const items = Array.from({ length: n }, (_, i) => `w-item-${i}`);
  nodes.w = { id: 'w', name: 'w', displayName: 'w', type: 'Steps', phase: 'Running', children: ['w-g0'] };
  nodes['w-g0'] = { id: 'w-g0', name: 'w[0]', displayName: '[0]', type: 'StepGroup', phase: 'Running', children: items };
  for (const [i, id] of items.entries())
    nodes[id] = {
      id,
      name: `w[0].work(${i})`,
      displayName: `work(${i})`,
      type: 'Pod',
      phase: i % 3 === 0 ? 'Running' : 'Succeeded',
      templateName: 'work',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: i % 3 === 0 ? undefined : '2026-01-01T00:01:00Z',
    };
  for (const n of Object.values(nodes)) if (n.finishedAt === undefined) delete n.finishedAt;
  return nodes;
}

describe('UI node columns', () => {
  test('a varied node map comes back equal: missing fields, nulls, nested values, foreign ids, ids unlike their keys', () => {
    const map: Record<string, Record<string, unknown>> = {
      a: { id: 'a', name: 'wf', type: 'DAG', phase: 'Running', children: ['b', 'c'], outboundNodes: ['c'] },
      b: {
        id: 'b',
        name: 'wf.b',
        type: 'Pod',
        phase: 'Failed',
        message: 'exit 1',
        children: [],
        inputs: { parameters: [{ name: 'x', value: '1' }] },
      },
      c: { id: 'c', name: 'wf.c', type: 'Pod', phase: 'Succeeded', progress: null, outputs: { result: 'ok', exitCode: '0' } },
      // An id that is not its key, a child that is not a node, a field only this node has, an explicit null.
      d: { id: 'other', name: 'wf.d', type: 'Retry', phase: 'Running', children: ['gone'], boundaryID: 'a', progress: null },
      e: { name: 'wf.e', type: 'Pod', estimatedDuration: 3, hostNodeName: 'h1', memoizationStatus: { hit: false } },
    };
    const t = encodeNodes(map);
    assert.ok(t);
    assert.deepEqual(decodeNodes(wire(t)), map);
    const mode = (k: string): string | undefined => t.columns.find((c) => c.key === k)?.mode;
    assert.equal(mode('children'), 'r', 'a child that is not a node keeps the column as it is');
    assert.equal(mode('outboundNodes'), 'i');
    assert.notEqual(mode('id'), 'k', 'an id unlike its key is sent');
    assert.deepEqual(decodeNodes(wire(encodeNodes({})!)), {});
  });

  test('a 10,000-node fan-out: equal after the wire, ids and children as indices, under a third of the bytes', () => {
    const map = fanout(10_000);
    const t = encodeNodes(map);
    assert.ok(t);
    assert.deepEqual(decodeNodes(wire(t)), map);
    const modes = Object.fromEntries(t.columns.map((c) => [c.key, c.mode]));
    assert.deepEqual(modes, {
      id: 'k',
      name: 'r',
      displayName: 'r',
      type: 's',
      phase: 's',
      children: 'i',
      templateName: 's',
      startedAt: 's',
      finishedAt: 's',
    });
    assert.ok(
      JSON.stringify(t).length * 3 < JSON.stringify(map).length,
      `${JSON.stringify(t).length} of ${JSON.stringify(map).length} bytes`,
    );
  });

  test('maps it cannot encode faithfully are left to the caller', () => {
    assert.equal(encodeNodes({ a: 'not a node' }), undefined);
    assert.equal(encodeNodes({ a: [] }), undefined);
    assert.equal(encodeNodes(JSON.parse('{"__proto__": {"id": "x"}}') as Record<string, unknown>), undefined);
    assert.equal(encodeNodes(JSON.parse('{"a": {"__proto__": 1}}') as Record<string, unknown>), undefined);
  });

  test('GET /api/v1/ui/workflow/NS/NAME: the object without nodes plus the columns; the REST GET is unchanged', async () => {
    await using k = await startKit();
    const nodes = fanout(50);
    await k.store.create('Workflow', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'big', namespace: 'default', labels: { team: 'a' } },
      spec: { entrypoint: 'main', templates: [{ name: 'main' }] },
      status: { phase: 'Running', progress: '33/50', nodes: JSON.parse(JSON.stringify(nodes)) as WorkflowStatus['nodes'] },
    });
    const rest = await k.req('GET', '/api/v1/workflows/default/big');
    assert.equal(rest.status, 200);
    assert.deepEqual(rest.body.status.nodes, nodes);
    const view = await k.req('GET', '/api/v1/ui/workflow/default/big');
    assert.equal(view.status, 200);
    assert.equal(view.body.workflow.status.nodes, undefined);
    assert.deepEqual(decodeNodes(view.body.nodeTable as NodeTable), rest.body.status.nodes);
    const { nodes: _n, ...status } = rest.body.status;
    assert.deepEqual(view.body.workflow, { ...rest.body, status });
    await k.store.create('Workflow', {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { name: 'fresh', namespace: 'default' },
      spec: { entrypoint: 'main', templates: [{ name: 'main' }] },
    });
    const fresh = await k.req('GET', '/api/v1/ui/workflow/default/fresh');
    assert.equal(fresh.status, 200);
    assert.equal(fresh.body.nodeTable, undefined);
    assert.equal(fresh.body.workflow.metadata.name, 'fresh');
    assert.equal((await k.req('GET', '/api/v1/ui/workflow/default/none')).status, 404);
  });
});
