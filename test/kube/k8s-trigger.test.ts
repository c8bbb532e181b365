// Kubernetes mode: the sensors' `k8s` trigger acts on any kind through the API server (the store's anyKind
// capability). First the trigger's plans executed directly against the test API server (create of a Pod, Job,
// Deployment and a cluster-scoped Namespace, de-duplication of a redelivered firing, update merge, liveObject,
// patch, delete, an unserved kind); then end to end: `weir server --store kubernetes` with a webhook EventSource and
// a Sensor whose triggers create a Pod and patch a ConfigMap from the event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeCloudEvent } from '../../src/core/cloudevent.js';
import { NonRetryableError } from '../../src/core/errors.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import { KubernetesStore } from '../../src/store/kubernetes-store.js';
import { storeResourceOps } from '../../src/sensor-host/runtime.js';
import { TRIGGERS } from '../../sensors/triggers/registry.js';
import type { TriggerInput, TriggerRuntime } from '../../sensors/triggers/types.js';
import { startKube } from '../helpers/kube.js';
import type { KubeEnv } from '../helpers/kube.js';
import { freePort } from '../helpers/nats-server.js';
import { eventually, post, tempDir, webhookSourceYaml } from '../e2e/events-kit.js';
import { spawnReplica } from './kit.js';
import type { Replica } from './kit.js';

/** Pods need their namespace's `default` ServiceAccount (admission); without a controller-manager nobody makes it. */
async function defaultServiceAccount(kube: KubeEnv, namespace: string): Promise<void> {
  await kube.kubectl(['create', 'serviceaccount', 'default', '-n', namespace]).catch((e: unknown) => {
    if (!String(e instanceof Error ? e.message : e).includes('AlreadyExists') && !String(e).includes('already exists')) throw e;
  });
}

const events = {
  d: makeCloudEvent({
    id: 'ev-1',
    source: 'es',
    subject: 'e',
    type: 'webhook',
    time: '2026-01-01T00:00:00Z',
    data: { body: { n: 3, who: 'ada' } },
  }),
};

function input(k8s: Record<string, unknown>, key: string): TriggerInput {
  return {
    sensor: { namespace: 'k8s-trigger', name: 's' },
    triggerName: 't',
    template: { name: 't', k8s },
    events,
    key,
    lineage: {
      labels: { 'events.weir.dev/sensor': 's', 'events.weir.dev/trigger': 't' },
      annotations: { 'events.weir.dev/firing-key': key },
    },
  };
}

test('k8s trigger on the API server: any kind, create/update/patch/delete, exactly once per firing', async () => {
  const kube = await startKube();
  await kube.ensureNamespace('k8s-trigger');
  await defaultServiceAccount(kube, 'k8s-trigger');
  const store = new KubernetesStore({ kubeconfig: kube.kubeconfig });
  try {
    assert.ok(store.anyKind, 'the Kubernetes store offers objects of any kind');
    const rt: TriggerRuntime = {
      signal: new AbortController().signal,
      log: createRecordingLogger(),
      resources: storeResourceOps({ store, log: createRecordingLogger() }),
      fetch: globalThis.fetch,
      kafka: undefined as never,
      nats: undefined as never,
    };
    const run = async (k8s: Record<string, unknown>, key = 'k0000001') => TRIGGERS.k8s.execute(TRIGGERS.k8s.plan(input(k8s, key)), rt);
    const get = async (what: string): Promise<Record<string, unknown>> =>
      JSON.parse((await kube.kubectl(['get', '-n', 'k8s-trigger', what, '-o', 'json'])).stdout) as Record<string, unknown>;

    // A Pod with generateName: named from the firing key, parameters applied, lineage labels; the same firing again
    // finds it (deduplicated), another firing is refused rather than touching an object it did not create.
    const pod = {
      source: {
        resource: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { generateName: 'hello-' },
          spec: { containers: [{ name: 'main', image: 'alpine', command: ['echo', 'x'] }] },
        },
      },
      parameters: [{ src: { dependencyName: 'd', dataKey: 'body.who' }, dest: 'spec.containers.0.command.1' }],
    };
    const first = await run(pod, 'podkey01');
    assert.deepEqual(first, { outcome: 'done', detail: { name: 'hello-podkey01', result: 'created' } });
    const made = (await get('pod/hello-podkey01')) as {
      metadata: { labels: Record<string, string> };
      spec: { containers: { command: string[] }[] };
    };
    assert.deepEqual(made.spec.containers[0].command, ['echo', 'ada']);
    assert.equal(made.metadata.labels['events.weir.dev/sensor'], 's');
    assert.equal((await run(pod, 'podkey01')).outcome, 'deduplicated');
    const clash = { ...pod, source: { resource: { ...pod.source.resource, metadata: { name: 'hello-podkey01' } } } };
    await assert.rejects(run(clash, 'otherkey'), (e) => e instanceof NonRetryableError && e.code === 'ALREADY_EXISTS');

    // Other groups and a cluster-scoped kind (the sensor's namespace is dropped for it).
    const job = await run({
      source: {
        resource: {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: { generateName: 'job-' },
          spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'alpine' }] } } },
        },
      },
    });
    assert.equal(job.detail?.name, 'job-k0000001');
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
      },
    };
    assert.equal((await run({ source: { resource: deployment } })).outcome, 'done');
    const ns = await run(
      { source: { resource: { apiVersion: 'v1', kind: 'Namespace', metadata: { generateName: 'from-trigger-' } } } },
      'nskey001',
    );
    assert.equal(ns.detail?.name, 'from-trigger-nskey001');
    await kube.kubectl(['get', 'namespace', 'from-trigger-nskey001']);

    // patch (merge patch by default): replicas from the event.
    const patched = await run({
      operation: 'patch',
      source: { resource: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 1 } } },
      parameters: [{ src: { dependencyName: 'd', dataKey: 'body.n', useRawData: true }, dest: 'spec.replicas' }],
    });
    assert.equal(patched.detail?.result, 'patched');
    assert.equal(((await get('deployment/web')) as { spec: { replicas: number } }).spec.replicas, 3);

    // update: absent → created; present → the source merged onto the live object (its other keys stay).
    const cm = (data: Record<string, string>) => ({
      operation: 'update',
      source: { resource: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data } },
    });
    assert.equal((await run(cm({ a: '1' }))).detail?.result, 'created');
    assert.equal((await run(cm({ b: '2' }))).detail?.result, 'updated');
    assert.deepEqual(((await get('configmap/settings')) as { data: unknown }).data, { a: '1', b: '2' });
    // liveObject: only the parameters are written, into the live object (the source's data is not applied).
    await run({
      ...cm({ ignored: 'yes' }),
      liveObject: true,
      parameters: [{ src: { dependencyName: 'd', dataKey: 'body.who' }, dest: 'data.who' }],
    });
    assert.deepEqual(((await get('configmap/settings')) as { data: unknown }).data, { a: '1', b: '2', who: 'ada' });

    // delete, then delete again (absent: nothing to do).
    const del = { operation: 'delete', source: { resource: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } } } };
    assert.equal((await run(del)).detail?.result, 'deleted');
    assert.equal((await run(del)).detail?.result, 'absent');

    // A kind the API server does not serve fails for good (no retry can fix it).
    await assert.rejects(
      run({ source: { resource: { apiVersion: 'example.com/v1', kind: 'Frob', metadata: { name: 'f' } } } }),
      (e) => e instanceof NonRetryableError && e.code === 'UNKNOWN_KIND' && /serves no Frob in example\.com\/v1/.test(e.message),
    );
  } finally {
    await kube.kubectl(['delete', 'namespace', 'from-trigger-nskey001', '--ignore-not-found', '--wait=false']).catch(() => undefined);
    await store.close();
  }
});

const sensorYaml = `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: { name: pod-maker, namespace: default }
spec:
  dependencies: [{ name: d, eventSourceName: k8s-hooks, eventName: go }]
  triggers:
    - template:
        name: pod
        k8s:
          operation: create
          source:
            resource:
              apiVersion: v1
              kind: Pod
              metadata: { generateName: from-event- }
              spec: { containers: [{ name: main, image: alpine, command: [echo, placeholder] }] }
          parameters:
            - { src: { dependencyName: d, dataKey: body.msg }, dest: spec.containers.0.command.1 }
    - template:
        name: patch-cm
        k8s:
          operation: patch
          source:
            resource: { apiVersion: v1, kind: ConfigMap, metadata: { name: last-event }, data: { msg: none } }
          parameters:
            - { src: { dependencyName: d, dataKey: body.msg }, dest: data.msg }
`;

test('weir server --store kubernetes: a webhook event makes a k8s trigger create a Pod and patch a ConfigMap', async () => {
  const kube = await startKube();
  await using tmp = await tempDir('kube-k8s-trigger');
  const port = await freePort();
  let replica: Replica | undefined;
  try {
    await defaultServiceAccount(kube, 'default');
    await kube.kubectl(['create', 'configmap', 'last-event', '--from-literal=msg=before', '--from-literal=keep=yes']);
    const manifests = [await tmp.file('es.yaml', webhookSourceYaml('k8s-hooks', 'go', port, '/go')), await tmp.file('s.yaml', sensorYaml)];
    replica = await spawnReplica(kube.kubeconfig, ['--data-dir', join(tmp.dir, 'data'), ...manifests]);
    const url = `http://127.0.0.1:${port}/go`;
    // The sensor's consumer starts with the events published from then on.
    await eventually(() => replica!.log().includes('sensor started (sensor=default/pod-maker)'), {
      timeoutMs: 30_000,
      everyMs: 100,
      what: 'the sensor to start',
    });
    await eventually(async () => (await post(url, { msg: 'hi-from-webhook' }, 'key-1')) === 200, {
      timeoutMs: 30_000,
      everyMs: 200,
      what: 'the webhook to accept the event',
    });
    const pods = async (): Promise<{ metadata: { name: string }; spec: { containers: { command: string[] }[] } }[]> =>
      (
        JSON.parse((await kube.kubectl(['get', 'pods', '-l', 'events.weir.dev/sensor=pod-maker', '-o', 'json'])).stdout) as {
          items: { metadata: { name: string }; spec: { containers: { command: string[] }[] } }[];
        }
      ).items;
    await eventually(async () => (await pods()).length === 1, { timeoutMs: 30_000, everyMs: 250, what: 'the Pod the trigger creates' });
    const [p] = await pods();
    assert.match(p.metadata.name, /^from-event-[0-9a-z]+$/);
    assert.deepEqual(p.spec.containers[0].command, ['echo', 'hi-from-webhook']);
    await eventually(
      async () =>
        (await kube.kubectl(['get', 'configmap', 'last-event', '-o', 'jsonpath={.data.msg}/{.data.keep}'])).stdout ===
        'hi-from-webhook/yes',
      { timeoutMs: 30_000, everyMs: 250, what: 'the ConfigMap patched (its other keys kept)' },
    );
    // The same delivery again (same idempotency key): still one Pod.
    assert.equal(await post(url, { msg: 'hi-from-webhook' }, 'key-1'), 200);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await pods()).length, 1, 'one Pod per event');
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- replica ---\n${replica?.log().slice(-4000) ?? ''}`, { cause: e });
  } finally {
    await replica?.stop();
    await kube.kubectl(['delete', 'pods,configmap', '-l', 'events.weir.dev/sensor=pod-maker', '--ignore-not-found']).catch(() => undefined);
    await kube.kubectl(['delete', 'configmap', 'last-event', '--ignore-not-found']).catch(() => undefined);
  }
});
