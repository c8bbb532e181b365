// Waiting on one pod: GET, then a watch from that resource version until a predicate decides; a watch that ends
// (server timeout, 410 Expired, broken connection) is followed by a fresh GET, so a lost event only delays the
// answer, never loses it. The pod's shape as far as the executor reads it is declared here too.
import { WeirError, errorMessage } from '../core/errors.js';
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

/** Calls `decide` with the pod (undefined once it is gone) after every change until it returns a value. */
export async function untilPod<T>(
  api: PodApi,
  namespace: string,
  name: string,
  decide: (pod: Pod | undefined) => T | undefined,
  signal?: AbortSignal,
): Promise<T> {
  for (;;) {
    if (signal?.aborted) throw new WeirError('CANCELLED', `waiting for pod ${namespace}/${name} cancelled`);
    const pod = await getPod(api, namespace, name, signal);
    const first = decide(pod);
    if (first !== undefined) return first;
    if (!pod) throw new WeirError('INTERNAL', `untilPod: no decision for the missing pod ${name}`);
    const ac = new AbortController();
    const both = signal ? AbortSignal.any([signal, ac.signal]) : ac.signal;
    try {
      const res = await api.open('GET', podPath(namespace), {
        query: {
          watch: true,
          fieldSelector: `metadata.name=${name}`,
          resourceVersion: pod.metadata.resourceVersion,
          allowWatchBookmarks: false,
          timeoutSeconds: 60,
        },
        signal: both,
      });
      for await (const ev of watchEvents<Pod>(res)) {
        if (ev.type === 'ERROR') break;
        const r = decide(ev.type === 'DELETED' ? undefined : ev.object);
        if (r !== undefined) return r;
      }
    } catch (e) {
      if (signal?.aborted) throw new WeirError('CANCELLED', `waiting for pod ${namespace}/${name} cancelled`, { cause: e });
      if (!(e instanceof WeirError) || e.code !== 'CONFLICT') await pause(500, signal, errorMessage(e));
    } finally {
      ac.abort();
    }
  }
}

function pause(ms: number, signal: AbortSignal | undefined, why: string): Promise<void> {
  void why;
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** The pod's IP once it has one; '' when the pod ended (or is gone) without one. */
export function podAddress(api: PodApi, namespace: string, name: string, signal?: AbortSignal): Promise<string> {
  return untilPod(
    api,
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
