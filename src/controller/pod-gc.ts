// Finished steps' pods (Argo's podGC), for executors whose steps outlive their outcome as objects others see (the pod
// executor, StepExecutor.release). Once a saved status records a step node finished, its pod is released (the
// executor's finalizer dropped: Weir has read it) and, per spec.podGC.strategy, deleted after deleteDelayDuration:
// OnPodCompletion (every finished step), OnPodSuccess (the Succeeded ones), OnWorkflowCompletion (all, when the
// workflow ends), OnWorkflowSuccess (all, when it ends Succeeded). No strategy keeps every pod (Argo's default).
// The plans are pure (podGcPlan, keptStepPlan); PodCollector carries them out. Delayed deletions live in memory; a
// controller start sweeps the pods the executor still keeps (kept()): of the steps saved finished, it releases those a crash left held,
// deletes those podGC wanted gone (the delay counted from the end), and those whose workflow no longer exists. podGC.labelSelector limits deletion to the
// pods whose labels (podMetadata and template metadata, recorded at start, plus `completed: true`) match it.
import { parseGoDuration } from '../core/duration.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ResourceStore } from '../store/types.js';
import type { KeptStep, StepExecutor, StepHandle } from '../executor/types.js';
import { labelSelectorRequirements, matchesRequirements } from '../store/label-selector.js';
import { isFinished } from './nodes.js';
import { subStepsOf } from './sub-steps.js';
import { LABEL_COMPLETED, hasStep } from './types.js';
import type { NodeStatus, OperateResult, WorkflowStatus } from './types.js';

const FINAL = new Set(['Succeeded', 'Failed', 'Error']);

/** What sweep() reads of a workflow (spec.podGC: the effective one, a workflowTemplateRef's included). */
export interface KeptWorkflow {
  uid?: string;
  spec?: { podGC?: OperateResult['podGC'] };
  status?: WorkflowStatus;
}

export interface PodGcPlan {
  /** Pods whose outcome is saved: their executor hold is dropped. */
  release: StepHandle[];
  /** Pods to delete after `delayMs`. */
  remove: StepHandle[];
  delayMs: number;
  /** deleteDelayDuration (deleted at once instead) or labelSelector (none deleted) could not be read. */
  error?: string;
}

/** What to release and delete after a save that moved the status from `prev` to `next`. */
export function podGcPlan(prev: WorkflowStatus | undefined, next: WorkflowStatus, podGC: OperateResult['podGC']): PodGcPlan {
  const plan: PodGcPlan = { release: [], remove: [], delayMs: 0 };
  const strategy = podGC?.strategy ?? '';
  const wfEnded = FINAL.has(String(next.phase)) && !FINAL.has(String(prev?.phase));
  const removeAll = wfEnded && (strategy === 'OnWorkflowCompletion' || (strategy === 'OnWorkflowSuccess' && next.phase === 'Succeeded'));
  let selected = (_n: NodeStatus): boolean => true;
  if (podGC?.labelSelector !== undefined) {
    try {
      const reqs = labelSelectorRequirements(podGC.labelSelector);
      selected = (n) => matchesRequirements(reqs, { ...n.weir?.podLabels, [LABEL_COMPLETED]: 'true' });
    } catch (e) {
      plan.error = `podGC.labelSelector: ${errorMessage(e)}; no pod is deleted`;
      selected = () => false;
    }
  }
  const seen = new Set<string>();
  for (const n of Object.values(next.nodes ?? {})) {
    if (!hasStep(n.type)) continue;
    const endedNow = isFinished(n.phase) && !isFinished(prev?.nodes?.[n.id]?.phase);
    if (!endedNow && !wfEnded) continue;
    const remove =
      (removeAll || (endedNow && (strategy === 'OnPodCompletion' || (strategy === 'OnPodSuccess' && n.phase === 'Succeeded')))) &&
      selected(n);
    for (const h of [n.weir?.handle, ...subStepsOf(n).map((s) => s.record.handle)]) {
      if (h === undefined || seen.has(h.id)) continue;
      seen.add(h.id);
      plan.release.push(h);
      if (remove) plan.remove.push(h);
    }
  }
  const delay = podGC?.deleteDelayDuration;
  if (plan.remove.length > 0 && delay !== undefined && delay !== '' && plan.error === undefined) {
    try {
      plan.delayMs = Math.max(0, parseGoDuration(delay));
    } catch (e) {
      plan.error = `podGC.deleteDelayDuration: ${errorMessage(e)}; deleting at once`;
    }
  }
  return plan;
}

/** What a controller start does with a finished step its executor still keeps (StepExecutor.kept). */
export function keptStepPlan(step: KeptStep, wf: KeptWorkflow | undefined, now: number): PodGcPlan | undefined {
  // Its workflow is gone (or replaced under the same name): nothing will ever read the pod again.
  if (wf === undefined || wf.uid !== step.workflow.uid) return { release: [], remove: [step.handle], delayMs: 0 };
  const node = wf.status?.nodes?.[step.nodeId];
  if (!node || !isFinished(node.phase)) return undefined; // its outcome is not saved yet: the workflow's pass reads it
  const podGC = wf.spec?.podGC;
  const one = podGcPlan(undefined, { ...wf.status, nodes: { [node.id]: { ...node, weir: { ...node.weir, handle: step.handle } } } }, podGC);
  const plan: PodGcPlan = { ...one, release: step.held ? one.release : [] };
  if (plan.remove.length > 0 && plan.delayMs > 0) {
    const workflowWide = podGC?.strategy === 'OnWorkflowCompletion' || podGC?.strategy === 'OnWorkflowSuccess';
    const ended = Date.parse((workflowWide ? wf.status?.finishedAt : node.finishedAt) ?? '');
    if (Number.isFinite(ended)) plan.delayMs = Math.max(0, ended + plan.delayMs - now);
  }
  return plan.release.length + plan.remove.length > 0 ? plan : undefined;
}

/** Carries out podGC plans through the executor; close() drops the deletions still waiting for their delay. */
export class PodCollector {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly o: { executor: StepExecutor; log: Logger }) {}

  /** Whether the executor keeps steps around for podGC (the pod executor). */
  get active(): boolean {
    return this.o.executor.release !== undefined;
  }

  apply(workflow: string, plan: PodGcPlan): void {
    const ex = this.o.executor;
    if (!ex.release) return;
    if (plan.error) this.o.log.warn({ workflow, err: plan.error }, 'podGC setting not usable');
    const removing = new Set(plan.remove.map((h) => h.id));
    for (const h of plan.release)
      if (!removing.has(h.id) || plan.delayMs > 0)
        void ex.release(h).catch((e: unknown) => this.o.log.warn({ workflow, node: h.id, err: errorMessage(e) }, 'cannot release pod'));
    if (plan.remove.length === 0) return;
    const remove = (): void => {
      for (const h of plan.remove)
        void ex
          .cleanup(h)
          .catch((e: unknown) => this.o.log.warn({ workflow, node: h.id, err: errorMessage(e) }, 'podGC: cannot delete pod'));
    };
    if (plan.delayMs <= 0) return remove();
    const t = setTimeout(() => {
      this.timers.delete(t);
      remove();
    }, plan.delayMs);
    this.timers.add(t);
  }

  /**
   * Once per controller start: releases and deletes (per podGC, the delay counted from when the step or workflow
   * ended) the finished pods a previous controller left, and deletes those whose workflow is gone.
   */
  async sweep(
    read: (namespace: string, name: string) => Promise<KeptWorkflow | undefined>,
    now: number,
    signal: AbortSignal,
  ): Promise<number> {
    const kept = await this.o.executor.kept?.(signal);
    const workflows = new Map<string, Promise<KeptWorkflow | undefined>>();
    let acted = 0;
    for (const step of kept ?? []) {
      if (signal.aborted) break;
      const key = `${step.workflow.namespace}/${step.workflow.name}`;
      if (!workflows.has(key)) workflows.set(key, read(step.workflow.namespace, step.workflow.name));
      const plan = keptStepPlan(step, await workflows.get(key), now);
      if (!plan) continue;
      acted++;
      this.apply(key, plan);
    }
    return acted;
  }

  /** Runs sweep() over the store's workflows in the background; logs what it did or why it could not. */
  startSweep(store: ResourceStore, now: number, signal: AbortSignal): void {
    void this.sweep((ns, name) => readKeptWorkflow(store, ns, name), now, signal).then(
      (n) => {
        if (n > 0) this.o.log.info({ pods: n }, 'podGC: finished pods left by an earlier controller handled');
      },
      (e: unknown) => {
        if (!signal.aborted)
          this.o.log.warn({ err: errorMessage(e) }, 'podGC: cannot list the finished pods left by an earlier controller');
      },
    );
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** A workflow as sweep() reads it, with a workflowTemplateRef's podGC when the workflow sets none (as operate merges). */
async function readKeptWorkflow(store: ResourceStore, namespace: string, name: string): Promise<KeptWorkflow | undefined> {
  const wf = await store.get('Workflow', namespace, name);
  if (!wf) return undefined;
  let podGC = wf.spec.podGC;
  const ref = wf.spec.workflowTemplateRef;
  if (podGC === undefined && ref?.name) {
    const t = ref.clusterScope
      ? await store.get('ClusterWorkflowTemplate', undefined, ref.name)
      : await store.get('WorkflowTemplate', namespace, ref.name);
    podGC = t?.spec.podGC;
  }
  return { uid: wf.metadata.uid, spec: podGC ? { podGC } : {}, ...(wf.status ? { status: wf.status } : {}) };
}
