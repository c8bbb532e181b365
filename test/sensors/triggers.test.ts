// Every trigger adapter through the conformance suite, plus kind-specific behaviour: argoWorkflow names and
// operations, k8s create, http status policy against a local server, and the registry's coded errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import { NonRetryableError, WeirError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { triggerAdapterFor, TRIGGERS } from '../../sensors/triggers/registry.js';
import type { Publisher, ResourceOps, TriggerInput, TriggerRuntime } from '../../sensors/triggers/types.js';
import { runTriggerConformance } from './trigger-conformance.js';

const events = {
  dep: makeCloudEvent({
    id: 'e-1',
    source: 'src',
    subject: 'x',
    type: 'webhook',
    time: '2024-05-01T10:00:00Z',
    data: { body: { id: 7, name: 'n1' } },
  }),
};
const lineage = { labels: { 'events.weir.dev/sensor': 's' }, annotations: { 'events.weir.dev/firing-key': 'abcdef0123' } };
const input = (template: Record<string, unknown>, extra: Partial<TriggerInput> = {}): TriggerInput => ({
  sensor: { namespace: 'demo', name: 's' },
  triggerName: 't',
  template: { name: 't', ...template },
  events,
  key: 'abcdef0123',
  lineage,
  ...extra,
});

interface Calls {
  created: { kind: string; obj: Record<string, unknown>; key: string }[];
  ops: string[];
  published: { url: string; topic: string; payload: string; key?: string }[];
  fetched: { url: string; init: RequestInit }[];
}

function runtime(calls: Calls, opts: { exists?: boolean; status?: number } = {}): TriggerRuntime {
  const resources: ResourceOps = {
    create: (kind, obj, key) => {
      calls.created.push({ kind, obj, key });
      return Promise.resolve({ name: String((obj.metadata as { name: string }).name), deduplicated: opts.exists === true });
    },
    workflowOp: (op, ns, name) => {
      calls.ops.push(`${op} ${ns}/${name}`);
      return Promise.resolve({ name, deduplicated: false });
    },
    workflowFrom: (kind, _ns, name, base) => Promise.resolve({ ...base, spec: { workflowTemplateRef: { name } }, fromKind: kind }),
  };
  const pub: Publisher = {
    publish: (t, payload) => {
      calls.published.push({ url: t.url, topic: t.topic, payload, ...(t.key ? { key: t.key } : {}) });
      return Promise.resolve();
    },
  };
  const fakeFetch = ((url: string, init: RequestInit) => {
    calls.fetched.push({ url, init });
    return Promise.resolve(new Response('ok', { status: opts.status ?? 200 }));
  }) as unknown as typeof fetch;
  return { signal: new AbortController().signal, log: createRecordingLogger(), resources, fetch: fakeFetch, kafka: pub, nats: pub };
}

const fresh = (): Calls => ({ created: [], ops: [], published: [], fetched: [] });
const wfSource = {
  resource: {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { generateName: 'run-' },
    spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine' } }] },
  },
};

describe('trigger conformance', () => {
  let calls = fresh();
  runTriggerConformance('argoWorkflow', {
    adapter: TRIGGERS.argoWorkflow,
    input: () =>
      input({
        argoWorkflow: {
          source: wfSource,
          parameters: [{ src: { dependencyName: 'dep', dataKey: 'body.name' }, dest: 'spec.arguments.parameters.0.value' }],
          args: ['-p', 'extra=1', '--serviceaccount', 'sa'],
        },
      }),
    runtime: () => runtime((calls = fresh())),
    verify: () => {
      assert.equal(calls.created.length, 1);
      const wf = calls.created[0].obj as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
      assert.equal(wf.metadata.name, 'run-abcdef0123');
      assert.equal(calls.created[0].key, 'abcdef0123');
      assert.deepEqual(wf.spec.arguments, { parameters: [{ value: 'n1' }, { name: 'extra', value: '1' }] });
      assert.equal(wf.spec.serviceAccountName, 'sa');
      assert.deepEqual(wf.metadata.labels, lineage.labels);
    },
  });
  runTriggerConformance('k8s', {
    adapter: TRIGGERS.k8s,
    input: () =>
      input({
        k8s: {
          operation: 'create',
          source: { inline: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: cm-\ndata:\n  k: v\n' },
          parameters: [{ src: { dependencyName: 'dep', dataKey: 'body.id' }, dest: 'data.id' }],
        },
      }),
    runtime: () => runtime((calls = fresh())),
    verify: () => {
      assert.equal(calls.created[0].kind, 'ConfigMap');
      assert.deepEqual((calls.created[0].obj as { data: unknown }).data, { k: 'v', id: '7' });
      assert.equal((calls.created[0].obj as { metadata: { name: string } }).metadata.name, 'cm-abcdef0123');
    },
  });
  runTriggerConformance('http', {
    adapter: TRIGGERS.http,
    input: () =>
      input({
        http: {
          url: 'http://127.0.0.1:9/hook',
          method: 'put',
          headers: { 'X-A': 'b' },
          payload: [{ src: { dependencyName: 'dep', dataKey: 'body.id', useRawData: true }, dest: 'id' }],
        },
      }),
    runtime: () => runtime((calls = fresh())),
    verify: () => {
      assert.equal(calls.fetched[0].url, 'http://127.0.0.1:9/hook');
      assert.equal(calls.fetched[0].init.method, 'PUT');
      assert.equal(calls.fetched[0].init.body, '{"id":7}');
      assert.equal((calls.fetched[0].init.headers as Record<string, string>)['idempotency-key'], 'abcdef0123');
      assert.equal((calls.fetched[0].init.headers as Record<string, string>)['x-a'], 'b');
    },
  });
  runTriggerConformance('log', {
    adapter: TRIGGERS.log,
    input: () => input({ log: {} }),
    runtime: () => runtime((calls = fresh())),
    verify: () => undefined,
  });
  runTriggerConformance('kafka', {
    adapter: TRIGGERS.kafka,
    input: () =>
      input({
        kafka: {
          url: 'localhost:9092',
          topic: 'out',
          partitioningKey: 'k',
          payload: [{ src: { dependencyName: 'dep', dataKey: 'body.name' }, dest: 'name' }],
        },
      }),
    runtime: () => runtime((calls = fresh())),
    verify: () => assert.deepEqual(calls.published, [{ url: 'localhost:9092', topic: 'out', payload: '{"name":"n1"}', key: 'k' }]),
  });
  runTriggerConformance('nats', {
    adapter: TRIGGERS.nats,
    input: () =>
      input({
        nats: { url: 'nats://127.0.0.1:4222', subject: 'out.x', payload: [{ src: { dependencyName: 'dep', dataKey: 'body' }, dest: '' }] },
      }),
    runtime: () => runtime((calls = fresh())),
    verify: () => assert.deepEqual(calls.published, [{ url: 'nats://127.0.0.1:4222', topic: 'out.x', payload: '{"id":7,"name":"n1"}' }]),
  });
});

describe('argoWorkflow operations', () => {
  test('resume/retry/... act on the named workflow; submit-from uses the template', async () => {
    const calls = fresh();
    for (const op of ['resubmit', 'resume', 'retry', 'suspend', 'terminate', 'stop']) {
      const p = TRIGGERS.argoWorkflow.plan(
        input({ argoWorkflow: { operation: op, source: { resource: { kind: 'Workflow', metadata: { name: 'wf-1' } } } } }),
      );
      await TRIGGERS.argoWorkflow.execute(p, runtime(calls));
    }
    assert.deepEqual(calls.ops, [
      'resubmit demo/wf-1',
      'resume demo/wf-1',
      'retry demo/wf-1',
      'suspend demo/wf-1',
      'terminate demo/wf-1',
      'stop demo/wf-1',
    ]);
    const p = TRIGGERS.argoWorkflow.plan(
      input({ argoWorkflow: { operation: 'submit-from', source: { resource: { kind: 'WorkflowTemplate', metadata: { name: 'tmpl' } } } } }),
    );
    await TRIGGERS.argoWorkflow.execute(p, runtime(calls));
    assert.equal((calls.created[0].obj.metadata as { name: string }).name, 'tmpl-abcdef0123');
    assert.deepEqual(calls.created[0].obj.spec, { workflowTemplateRef: { name: 'tmpl' } });
  });
  test('a fixed metadata.name is kept; ALREADY_EXISTS with the same key is deduplicated', async () => {
    const p = TRIGGERS.argoWorkflow.plan(
      input({ argoWorkflow: { source: { resource: { kind: 'Workflow', metadata: { name: 'fixed' }, spec: {} } } } }),
    );
    assert.ok('workflow' in p.action);
    assert.equal((p.action.workflow.metadata as { name: string }).name, 'fixed');
    const r = await TRIGGERS.argoWorkflow.execute(p, runtime(fresh(), { exists: true }));
    assert.equal(r.outcome, 'deduplicated');
  });
  test('bad settings are INVALID_SPEC at plan time', () => {
    assert.throws(() => TRIGGERS.argoWorkflow.plan(input({ argoWorkflow: { operation: 'explode', source: wfSource } })), /not one of/);
    assert.throws(
      () => TRIGGERS.argoWorkflow.plan(input({ argoWorkflow: { source: { s3: { bucket: { name: 'b' } } } } })),
      /source\.s3 is not supported/,
    );
    assert.throws(
      () => TRIGGERS.argoWorkflow.plan(input({ argoWorkflow: { source: wfSource, args: ['--watch'] } })),
      /not supported by Weir/,
    );
    assert.throws(
      () =>
        TRIGGERS.argoWorkflow.plan(
          input({ argoWorkflow: { operation: 'resume', source: { resource: { kind: 'Workflow', metadata: { generateName: 'x-' } } } } }),
        ),
      /metadata\.name/,
    );
    const embedded = { embedded: { holds: (_v: string, kind: string) => kind === 'Workflow' || kind === 'ConfigMap' } };
    assert.throws(
      () => TRIGGERS.k8s.plan(input({ k8s: { operation: 'delete', source: wfSource } }, embedded)),
      /runs only with --store kubernetes/,
    );
    assert.throws(() => TRIGGERS.k8s.plan(input({ k8s: { operation: 'explode', source: wfSource } })), /unknown k8s\.operation/);
    assert.throws(() => TRIGGERS.k8s.plan(input({ k8s: { operation: 'delete', source: wfSource } })), /needs metadata\.name/);
  });
  test('k8s: the embedded store refuses kinds it does not hold; an API server store plans any kind and operation', () => {
    const embedded = { embedded: { holds: (_v: string, kind: string) => kind === 'ConfigMap' } };
    const pod = { resource: { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'p-' }, spec: {} } };
    assert.throws(
      () => TRIGGERS.k8s.plan(input({ k8s: { source: pod } }, embedded)),
      (e) => e instanceof WeirError && e.code === 'UNKNOWN_KIND' && /cannot create a Pod \(v1\): the embedded store/.test(e.message),
    );
    const created = TRIGGERS.k8s.plan(
      input({ k8s: { source: pod, parameters: [{ src: { dependencyName: 'dep', dataKey: 'body.name' }, dest: 'metadata.labels.n' }] } }),
    );
    assert.equal(created.summary, 'create Pod demo/p-abcdef0123');
    assert.equal((created.action.resource.metadata as { labels: Record<string, string> }).labels.n, 'n1');
    const deploy = { resource: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1 } } };
    const patched = TRIGGERS.k8s.plan(
      input({
        k8s: {
          operation: 'patch',
          source: deploy,
          parameters: [{ src: { dependencyName: 'dep', dataKey: 'body.id', useRawData: true }, dest: 'spec.replicas' }],
        },
      }),
    );
    assert.equal(patched.summary, 'patch Deployment demo/web');
    assert.equal(patched.action.patchStrategy, 'application/merge-patch+json');
    assert.deepEqual(patched.action.resource.spec, { replicas: 7 });
    const live = TRIGGERS.k8s.plan(
      input({
        k8s: {
          operation: 'update',
          liveObject: true,
          source: deploy,
          parameters: [{ src: { dependencyName: 'dep', dataKey: 'body.id', useRawData: true }, dest: 'spec.replicas' }],
        },
      }),
    );
    assert.deepEqual(live.action.resource.spec, { replicas: 1 }, 'liveObject: the parameters go into the live object');
    assert.equal(live.action.liveWrites?.length, 1);
    assert.throws(
      () => TRIGGERS.k8s.plan(input({ k8s: { source: { resource: { kind: 'Pod', metadata: { name: 'p' } } } } })),
      /needs an apiVersion/,
    );
  });
  test("k8s: create of a non-Weir kind goes to the store's anyKind action; without it the firing fails for good", async () => {
    const calls = fresh();
    const rt = runtime(calls);
    const pod = { resource: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } };
    const plan = TRIGGERS.k8s.plan(input({ k8s: { source: pod } }));
    await assert.rejects(
      TRIGGERS.k8s.execute(plan, rt),
      (e) => e instanceof NonRetryableError && /not a Kubernetes API server/.test(e.message),
    );
    const seen: string[] = [];
    rt.resources.anyKind = (a) => {
      seen.push(`${a.operation} ${String(a.resource.kind)}`);
      return Promise.resolve({ name: 'p', deduplicated: false, result: 'created' });
    };
    const r = await TRIGGERS.k8s.execute(plan, rt);
    assert.deepEqual(seen, ['create Pod']);
    assert.deepEqual(r.detail, { name: 'p', result: 'created' });
    assert.equal(calls.created.length, 0);
  });
});

describe('http trigger against a local server', () => {
  let server: Server;
  let url = '';
  const seen: { method?: string; body: string; key?: string }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, body, key: req.headers['idempotency-key'] as string | undefined });
        res.statusCode = req.url === '/teapot' ? 418 : req.url === '/busy' ? 503 : 201;
        res.end('x');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const rt = (): TriggerRuntime => ({ ...runtime(fresh()), fetch });
  test('policy.status.allow: allowed codes succeed, 4xx are permanent, 5xx retryable', async () => {
    const plan = (path: string) =>
      TRIGGERS.http.plan(
        input(
          { http: { url: `${url}${path}`, payload: [{ src: { dependencyName: 'dep', value: 'v' }, dest: 'x' }] } },
          { policy: { status: { allow: [200, 201] } } },
        ),
      );
    assert.deepEqual(await TRIGGERS.http.execute(plan('/ok'), rt()), { outcome: 'done', detail: { status: 201 } });
    assert.deepEqual(seen[0], { method: 'POST', body: '{"x":"v"}', key: 'abcdef0123' });
    await assert.rejects(TRIGGERS.http.execute(plan('/teapot'), rt()), (e) => e instanceof NonRetryableError && /418/.test(e.message));
    await assert.rejects(
      TRIGGERS.http.execute(plan('/busy'), rt()),
      (e) => e instanceof WeirError && !(e instanceof NonRetryableError) && /503/.test(e.message),
    );
  });
  test('without a policy any answer counts (as in Argo)', async () => {
    const p = TRIGGERS.http.plan(input({ http: { url: `${url}/teapot` } }));
    assert.equal((await TRIGGERS.http.execute(p, rt())).outcome, 'done');
  });
});

describe('trigger registry', () => {
  test('unknown and unsupported kinds are UNKNOWN_KIND', () => {
    assert.throws(
      () => triggerAdapterFor({ name: 't' }),
      (e) => e instanceof WeirError && e.code === 'UNKNOWN_KIND',
    );
    assert.throws(
      () => triggerAdapterFor({ name: 't', slack: {} }),
      (e) => e instanceof WeirError && e.code === 'UNKNOWN_KIND' && /slack is not supported/.test(e.message),
    );
    assert.equal(triggerAdapterFor({ name: 't', log: {} }).kind, 'log');
  });
});
