// The pod's shape as far as the executor reads it, a GET of one pod, waiting on a pod through a PodSource (the
// executor's shared informer, pod-informer.ts) and the event stream of a Kubernetes watch.
import { WeirError } from '../core/errors.js';
import { podPath } from './pod-kube.js';
import type { PodApi } from './pod-kube.js';

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { exitCode: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string; signal?: number };
}

export interface ContainerStatus {
  name: string;
  state?: ContainerState;
}

export interface Pod {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
  };
  spec?: { nodeName?: string; volumes?: { name: string; secret?: { secretName?: string } }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    podIP?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export function containerStatus(pod: Pod | undefined, name: string): ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.find((c) => c.name === name);
}

export async function getPod(api: PodApi, namespace: string, name: string, signal?: AbortSignal): Promise<Pod | undefined> {
  try {
    return await api.request<Pod>('GET', podPath(namespace, name), signal ? { signal } : {});
  } catch (e) {
    if (e instanceof WeirError && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
}

/** Where waiters learn about pods: the pod executor's shared informer (pod-informer.ts). */
export interface PodSource {
  /**
   * Calls `decide` with the pod (undefined once it is gone) now and after every change until it returns a value; a
   * lost event only delays the answer, never loses it. Aborting `signal` rejects with CANCELLED.
   */
  until<T>(namespace: string, name: string, decide: (pod: Pod | undefined) => T | undefined, signal?: AbortSignal): Promise<T>;
}

/** Calls `decide` with the pod (undefined once it is gone) after every change until it returns a value. */
export function untilPod<T>(
  pods: PodSource,
  namespace: string,
  name: string,
  decide: (pod: Pod | undefined) => T | undefined,
  signal?: AbortSignal,
): Promise<T> {
  return pods.until(namespace, name, decide, signal);
}

/** The pod's IP once it has one; '' when the pod ended (or is gone) without one. */
export function podAddress(pods: PodSource, namespace: string, name: string, signal?: AbortSignal): Promise<string> {
  return untilPod(
    pods,
    namespace,
    name,
    (p) => {
      if (!p || containerStatus(p, 'main')?.state?.terminated) return '';
      if (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') return '';
      return p.status?.podIP || undefined;
    },
    signal,
  );
}

/** The events of a Kubernetes watch response (one JSON object per line; blank lines skipped). */
export async function* watchEvents<T>(res: AsyncIterable<unknown>): AsyncGenerator<{ type: string; object: T }> {
  let rest = '';
  for await (const chunk of res) {
    rest += (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line.trim() !== '') yield JSON.parse(line) as { type: string; object: T };
    }
  }
}
