// The short form of a workflow that the web UI's lists show (name, phase, times, progress, the labels and the
// "started by" annotations), so a list page moves a few hundred bytes per workflow instead of its whole status.
import type { StoredObject } from '../store/types.js';

/** Annotations the UI shows ("started by"); others are left out of summaries. */
const SHOWN_ANNOTATIONS = /^(workflows\.argoproj\.io\/scheduled-time|events\.weir\.dev\/|weir\.dev\/)/;

export interface WorkflowSummary {
  name: string;
  namespace: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  phase: string;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
  progress?: string;
  nodes: number;
}

/** The fields of a workflow the list page shows. */
export function summarise(o: StoredObject): WorkflowSummary {
  const st = (o.status ?? {}) as {
    phase?: string;
    startedAt?: string;
    finishedAt?: string;
    message?: string;
    progress?: string;
    nodes?: Record<string, unknown>;
  };
  const ann = o.metadata.annotations ?? {};
  return {
    name: o.metadata.name,
    namespace: o.metadata.namespace ?? '',
    uid: o.metadata.uid,
    resourceVersion: o.metadata.resourceVersion,
    creationTimestamp: o.metadata.creationTimestamp,
    labels: o.metadata.labels ?? {},
    annotations: Object.fromEntries(Object.entries(ann).filter(([k]) => SHOWN_ANNOTATIONS.test(k))),
    phase: st.phase ?? 'Pending',
    ...(st.startedAt ? { startedAt: st.startedAt } : {}),
    ...(st.finishedAt ? { finishedAt: st.finishedAt } : {}),
    ...(st.message ? { message: st.message } : {}),
    ...(st.progress ? { progress: st.progress } : {}),
    nodes: st.nodes ? Object.keys(st.nodes).length : 0,
  };
}
