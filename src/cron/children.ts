// The child Workflows of a CronWorkflow: building one for a scheduled time (Argo's name, labels, scheduled-time
// annotation, owner annotation), listing them by label, terminating them (spec.shutdown) and deleting the oldest
// finished ones beyond the history limits. Backfill children carry `weir.dev/backfill` and are exempt from limits.
import { ARGO_API_VERSION } from '../api/workflow.js';
import { isWeirError } from '../core/errors.js';
import type { NewObjectOf, ResourceStore, StoredObject } from '../store/types.js';
import { CRON_WORKFLOW_LABEL, SCHEDULED_TIME_ANNOTATION, childName, formatScheduledTime } from './ticks.js';
import type { CronSpecView } from './types.js';

export const BACKFILL_LABEL = 'weir.dev/backfill';
/** Weir's stand-in for a Kubernetes ownerReference: `CronWorkflow/<namespace>/<name>/<uid>`. */
export const OWNER_ANNOTATION = 'weir.dev/owner';

const FINAL = new Set(['Succeeded', 'Failed', 'Error']);

export const phaseOf = (wf: StoredObject): string => String((wf.status as { phase?: string } | undefined)?.phase ?? 'Pending');
export const isFinished = (wf: StoredObject): boolean => FINAL.has(phaseOf(wf));
export const isFailed = (wf: StoredObject): boolean => phaseOf(wf) === 'Failed' || phaseOf(wf) === 'Error';

/**
 * Replaces `{{workflow.scheduledTime}}` in every string of `v`. Argo's controller derives that global variable
 * from the scheduled-time annotation; Weir's engine does not (yet), so the cron controller fills it in here.
 */
function withScheduledTime<T>(v: T, value: string): T {
  const replace = (_key: string, x: unknown): unknown =>
    typeof x === 'string' ? x.replace(/\{\{\s*workflow\.scheduledTime\s*\}\}/g, value) : x;
  // A JSON copy with every string value replaced: the same shape as `v`.
  return JSON.parse(JSON.stringify(v), replace) as T;
}

/** The Workflow to create for `scheduled` (not yet stored). */
export function buildChild(cron: StoredObject, scheduled: Date, opts: { backfill?: string } = {}): NewObjectOf<'Workflow'> {
  const spec = (cron.spec ?? {}) as CronSpecView;
  const ns = cron.metadata.namespace ?? 'default';
  const labels: Record<string, string> = { ...(spec.workflowMetadata?.labels ?? {}), [CRON_WORKFLOW_LABEL]: cron.metadata.name };
  for (const k of [
    'workflows.argoproj.io/creator',
    'workflows.argoproj.io/creator-email',
    'workflows.argoproj.io/creator-preferred-username',
  ]) {
    const v = cron.metadata.labels?.[k];
    if (v !== undefined) labels[k] = v;
  }
  if (opts.backfill !== undefined) labels[BACKFILL_LABEL] = opts.backfill;
  const scheduledTime = formatScheduledTime(scheduled, spec.timezone);
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'Workflow',
    metadata: {
      name: childName(cron.metadata.name, scheduled),
      namespace: ns,
      labels,
      annotations: {
        ...(spec.workflowMetadata?.annotations ?? {}),
        [SCHEDULED_TIME_ANNOTATION]: scheduledTime,
        [OWNER_ANNOTATION]: `CronWorkflow/${ns}/${cron.metadata.name}/${cron.metadata.uid}`,
      },
    },
    spec: withScheduledTime(spec.workflowSpec ?? {}, scheduledTime),
  };
}

/** Every Workflow labelled as a child of the CronWorkflow. */
export async function listChildren(store: ResourceStore, namespace: string, name: string): Promise<StoredObject[]> {
  const out: StoredObject[] = [];
  let cont: string | undefined;
  do {
    const page = await store.list('Workflow', {
      namespace,
      labelSelector: `${CRON_WORKFLOW_LABEL}=${name}`,
      limit: 500,
      ...(cont ? { continue: cont } : {}),
    });
    out.push(...page.items);
    cont = page.continue;
  } while (cont);
  return out;
}

/** Sets spec.shutdown=Terminate (Argo's `argo terminate`), re-reading on conflicts. False if gone or finished. */
export async function terminateChild(store: ResourceStore, namespace: string, name: string): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const wf = await store.get('Workflow', namespace, name);
    if (!wf || isFinished(wf)) return false;
    const spec = (wf.spec ?? {}) as Record<string, unknown>;
    if (spec.shutdown === 'Terminate') return true;
    try {
      await store.update('Workflow', { ...wf, spec: { ...spec, shutdown: 'Terminate' } });
      return true;
    } catch (e) {
      if (!isWeirError(e) || e.code !== 'CONFLICT') throw e;
    }
  }
  return false;
}

const finishedAt = (wf: StoredObject): number =>
  Date.parse(String((wf.status as { finishedAt?: string } | undefined)?.finishedAt ?? wf.metadata.creationTimestamp)) || 0;

/** Deletes the oldest finished scheduled children beyond the limits (Argo defaults: 3 successful, 1 failed). */
export async function enforceHistoryLimits(store: ResourceStore, children: readonly StoredObject[], spec: CronSpecView): Promise<string[]> {
  const keepOk =
    spec.successfulJobsHistoryLimit !== undefined && spec.successfulJobsHistoryLimit >= 0 ? spec.successfulJobsHistoryLimit : 3;
  const keepFailed = spec.failedJobsHistoryLimit !== undefined && spec.failedJobsHistoryLimit >= 0 ? spec.failedJobsHistoryLimit : 1;
  const scheduled = children.filter((w) => isFinished(w) && w.metadata.labels?.[BACKFILL_LABEL] === undefined);
  const byNewest = (a: StoredObject, b: StoredObject): number => finishedAt(b) - finishedAt(a);
  const victims = [
    ...scheduled
      .filter((w) => phaseOf(w) === 'Succeeded')
      .sort(byNewest)
      .slice(keepOk),
    ...scheduled.filter(isFailed).sort(byNewest).slice(keepFailed),
  ];
  const deleted: string[] = [];
  for (const w of victims) {
    if (await store.delete('Workflow', w.metadata.namespace, w.metadata.name)) deleted.push(w.metadata.name);
  }
  return deleted;
}
