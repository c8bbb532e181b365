// Runs the store conformance suite against a real Kubernetes API server (test/helpers/kube.ts): the same cases as
// the memory and SQLite stores. Each case gets a fresh store over emptied collections of the kinds the suite uses.
// A case that asks for a short kept history (`historyLimit`) gets etcd compacted to its current revision right after
// the wipe, as the API server's own compaction (every 5 minutes) would: older resourceVersions are then gone.
import { KubernetesStore } from '../../src/store/kubernetes-store.js';
import { resourcePath } from '../../src/store/kubernetes-rest.js';
import type { KindName } from '../../src/api/kinds.js';
import { startKube } from '../helpers/kube.js';
import { runStoreConformance } from './conformance.js';

const kube = await startKube();
const NAMESPACES = ['default', 'other', 'elsewhere'];
for (const ns of NAMESPACES) await kube.ensureNamespace(ns);

const WIPE: KindName[] = ['ConfigMap', 'Secret', 'Workflow'];

runStoreConformance('kubernetes', async (opts) => {
  const s = new KubernetesStore({ kubeconfig: kube.kubeconfig });
  for (const kind of WIPE) {
    for (const ns of NAMESPACES) await s.rest.request('DELETE', resourcePath(kind, ns));
  }
  await s.rest.request('DELETE', resourcePath('ClusterWorkflowTemplate', undefined));
  if (opts?.historyLimit !== undefined) await kube.compact();
  await s.ready();
  return s;
});
