// The pod executor's shared informer (src/executor/pod-informer.ts) against the real API server, reached through a
// TCP relay of the test's own so a test can count the connections, hold the server's bytes back and cut them: many
// waiters share one LIST and one WATCH; a waiter is called on every change of its pod and resolved by the one it
// waits for; a deleted or never created pod is reported gone; a broken stream (while a pod changed and another was
// deleted) is followed by a re-list that shows both; close() rejects the waiters and ends the watch. Also PodApi's
// connection bound (maxSockets, long streams apart). Pods here never
// run (a nodeSelector no node has), so they only change when the test patches or deletes them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { createRecordingLogger } from '../../src/core/logger.js';
import { WeirError } from '../../src/core/errors.js';
import { PodApi, podPath } from '../../src/executor/pod-kube.js';
import { PodInformer } from '../../src/executor/pod-informer.js';
import { LABEL_UID } from '../../src/executor/pod-manifest.js';
import type { Pod } from '../../src/executor/pod-watch.js';
import { startKube } from '../helpers/kube.js';
import { eventually } from '../helpers/eventually.js';
import { relay } from '../helpers/tcp-relay.js';
import type { Relay } from '../helpers/tcp-relay.js';

const NS = 'informer-test';
const kube = await startKube();
await kube.ensureNamespace(NS);
const direct = PodApi.connect({ kubeconfig: kube.kubeconfig });
// The default ServiceAccount pods need (no controller manager runs here to create it).
await direct
  .request('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, {
    body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } },
  })
  .catch((e: unknown) => {
    if (!(e instanceof WeirError && e.code === 'ALREADY_EXISTS')) throw e;
  });

/** A PodApi whose every connection goes through a fresh relay. */
async function relayedApi(maxSockets?: number): Promise<{ api: PodApi; relay: Relay }> {
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfig);
  const rl = await relay(new URL(kube.server));
  const alt = new KubeConfig();
  alt.loadFromOptions({
    clusters: kc.clusters.map((c) => ({ ...c, server: rl.url })),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return { api: new PodApi(alt, maxSockets !== undefined ? { maxSockets } : {}), relay: rl };
}

const uid = randomUUID();
after(async () => {
  await direct.request('DELETE', podPath(NS), { query: { labelSelector: `${LABEL_UID}=${uid}`, gracePeriodSeconds: 0 } });
});

async function createPod(name: string): Promise<Pod> {
  return direct.request<Pod>('POST', podPath(NS), {
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels: { [LABEL_UID]: uid } },
      spec: { nodeSelector: { 'weir.io/no-such-node': 'x' }, containers: [{ name: 'main', image: 'busybox' }] },
    },
  });
}

function annotate(name: string, annotations: Record<string, string>): Promise<unknown> {
  return direct.request('PATCH', podPath(NS, name), { body: { metadata: { annotations } }, contentType: 'application/merge-patch+json' });
}

function deletePod(name: string): Promise<unknown> {
  return direct.request('DELETE', podPath(NS, name), { query: { gracePeriodSeconds: 0 } });
}

/** Resolves with `value` once the pod carries annotation go=yes; 'gone' when it is gone. Records what it was shown. */
function waitGo(informer: PodInformer, name: string, seen: (string | undefined)[] = []): Promise<string> {
  return informer.until(NS, name, (p) => {
    seen.push(p?.metadata.annotations?.go);
    if (!p) return 'gone';
    return p.metadata.annotations?.go === 'yes' ? `go ${name}` : undefined;
  });
}

test('pod informer: 20 waiters share one LIST and one WATCH; each is shown its pod, then resolved by the change it waits for', async () => {
  const { api, relay: rl } = await relayedApi();
  const informer = new PodInformer({ api });
  try {
    const names = Array.from({ length: 20 }, (_, i) => `inf-a-${i}`);
    await Promise.all(names.map((n) => createPod(n)));
    const seen = names.map(() => [] as (string | undefined)[]);
    const waits = names.map((n, i) => waitGo(informer, n, seen[i]));
    // Every waiter was shown its pod as it is (no annotation) before the change.
    await eventually(() => seen.every((s) => s.length > 0), { what: 'each waiter shown its pod', timeoutMs: 60_000 });
    assert.ok(
      seen.every((s) => s[0] === undefined),
      'first shown without the annotation',
    );
    await Promise.all(names.map((n) => annotate(n, { go: 'yes' })));
    assert.deepEqual(
      await Promise.all(waits),
      names.map((n) => `go ${n}`),
    );
    // A waiter that comes later is answered from the cache.
    assert.equal(await waitGo(informer, names[0]), `go ${names[0]}`);
    // One connection for the LIST (and nothing else: no GET per waiter), one for the WATCH.
    assert.ok(rl.opened <= 2, `connections opened: ${rl.opened}`);
  } finally {
    await informer.close();
    await rl.close();
  }
});

test('pod informer: a deleted pod is reported gone, and so is one that never existed', async () => {
  const { api, relay: rl } = await relayedApi();
  const informer = new PodInformer({ api });
  try {
    await createPod('inf-b-0');
    const seen: (string | undefined)[] = [];
    const w = waitGo(informer, 'inf-b-0', seen);
    await eventually(() => seen.length > 0, { what: 'the waiter shown its pod', timeoutMs: 60_000 });
    await deletePod('inf-b-0');
    assert.equal(await w, 'gone');
    assert.equal(await waitGo(informer, 'inf-b-never'), 'gone');
    // A pod created after the informer synced is not taken for gone (its waiter asks the API server).
    await createPod('inf-b-1');
    const later = waitGo(informer, 'inf-b-1');
    await annotate('inf-b-1', { go: 'yes' });
    assert.equal(await later, 'go inf-b-1');
  } finally {
    await informer.close();
    await rl.close();
  }
});

test('pod informer: after a broken watch stream it lists again: a change and a deletion made meanwhile both reach their waiters', async () => {
  const { api, relay: rl } = await relayedApi();
  const logger = createRecordingLogger();
  const informer = new PodInformer({ api, logger });
  try {
    await Promise.all([createPod('inf-c-0'), createPod('inf-c-1')]);
    const seen0: (string | undefined)[] = [];
    const seen1: (string | undefined)[] = [];
    const w0 = waitGo(informer, 'inf-c-0', seen0);
    const w1 = waitGo(informer, 'inf-c-1', seen1);
    await eventually(() => seen0.length > 0 && seen1.length > 0, { what: 'both waiters shown their pods', timeoutMs: 60_000 });
    rl.hold();
    await annotate('inf-c-0', { go: 'yes' });
    await deletePod('inf-c-1');
    rl.cut();
    assert.equal(await w0, 'go inf-c-0');
    assert.equal(await w1, 'gone');
    assert.ok(logger.at('warn', 'listing again').length > 0, 'the informer listed again');
  } finally {
    await informer.close();
    await rl.close();
  }
});

test('pod informer: close() rejects pending waiters with CANCELLED, ends the watch and refuses new waiters', async () => {
  const { api, relay: rl } = await relayedApi();
  const informer = new PodInformer({ api });
  try {
    await createPod('inf-d-0');
    const seen: (string | undefined)[] = [];
    const w = waitGo(informer, 'inf-d-0', seen);
    await eventually(() => seen.length > 0, { what: 'the waiter shown its pod', timeoutMs: 60_000 });
    // A change seen through the watch: its connection is open now.
    await annotate('inf-d-0', { go: 'not yet' });
    await eventually(() => seen.includes('not yet'), { what: 'the change seen', timeoutMs: 60_000 });
    const open = rl.open;
    const rejected = assert.rejects(w, (e: unknown) => e instanceof WeirError && e.code === 'CANCELLED');
    await informer.close();
    await rejected;
    // The watch's connection is closed (the LIST's idle keep-alive connection may stay).
    await eventually(() => rl.open < open, { what: 'the watch connection closed', timeoutMs: 30_000 });
    await assert.rejects(waitGo(informer, 'inf-d-0'), (e: unknown) => e instanceof WeirError && e.code === 'CANCELLED');
  } finally {
    await rl.close();
  }
});

test('pod informer: an aborted wait rejects with CANCELLED and leaves the other waiters of its pod waiting', async () => {
  const { api, relay: rl } = await relayedApi();
  const informer = new PodInformer({ api });
  try {
    await createPod('inf-e-0');
    const ac = new AbortController();
    const seen: (string | undefined)[] = [];
    const aborted = informer.until(
      NS,
      'inf-e-0',
      (p) => {
        seen.push(p?.metadata.name);
        return undefined;
      },
      ac.signal,
    );
    const other = waitGo(informer, 'inf-e-0');
    await eventually(() => seen.length > 0, { what: 'the waiter shown its pod', timeoutMs: 60_000 });
    ac.abort();
    await assert.rejects(aborted, (e: unknown) => e instanceof WeirError && e.code === 'CANCELLED');
    await annotate('inf-e-0', { go: 'yes' });
    assert.equal(await other, 'go inf-e-0');
  } finally {
    await informer.close();
    await rl.close();
  }
});

test('PodApi: 40 requests at once share maxSockets (4) connections, while 4 open watches hold connections of their own', async () => {
  const { api, relay: rl } = await relayedApi(4);
  const ac = new AbortController();
  try {
    await createPod('inf-f-0');
    const watches = await Promise.all(
      Array.from({ length: 4 }, () =>
        api.open('GET', podPath(NS), { query: { watch: true, labelSelector: `${LABEL_UID}=${uid}` }, signal: ac.signal, long: true }),
      ),
    );
    const got = await Promise.all(Array.from({ length: 40 }, () => api.request<Pod>('GET', podPath(NS, 'inf-f-0'))));
    assert.ok(got.every((p) => p.metadata.name === 'inf-f-0'));
    assert.ok(rl.opened <= 8, `connections opened: ${rl.opened} (4 watches + at most 4 for the requests)`);
    for (const w of watches) w.destroy();
  } finally {
    ac.abort();
    await rl.close();
  }
});
