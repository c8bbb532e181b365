// Records every pod of a label selector as the API server reports it (list, then watch; a broken watch lists again):
// the uids seen per `workflows.argoproj.io/node-id` annotation (a step whose pod was created twice shows two uids)
// and the newest state of each pod's main container. The pod-executor failover test reads it.
import { WeirError } from '../../src/core/errors.js';
import { podPath } from '../../src/executor/pod-kube.js';
import type { PodApi } from '../../src/executor/pod-kube.js';
import { ANNOTATION_NODE_ID } from '../../src/executor/pod-manifest.js';
import { containerStatus, watchEvents } from '../../src/executor/pod-watch.js';
import type { Pod } from '../../src/executor/pod-watch.js';

export interface PodRecord {
  /** Pod uids per node id, in the order they were first seen. */
  readonly uidsByNode: ReadonlyMap<string, readonly string[]>;
  /** Pods whose main container runs now (by name). */
  running(): string[];
  /** Pods whose main container has terminated (by name). */
  terminated(): string[];
  stop(): Promise<void>;
}

export function recordPods(api: PodApi, namespace: string, labelSelector: string): PodRecord {
  const uidsByNode = new Map<string, string[]>();
  const state = new Map<string, 'waiting' | 'running' | 'terminated'>();
  const ac = new AbortController();
  const see = (type: string, pod: Pod): void => {
    const node = pod.metadata.annotations?.[ANNOTATION_NODE_ID] ?? `(no node id) ${pod.metadata.name}`;
    const uids = uidsByNode.get(node) ?? [];
    if (pod.metadata.uid && !uids.includes(pod.metadata.uid)) uids.push(pod.metadata.uid);
    uidsByNode.set(node, uids);
    if (type === 'DELETED') {
      state.delete(pod.metadata.name);
      return;
    }
    const main = containerStatus(pod, 'main')?.state;
    state.set(pod.metadata.name, main?.terminated ? 'terminated' : main?.running ? 'running' : 'waiting');
  };
  const loop = (async () => {
    while (!ac.signal.aborted) {
      try {
        const list = await api.request<{ metadata: { resourceVersion: string }; items: Pod[] }>('GET', podPath(namespace), {
          query: { labelSelector },
          signal: ac.signal,
        });
        for (const p of list.items) see('ADDED', p);
        const res = await api.open('GET', podPath(namespace), {
          query: { watch: true, labelSelector, resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 120 },
          signal: ac.signal,
        });
        for await (const ev of watchEvents<Pod>(res)) {
          if (ev.type === 'ERROR') throw new WeirError('CONFLICT', 'pod watch expired');
          see(ev.type, ev.object);
        }
      } catch {
        if (!ac.signal.aborted) await new Promise((r) => setTimeout(r, 200));
      }
    }
  })();
  const named = (s: string): string[] => [...state].filter(([, v]) => v === s).map(([k]) => k);
  return {
    uidsByNode,
    running: () => named('running'),
    terminated: () => named('terminated'),
    stop: async () => {
      ac.abort();
      await loop;
    },
  };
}
