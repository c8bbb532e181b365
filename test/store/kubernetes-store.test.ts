// Runs the store conformance suite against a real Kubernetes API server (test/helpers/kube.ts): the same cases as
// the memory and SQLite stores. Each case gets a fresh store over emptied collections of the kinds the suite uses.
//
// Kept history: the API server serves a watch from a resourceVersion out of its watch cache when the resource has
// one (every resource by default). That cache keeps its own window of events (at least 75 s of them, up to 100k;
// k8s.io/apiserver pkg/storage/cacher/watch_cache.go) and refuses only versions older than the list it started from
// or the events it has dropped; compacting etcd does not shrink it (the cacher's compactor only prunes its list
// snapshots). So whether a watch from version 1 is refused depends on when that cache started (on a fresh control
// plane it may have started at revision 1 and replay everything), and no test can trim its window. This process's
// API server therefore runs without the watch cache for ConfigMaps (`--watch-cache-sizes=configmaps#0`, the one
// size that still means something; Workflows and other CRDs keep theirs): their watches come from etcd, whose history
// ends where it was compacted, and the case that needs a short history compacts etcd at the version it must keep
// (trimHistory). etcd's answer for an older version is 410 Expired ("The resourceVersion for the provided watch is
// too old."). Seen with the cache on: the compaction test below got the compacted-away changes replayed from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WeirError } from '../../src/core/errors.js';
import { KubernetesStore } from '../../src/store/kubernetes-store.js';
import { resourcePath } from '../../src/store/kubernetes-rest.js';
import type { KindName } from '../../src/api/kinds.js';
import { startKube } from '../helpers/kube.js';
import { runStoreConformance } from './conformance.js';
import { cm } from './conformance-kit.js';
import { cuttableProxy } from './kube-proxy.js';

process.env.WEIR_KUBE_APISERVER_ARGS = '--watch-cache-sizes=configmaps#0';
const kube = await startKube();
const NAMESPACES = ['default', 'other', 'elsewhere'];
for (const ns of NAMESPACES) await kube.ensureNamespace(ns);

const WIPE: KindName[] = ['ConfigMap', 'Secret', 'Workflow'];

/** Compacts etcd at `revision` through its v3 JSON gateway: revisions before it are gone, a watch from it still works. */
async function compactAt(revision: string): Promise<void> {
  const res = await fetch(`${kube.etcd}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision, physical: true }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`etcd compaction at ${revision}: HTTP ${res.status} ${(await res.text()).slice(0, 500)}`);
}

runStoreConformance(
  'kubernetes',
  async () => {
    const s = new KubernetesStore({ kubeconfig: kube.kubeconfig });
    for (const kind of WIPE) {
      for (const ns of NAMESPACES) await s.rest.request('DELETE', resourcePath(kind, ns));
    }
    await s.rest.request('DELETE', resourcePath('ClusterWorkflowTemplate', undefined));
    await s.ready();
    return s;
  },
  { trimHistory: (_s, keepAfterVersion) => compactAt(keepAfterVersion) },
);

// A watch whose version is compacted away while it reconnects (kubernetes-watch.ts): its connection drops while
// changes happen and etcd is compacted past its cursor, so the reconnect is refused. The watch fails as Expired and
// the reader lists again, as an informer does. (It used to list again itself and deliver the difference, which could
// not report `x` below: x came from the reader's own list, never through the watch, and was deleted meanwhile.)
test('kubernetes: a watch whose version is compacted away while it reconnects fails as Expired; a new list is right', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-kstore-'));
  const proxy = await cuttableProxy(kube.kubeconfig, kube.server, dir);
  const direct = new KubernetesStore({ kubeconfig: kube.kubeconfig });
  const s = new KubernetesStore({ kubeconfig: proxy.kubeconfig });
  const ac = new AbortController();
  try {
    await direct.rest.request('DELETE', resourcePath('ConfigMap', 'default'));
    await direct.create('ConfigMap', cm('x'));
    const start = await s.list('ConfigMap', { namespace: 'default' });
    assert.deepEqual(
      start.items.map((o) => o.metadata.name),
      ['x'],
    );
    const events = s.watch('ConfigMap', { namespace: 'default', sinceResourceVersion: start.resourceVersion, signal: ac.signal });
    const it = events[Symbol.asyncIterator]();
    const next = async (): Promise<string> => {
      const r = await it.next();
      assert.ok(r.done !== true, 'the watch ended');
      return `${r.value.type} ${r.value.object.metadata.name}`;
    };
    const a = await direct.create('ConfigMap', cm('a'));
    await direct.create('ConfigMap', cm('b'));
    assert.deepEqual([await next(), await next()], ['ADDED a', 'ADDED b']);
    // The watch sees nothing from here until its connection is cut, and its cursor (b) is compacted away meanwhile.
    proxy.hold();
    await direct.update('ConfigMap', { ...a, data: { k: 'changed' } });
    await direct.delete('ConfigMap', 'default', 'b');
    await direct.delete('ConfigMap', 'default', 'x');
    await direct.create('ConfigMap', cm('d'));
    await kube.compact();
    proxy.cut();
    await assert.rejects(
      () => it.next(),
      (e: unknown) => e instanceof WeirError && e.code === 'CONFLICT' && e.details?.reason === 'Expired',
    );
    const again = await s.list('ConfigMap', { namespace: 'default' });
    assert.deepEqual(again.items.map((o) => `${o.metadata.name}=${o.data?.k ?? ''}`).sort(), ['a=changed', 'd=d']);
    // Watching from the new list's version goes on live.
    const live = s.watch('ConfigMap', { namespace: 'default', sinceResourceVersion: again.resourceVersion, signal: ac.signal });
    const it2 = live[Symbol.asyncIterator]();
    await direct.create('ConfigMap', cm('e'));
    const r = await it2.next();
    assert.equal(r.done !== true ? `${r.value.type} ${r.value.object.metadata.name}` : 'ended', 'ADDED e');
  } finally {
    ac.abort();
    await s.close();
    await direct.close();
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
