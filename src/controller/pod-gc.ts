// Finished steps' pods (Argo's podGC), for executors whose steps outlive their outcome as objects others see (the pod
// executor, StepExecutor.release). Once a saved status records a step node finished, its pod is released (the
// executor's finalizer dropped: Weir has read it) and, per spec.podGC.strategy, deleted after deleteDelayDuration:
// OnPodCompletion (every finished step), OnPodSuccess (the Succeeded ones), OnWorkflowCompletion (all, when the
// workflow ends), OnWorkflowSuccess (all, when it ends Succeeded). No strategy keeps every pod (Argo's default).
// The plan is pure (podGcPlan); PodCollector carries it out. Delayed deletions live in memory: a controller restart
// in between leaves those pods (released, labelled completed) in place. podGC.labelSelector limits deletion to the
// pods whose labels (podMetadata and template metadata, recorded at start, plus `completed: true`) match it.
import { parseGoDuration } from '../core/duration.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { StepExecutor, StepHandle } from '../executor/types.js';
import { labelSelectorRequirements, matchesRequirements } from '../store/label-selector.js';
import { LABEL_COMPLETED } from './manual-ops.js';
import { isFinished } from './nodes.js';
import { subStepsOf } from './sub-steps.js';
import { hasStep } from './types.js';
import type { NodeStatus, OperateResult, WorkflowStatus } from './types.js';

const FINAL = new Set(['Succeeded', 'Failed', 'Error']);

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

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
