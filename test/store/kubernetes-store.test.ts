// Runs the store conformance suite against a real Kubernetes API server (test/helpers/kube.ts): the same cases as
// the memory and SQLite stores. Each case gets a fresh store over emptied collections of the kinds the suite uses.
import { KubernetesStore } from '../../src/store/kubernetes-store.js';
import { resourcePath } from '../../src/store/kubernetes-rest.js';
import type { KindName } from '../../src/api/kinds.js';
import { startKube } from '../helpers/kube.js';
import { runStoreConformance } from './conformance.js';

const kube = await startKube();
const NAMESPACES = ['default', 'other', 'elsewhere'];
for (const ns of NAMESPACES) await kube.ensureNamespace(ns);

const WIPE: KindName[] = ['ConfigMap', 'Secret', 'Workflow'];

runStoreConformance('kubernetes', async () => {
  const s = new KubernetesStore({ kubeconfig: kube.kubeconfig });
  for (const kind of WIPE) {
    for (const ns of NAMESPACES) await s.rest.request('DELETE', resourcePath(kind, ns));
  }
  await s.rest.request('DELETE', resourcePath('ClusterWorkflowTemplate', undefined));
  await s.ready();
  return s;
});
