// Streaming routes: the workflow watch (existing objects as ADDED, then live MODIFIED/DELETED, namespace- and
// name-filtered) and step logs (one pod, all pods, follow until the workflow finishes, tailLines, grep).
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- untyped JSON response bodies, checked field by field */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKit, readLines, hello, eventually } from './kit.js';
import { nodeId } from '../../src/controller/nodes.js';

import type { NodeStatus, WorkflowPhase } from '../../src/api/workflow-status.js';

describe('watch', () => {
  test('workflow-events streams ADDED for existing objects, then changes, only in the namespace asked for', async () => {
    await using k = await startKit();
    await k.req('POST', '/api/v1/workflows/a', { workflow: hello('w1') });
    await k.req('POST', '/api/v1/workflows/b', { workflow: hello('other') });
    const res = await fetch(`${k.url}/api/v1/workflow-events/a`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const got = readLines(res, (l) => l.length >= 3);
    await k.req('PUT', '/api/v1/workflows/a/w1/suspend', {});
    await k.req('POST', '/api/v1/workflows/b', { workflow: hello('other2') });
    await k.req('DELETE', '/api/v1/workflows/a/w1');
    const lines = await got;
    assert.deepEqual(
      lines.map((l) => [l.result.type, l.result.object.metadata.name]),
      [
        ['ADDED', 'w1'],
        ['MODIFIED', 'w1'],
        ['DELETED', 'w1'],
      ],
    );
    assert.equal(lines[1].result.object.spec.suspend, true);
  });

  test('field selector on the name, fields filter and resourceVersion resume', async () => {
    await using k = await startKit();
    const c = await k.req('POST', '/api/v1/workflows/a', { workflow: hello('w1') });
    await k.req('POST', '/api/v1/workflows/a', { workflow: hello('w2') });
    const rv = c.body.metadata.resourceVersion as string;
    const res = await fetch(
      `${k.url}/api/v1/workflow-events/a?listOptions.fieldSelector=metadata.name%3Dw2&listOptions.resourceVersion=${rv}&fields=result.type,result.object.metadata.name`,
    );
    const lines = readLines(res, (l) => l.length >= 2);
    await k.req('PUT', '/api/v1/workflows/a/w1/suspend', {});
    await k.req('PUT', '/api/v1/workflows/a/w2/suspend', {});
    assert.deepEqual(await lines, [
      { result: { type: 'ADDED', object: { metadata: { name: 'w2' } } } },
      { result: { type: 'MODIFIED', object: { metadata: { name: 'w2' } } } },
    ]);
  });

  test('closing the server ends open watches', async () => {
    const k = await startKit();
    const res = await fetch(`${k.url}/api/v1/workflow-events/a`);
    const lines = readLines(res);
    await k.api.close();
    assert.deepEqual(await lines, []);
    assert.equal(k.api.state, 'stopped');
    await k.store.close();
  });
});

describe('logs', () => {
  async function withPods(k: Awaited<ReturnType<typeof startKit>>, phase = 'Running'): Promise<{ a: string; b: string }> {
    await k.req('POST', '/api/v1/workflows/default', { workflow: hello('lw') });
    const a = nodeId('lw', 'lw[0].a');
    const b = nodeId('lw', 'lw[1].b');
    const cur = (await k.store.get('Workflow', 'default', 'lw'))!;
    await k.store.update('Workflow', {
      ...cur,
      status: {
        phase: phase as WorkflowPhase,
        nodes: {
          [a]: { id: a, name: 'lw[0].a', displayName: 'a', type: 'Pod', phase: 'Succeeded', podName: a, startedAt: '2024-01-01T00:00:01Z' },
          [b]: { id: b, name: 'lw[1].b', displayName: 'b', type: 'Pod', phase: 'Running', podName: b, startedAt: '2024-01-01T00:00:02Z' },
        },
      },
    });
    return { a, b };
  }

  test('all pods in start order, one pod by podName, tailLines and grep', async () => {
    await using k = await startKit();
    const { a, b } = await withPods(k);
    k.steps.push(a, 'a1', 'a2', 'a3');
    k.steps.end(a);
    k.steps.push(b, 'b1');
    const all = await k.req('GET', '/api/v1/workflows/default/lw/log?logOptions.container=main');
    assert.equal(all.status, 200);
    // One-line bodies arrive parsed already (the kit parses JSON bodies).
    const parse = (t: unknown): { content: string; podName: string }[] =>
      typeof t === 'string'
        ? t
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l).result)
        : [(t as { result: { content: string; podName: string } }).result];
    assert.deepEqual(parse(all.body), [
      { content: 'a1', podName: a },
      { content: 'a2', podName: a },
      { content: 'a3', podName: a },
      { content: 'b1', podName: b },
    ]);
    const one = await k.req('GET', `/api/v1/workflows/default/lw/log?podName=${b}`);
    assert.deepEqual(
      parse(one.body).map((r) => r.content),
      ['b1'],
    );
    const path = await k.req('GET', `/api/v1/workflows/default/lw/${a}/log?logOptions.tailLines=2`);
    assert.deepEqual(
      parse(path.body).map((r) => r.content),
      ['a2', 'a3'],
    );
    const grep = await k.req('GET', `/api/v1/workflows/default/lw/${a}/log?grep=3`);
    assert.deepEqual(
      parse(grep.body).map((r) => r.content),
      ['a3'],
    );
    const ts = await k.req('GET', `/api/v1/workflows/default/lw/${b}/log?logOptions.timestamps=true`);
    assert.match(parse(ts.body)[0].content, /^\d{4}-\d\d-\d\dT[\d:.]+Z b1$/);
    assert.equal((await k.req('GET', '/api/v1/workflows/default/lw/log?logOptions.container=wait')).body, '');
    assert.equal((await k.req('GET', '/api/v1/workflows/default/lw/log?podName=nope')).status, 404);
    assert.equal((await k.req('GET', '/api/v1/workflows/other/lw/log')).status, 404);
  });

  test('follow streams new lines and new pods until the workflow is finished', async () => {
    await using k = await startKit();
    const { a, b } = await withPods(k);
    k.steps.push(a, 'a1');
    k.steps.end(a);
    k.steps.push(b, 'b1');
    const res = await fetch(`${k.url}/api/v1/workflows/default/lw/log?logOptions.container=main&logOptions.follow=true`);
    const lines: { result: { content: string; podName: string } }[] = [];
    const reading = readLines(res, (l) => {
      lines.splice(0, lines.length, ...l);
      return false;
    });
    await eventually(() => lines.length === 2);
    k.steps.push(b, 'b2');
    await eventually(() => lines.length === 3);
    // A new step appears in the status, writes, and the workflow finishes.
    const c = nodeId('lw', 'lw[2].c');
    const cur = (await k.store.get('Workflow', 'default', 'lw'))!;
    const status = cur.status as { nodes: Record<string, NodeStatus>; phase: WorkflowPhase };
    status.nodes[c] = { id: c, name: 'lw[2].c', displayName: 'c', type: 'Pod', phase: 'Running', startedAt: '2024-01-01T00:00:03Z' };
    await k.store.update('Workflow', { ...cur, status });
    k.steps.push(c, 'c1');
    await eventually(() => lines.length === 4);
    k.steps.end(b);
    k.steps.end(c);
    const now = (await k.store.get('Workflow', 'default', 'lw'))!;
    await k.store.update('Workflow', { ...now, status: { ...now.status, phase: 'Succeeded' } });
    const all = await reading;
    assert.deepEqual(
      all.map((l) => l.result.content),
      ['a1', 'b1', 'b2', 'c1'],
    );
    assert.equal(all[3].result.podName, c);
  });
});
