// In-process HTTP tests of the workflow routes: create (validation, generateName, dry run, enqueue), list/get shapes,
// fields, pagination, namespaces, delete, lint, submit, the manual operations, and the error statuses
// (400/401/404/409/413/500-free).
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call -- untyped JSON response bodies, checked field by field */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startKit, hello } from './kit.js';
import { nodeId } from '../../src/controller/nodes.js';
import type { StoredObject } from '../../src/store/types.js';
import type { NodeStatus } from '../../src/api/workflow-status.js';

describe('workflows API', () => {
  test('create applies generateName, stores, enqueues; get and list return Argo shapes', async () => {
    await using k = await startKit();
    const c = await k.req('POST', '/api/v1/workflows/team-a', { workflow: hello() });
    assert.equal(c.status, 200, JSON.stringify(c.body));
    const name = c.body.metadata.name as string;
    assert.match(name, /^hello-[a-z0-9]{5}$/);
    assert.equal(c.body.metadata.namespace, 'team-a');
    assert.equal(c.body.kind, 'Workflow');
    assert.equal(c.body.apiVersion, 'argoproj.io/v1alpha1');
    assert.deepEqual(k.enqueued, [`team-a/${name}`]);
    const g = await k.req('GET', `/api/v1/workflows/team-a/${name}`);
    assert.equal(g.status, 200);
    assert.equal(g.body.metadata.uid, c.body.metadata.uid);
    const l = await k.req('GET', '/api/v1/workflows/team-a');
    assert.equal(l.status, 200);
    assert.equal(typeof l.body.metadata.resourceVersion, 'string');
    assert.deepEqual(
      l.body.items.map((i: StoredObject) => i.metadata.name),
      [name],
    );
    const empty = await k.req('GET', '/api/v1/workflows/other');
    assert.deepEqual(empty.body.items, []);
  });

  test('namespaces are honoured on every path', async () => {
    await using k = await startKit();
    await k.req('POST', '/api/v1/workflows/a', { workflow: hello('w1') });
    assert.equal((await k.req('GET', '/api/v1/workflows/b/w1')).status, 404);
    assert.equal((await k.req('DELETE', '/api/v1/workflows/b/w1')).status, 404);
    assert.equal((await k.req('PUT', '/api/v1/workflows/b/w1/suspend', {})).status, 404);
    assert.equal((await k.req('GET', '/api/v1/workflows/b')).body.items.length, 0);
    assert.equal((await k.req('GET', '/api/v1/workflows/')).body.items.length, 1, 'the empty namespace lists all');
    const mismatch = await k.req('POST', '/api/v1/workflows/b', { workflow: { ...hello('w2'), metadata: { name: 'w2', namespace: 'a' } } });
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.body.message, /does not match the namespace in the path/);
    assert.equal((await k.req('GET', '/api/v1/workflows/Bad_NS')).status, 400);
  });

  test('invalid workflows get 400 with lint findings and field paths; nothing is stored', async () => {
    await using k = await startKit();
    const wf = hello('bad');
    (wf.spec as { entrypoint: string }).entrypoint = 'nope';
    const r = await k.req('POST', '/api/v1/workflows/default', { workflow: wf });
    assert.equal(r.status, 400);
    assert.equal(r.body.code, 'INVALID_SPEC');
    assert.match(r.body.message, /spec\.entrypoint: .*nope/);
    assert.equal(r.body.details.findings[0].path, 'spec.entrypoint');
    const schema = await k.req('POST', '/api/v1/workflows/default', {
      workflow: { metadata: { name: 'x' }, spec: { entrypoint: 1, templates: 'no' } },
    });
    assert.equal(schema.status, 400);
    assert.match(schema.body.message, /spec\.templates: expected a list/);
    assert.equal((await k.req('GET', '/api/v1/workflows/default')).body.items.length, 0);
    assert.deepEqual(k.enqueued, []);
  });

  test('serverDryRun validates without storing; lint returns the workflow or 400', async () => {
    await using k = await startKit();
    const d = await k.req('POST', '/api/v1/workflows/default', { workflow: hello('dry'), serverDryRun: true });
    assert.equal(d.status, 200);
    assert.equal(d.body.metadata.name, 'dry');
    assert.equal((await k.req('GET', '/api/v1/workflows/default/dry')).status, 404);
    const ok = await k.req('POST', '/api/v1/workflows/default/lint', { workflow: hello('l') });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.metadata.name, 'l');
    const bad = await k.req('POST', '/api/v1/workflows/default/lint', {
      workflow: {
        metadata: { name: 'l' },
        spec: { templates: [{ name: 'a', steps: [[{ name: 's', template: 'missing' }]] }], entrypoint: 'a' },
      },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /missing/);
  });

  test('a workflowTemplateRef resolves against templates in the store (same namespace only)', async () => {
    await using k = await startKit();
    const tmpl = {
      metadata: { name: 't' },
      spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'a', command: ['true'] } }] },
    };
    assert.equal((await k.req('POST', '/api/v1/workflow-templates/default', { template: tmpl })).status, 200);
    const wf = { metadata: { name: 'fromref' }, spec: { workflowTemplateRef: { name: 't' } } };
    assert.equal((await k.req('POST', '/api/v1/workflows/default', { workflow: wf })).status, 200);
    const sub = await k.req('POST', '/api/v1/workflows/default/submit', {
      resourceKind: 'WorkflowTemplate',
      resourceName: 't',
      submitOptions: { parameters: ['a=1'], labels: 'x=y' },
    });
    assert.equal(sub.status, 200, JSON.stringify(sub.body));
    assert.match(sub.body.metadata.name, /^t-/);
    assert.deepEqual(sub.body.metadata.labels, { 'workflows.argoproj.io/workflow-template': 't', x: 'y' });
    assert.deepEqual(sub.body.spec.arguments.parameters, [{ name: 'a', value: '1' }]);
    assert.equal(
      (await k.req('POST', '/api/v1/workflows/other/submit', { resourceKind: 'WorkflowTemplate', resourceName: 't' })).status,
      404,
    );
  });

  test('duplicate names are 409; delete is 200 then 404; running steps are killed on delete', async () => {
    await using k = await startKit();
    assert.equal((await k.req('POST', '/api/v1/workflows/default', { workflow: hello('dup') })).status, 200);
    const again = await k.req('POST', '/api/v1/workflows/default', { workflow: hello('dup') });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'ALREADY_EXISTS');
    const cur = (await k.store.get('Workflow', 'default', 'dup'))!;
    const pod = nodeId('dup', 'dup');
    await k.store.update('Workflow', {
      ...cur,
      status: { phase: 'Running', nodes: { [pod]: { id: pod, name: 'dup', displayName: 'dup', type: 'Pod', phase: 'Running' } } },
    });
    k.steps.push(pod, 'x');
    assert.equal((await k.req('DELETE', '/api/v1/workflows/default/dup')).status, 200);
    assert.deepEqual(k.steps.killed, [pod]);
    assert.equal((await k.req('DELETE', '/api/v1/workflows/default/dup')).status, 404);
  });

  test('fields filters, label selectors and pagination', async () => {
    await using k = await startKit();
    for (const n of ['a1', 'a2', 'a3']) {
      await k.req('POST', '/api/v1/workflows/default', {
        workflow: { ...hello(n), metadata: { name: n, labels: { grp: n === 'a3' ? 'y' : 'x' } } },
      });
    }
    const f = await k.req('GET', '/api/v1/workflows/default?fields=items.metadata.name,metadata.resourceVersion');
    assert.deepEqual(Object.keys(f.body.items[0]), ['metadata']);
    assert.deepEqual(Object.keys(f.body.items[0].metadata), ['name']);
    const minus = await k.req('GET', '/api/v1/workflows/default/a1?fields=-spec');
    assert.equal(minus.body.spec, undefined);
    assert.equal(minus.body.metadata.name, 'a1');
    const sel = await k.req('GET', '/api/v1/workflows/default?listOptions.labelSelector=grp%3Dx');
    assert.deepEqual(sel.body.items.map((i: StoredObject) => i.metadata.name).sort(), ['a1', 'a2']);
    const byName = await k.req('GET', '/api/v1/workflows/default?listOptions.fieldSelector=metadata.name%3Da2');
    assert.deepEqual(
      byName.body.items.map((i: StoredObject) => i.metadata.name),
      ['a2'],
    );
    const p1 = await k.req('GET', '/api/v1/workflows/default?listOptions.limit=2');
    assert.equal(p1.body.items.length, 2);
    assert.equal(typeof p1.body.metadata.continue, 'string');
    const p2 = await k.req(
      'GET',
      `/api/v1/workflows/default?listOptions.limit=2&listOptions.continue=${encodeURIComponent(p1.body.metadata.continue)}`,
    );
    assert.equal(p2.body.items.length, 1);
    assert.equal(p2.body.metadata.continue, undefined);
    assert.equal((await k.req('GET', '/api/v1/workflows/default?listOptions.limit=x')).status, 400);
  });

  test('manual operations: suspend, resume, stop, terminate, set, retry and resubmit', async () => {
    await using k = await startKit();
    await k.req('POST', '/api/v1/workflows/default', { workflow: hello('ops') });
    k.enqueued.length = 0;
    const s = await k.req('PUT', '/api/v1/workflows/default/ops/suspend', { name: 'ops', namespace: 'default' });
    assert.equal(s.status, 200);
    assert.equal(s.body.spec.suspend, true);
    assert.deepEqual(k.enqueued, ['default/ops']);
    const r = await k.req('PUT', '/api/v1/workflows/default/ops/resume', {});
    assert.equal(r.body.spec.suspend, undefined);
    assert.equal((await k.req('PUT', '/api/v1/workflows/default/ops/stop', {})).body.spec.shutdown, 'Stop');
    assert.equal((await k.req('PUT', '/api/v1/workflows/default/ops/terminate', {})).body.spec.shutdown, 'Terminate');
    const set = await k.req('PUT', '/api/v1/workflows/default/ops/set', { nodeFieldSelector: 'displayName=x', phase: 'Succeeded' });
    assert.equal(set.status, 400);
    assert.match(set.body.message, /no suspend nodes matching/);
    assert.equal((await k.req('PUT', '/api/v1/workflows/default/ops/set', { nodeFieldSelector: 'a=b', phase: 'Bogus' })).status, 400);
    const early = await k.req('PUT', '/api/v1/workflows/default/ops/retry', {});
    assert.equal(early.status, 400);
    assert.match(early.body.message, /Cannot retry a workflow in phase/);

    // Make it a failed run: root Steps → [0] → pod a (Failed).
    const cur = (await k.store.get('Workflow', 'default', 'ops'))!;
    const id = (n: string): string => nodeId('ops', n);
    const nodes: Record<string, NodeStatus> = {
      [id('ops')]: { id: id('ops'), name: 'ops', displayName: 'ops', type: 'Steps', phase: 'Failed', children: [id('ops[0]')] },
      [id('ops[0]')]: {
        id: id('ops[0]'),
        name: 'ops[0]',
        displayName: '[0]',
        type: 'StepGroup',
        phase: 'Failed',
        boundaryID: id('ops'),
        children: [id('ops[0].a')],
      },
      [id('ops[0].a')]: { id: id('ops[0].a'), name: 'ops[0].a', displayName: 'a', type: 'Pod', phase: 'Failed', boundaryID: id('ops') },
    };
    await k.store.update('Workflow', { ...cur, status: { phase: 'Failed', finishedAt: '2024-01-01T00:00:00Z', nodes } });
    k.steps.push(id('ops[0].a'), 'old output');
    const rt = await k.req('PUT', '/api/v1/workflows/default/ops/retry', { parameters: [] });
    assert.equal(rt.status, 200, JSON.stringify(rt.body));
    assert.equal(rt.body.status.phase, 'Running');
    assert.equal(rt.body.spec.shutdown, undefined);
    assert.deepEqual(Object.keys(rt.body.status.nodes).sort(), [id('ops'), id('ops[0]')].sort());
    assert.deepEqual(k.steps.cleaned, [id('ops[0].a')], 'the deleted step is cleaned up so it can run again');

    await k.store.update('Workflow', {
      ...(await k.store.get('Workflow', 'default', 'ops'))!,
      status: { phase: 'Failed', nodes },
    });
    const rs = await k.req('PUT', '/api/v1/workflows/default/ops/resubmit', { memoized: true });
    assert.equal(rs.status, 200);
    assert.match(rs.body.metadata.name, /^ops-[a-z0-9]{5}$/);
    assert.equal(rs.body.metadata.labels['workflows.argoproj.io/resubmitted-from-workflow'], 'ops');
    assert.ok(k.enqueued.includes(`default/${rs.body.metadata.name}`));
    const done = await k.req('PUT', '/api/v1/workflows/default/ops/suspend', {});
    assert.equal(done.status, 400);
    assert.match(done.body.message, /cannot suspend completed/);
  });
});

describe('request handling', () => {
  test('bodies over the limit get 413; malformed JSON 400 with the reason; non-objects 400', async () => {
    await using k = await startKit({ maxBodyBytes: 1024 });
    const big = await k.req('POST', '/api/v1/workflows/default', { workflow: hello('big'), pad: 'x'.repeat(2000) });
    assert.equal(big.status, 413);
    assert.equal(big.body.code, 'PAYLOAD_TOO_LARGE');
    const bad = await k.req('POST', '/api/v1/workflows/default', '{"workflow": ');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'PARSE_ERROR');
    assert.match(bad.body.message, /not valid JSON: .+/);
    assert.equal((await k.req('POST', '/api/v1/workflows/default', '[1]')).status, 400);
    const noWf = await k.req('POST', '/api/v1/workflows/default', {});
    assert.equal(noWf.status, 400);
    assert.match(noWf.body.message, /"workflow" object/);
  });

  test('a chunked body over the limit is cut off with 413', async () => {
    await using k = await startKit({ maxBodyBytes: 100 });
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode('x'.repeat(50)));
        c.close();
      },
    });
    const r = await fetch(`${k.url}/api/v1/workflows/default`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    });
    assert.equal(r.status, 413);
  });

  test('unknown routes are 404 with {code, message}; unexpected errors are 500 without a stack', async () => {
    const store = (await import('../../src/store/memory-store.js')).createMemoryStore();
    const broken = Object.assign(Object.create(store) as typeof store, {
      list: () => Promise.reject(new TypeError('boom at secret/place.ts:1')),
    });
    await using k = await startKit({ store: broken });
    const nf = await k.req('GET', '/api/v1/nothing');
    assert.equal(nf.status, 404);
    assert.deepEqual(Object.keys(nf.body).sort(), ['code', 'message']);
    const wrong = await k.req('PATCH', '/api/v1/workflows/default');
    assert.equal(wrong.status, 404);
    assert.match(wrong.body.message, /use GET, POST/);
    const e = await k.req('GET', '/api/v1/workflows/default');
    assert.equal(e.status, 500);
    assert.equal(e.body.code, 'INTERNAL');
    assert.doesNotMatch(JSON.stringify(e.body), /boom|secret|at /);
    assert.equal(k.logger.at('error', 'unexpected error').length, 1);
    assert.match(String(k.logger.at('error')[0].obj.err), /boom/);
  });

  test('with a token: 401 without or with a wrong one, 200 with it; /healthz stays open', async () => {
    await using k = await startKit({ authToken: 's3cret' });
    const none = await k.req('GET', '/api/v1/workflows/default');
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 'UNAUTHORIZED');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer');
    assert.equal((await k.req('GET', '/api/v1/workflows/default', undefined, { authorization: 'Bearer nope' })).status, 401);
    assert.equal((await k.req('GET', '/api/v1/workflows/default', undefined, { authorization: 'Basic s3cret' })).status, 401);
    assert.equal((await k.req('GET', '/metrics')).status, 401);
    assert.equal((await k.req('GET', '/api/v1/workflows/default', undefined, { authorization: 'Bearer s3cret' })).status, 200);
    assert.equal((await k.req('GET', '/healthz')).status, 200);
  });

  test('info, version, userinfo and metrics', async () => {
    await using k = await startKit({ version: '1.2.3' });
    assert.equal((await k.req('GET', '/api/v1/version')).body.version, 'v1.2.3');
    assert.deepEqual((await k.req('GET', '/api/v1/info')).body.links, []);
    assert.deepEqual((await k.req('GET', '/api/v1/userinfo')).body, {});
    await k.req('POST', '/api/v1/workflows/ns1', { workflow: hello('m1') });
    const m = await k.req('GET', '/metrics');
    assert.equal(m.status, 200);
    assert.match(m.body, /weir_workflows\{namespace="ns1",phase="Pending"\} 1/);
    assert.match(m.body, /weir_api_request_duration_seconds_count\{method="POST",route="\/api\/v1\/workflows\/:namespace",code="200"\} 1/);
    assert.match(m.body, /weir_controller_queue_depth 7/);
  });
});
