// Handles of the pod executor's steps, and the finished pods it still keeps (for podGC after a controller restart).
import { createHash } from 'node:crypto';
import { ANNOTATION_NODE_ID, FINALIZER, LABEL_UID, LABEL_WORKFLOW } from './pod-manifest.js';
import type { PodApi } from './pod-kube.js';
import type { Pod } from './pod-watch.js';
import type { KeptStep, StepHandle } from './types.js';

/** A step's handle: its id derives from (workflow uid, node id) alone, so every replica computes the same. */
export function podHandle(kind: string, uid: string, nodeId: string, namespace: string, pod: string, startedAt: string): StepHandle {
  const id = createHash('sha256').update(`${uid}\0${nodeId}`).digest('hex').slice(0, 24);
  return { executor: kind, id, startedAt, details: { namespace, pod } };
}

/**
 * Weir's pods (with `labels`), in any namespace, as KeptSteps: the finished ones a controller may still have to
 * release or delete; which are finished is for the caller to tell from the saved status (a pod is labelled completed
 * only at release, so one whose release a crash prevented carries completed=false).
 */
export async function keptPods(
  api: PodApi,
  kind: string,
  labels: Readonly<Record<string, string>>,
  signal?: AbortSignal,
): Promise<KeptStep[]> {
  const selector = [LABEL_UID, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)].join(',');
  const items: Pod[] = [];
  let next: string | undefined;
  do {
    // Pages of 500: a 10,000-step workflow's pods in one answer would be tens of megabytes.
    const page: { items: Pod[]; metadata?: { continue?: string } } = await api.request('GET', '/api/v1/pods', {
      query: { labelSelector: selector, limit: 500, ...(next ? { continue: next } : {}) },
      ...(signal ? { signal } : {}),
    });
    items.push(...page.items);
    next = page.metadata?.continue || undefined;
  } while (next);
  return items.flatMap((p) => {
    const uid = p.metadata.labels?.[LABEL_UID];
    const name = p.metadata.labels?.[LABEL_WORKFLOW];
    const nodeId = p.metadata.annotations?.[ANNOTATION_NODE_ID];
    const namespace = p.metadata.namespace ?? '';
    if (!uid || !name || !nodeId) return [];
    const handle = podHandle(kind, uid, nodeId, namespace, p.metadata.name, p.metadata.annotations?.['weir.io/started-at'] ?? '');
    return [{ handle, workflow: { namespace, name, uid }, nodeId, held: p.metadata.finalizers?.includes(FINALIZER) === true }];
  });
}

/** Handles of every pod of a workflow (by uid), in any namespace, for cleanup. */
export async function workflowPods(api: PodApi, kind: string, uid: string): Promise<StepHandle[]> {
  const list = await api.request<{ items: Pod[] }>('GET', '/api/v1/pods', { query: { labelSelector: `${LABEL_UID}=${uid}` } });
  return list.items.map((p) => ({
    executor: kind,
    id: p.metadata.name,
    startedAt: '',
    details: { namespace: p.metadata.namespace ?? '', pod: p.metadata.name },
  }));
}
