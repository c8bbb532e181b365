// What one reconcile pass writes to the store (controller-pass.ts runs the pass): the handles of steps this process
// follows and the intents of steps about to start go into the status first, then one save with optimistic
// concurrency; saveStarted records freshly started steps Running without a full pass. Why intents are saved before
// anything starts (crash safety) is stated once, at the top of controller-pass.ts.
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ResourceStore } from '../store/types.js';
import type { StoredWorkflow } from '../api/objects.js';
import { isFinished } from './nodes.js';
import type { StepTracker } from './step-tracker.js';
import type { PassCache, OwnedCopy } from './pass-cache.js';
import { withWorkflowMetadata } from './controller-effects.js';
import { splitStepId, subStepRecord } from './sub-steps.js';
import { hasStep } from './types.js';
import type { Action, NodeStatus, OperateResult, WorkflowObject, WorkflowStatus } from './types.js';

/** What saving uses of the controller (PassDeps extends it). */
export interface SaveDeps {
  store: ResourceStore;
  log: Logger;
  now: () => number;
  cache: PassCache;
  steps: StepTracker;
  /** Cost (ms) of the last pass's read-operate-save part, per key (see EXPENSIVE_PASS_MS in controller-pass.ts). */
  costs: Map<string, number>;
  enqueue(key: string, delayMs?: number): void;
  /** The workflow is gone from the store (see WorkflowController.workflowGone). */
  gone(key: string, obj?: StoredWorkflow, keepUid?: string): void;
}

/** A pass as far as saving needs it: what it read and what operate() computed. */
export interface PassToSave {
  key: string;
  obj: StoredWorkflow;
  wf: WorkflowObject;
  uid: string;
  /** The controller's own copy of the last saved object, when it has one. */
  mine: OwnedCopy | undefined;
  result: OperateResult;
  opMs: number;
}

export type StartAction = Extract<Action, { type: 'start' }>;

/** The saved object, and what the pass cost this thread (ms). */
export interface SavedPass {
  current: StoredWorkflow;
  cost: number;
}

/** Record handles: those of steps this process follows go into the same save that records the node Running (or finished). */
export function recordHandles(d: SaveDeps, p: PassToSave): void {
  const nodes = p.result.status.nodes ?? {};
  for (const n of Object.values(nodes)) {
    const h = hasStep(n.type) ? d.steps.handle(p.uid, n.id) : undefined;
    if (h && n.weir?.handle === undefined) {
      n.weir = { ...n.weir, handle: h };
      delete n.weir.intent;
    }
  }
  for (const [stepId, h] of d.steps.subHandles(p.uid)) {
    const rec = subStepRecord(nodes, stepId, true);
    if (rec && rec.handle === undefined) {
      rec.handle = h;
      delete rec.intent;
    }
  }
}

/** Intents of the steps to start are saved before anything starts: a crash after the save repeats the (idempotent) start. */
export function recordIntents(d: SaveDeps, p: PassToSave): StartAction[] {
  const nodes = p.result.status.nodes ?? {};
  const starts = p.result.actions.filter((a): a is StartAction => a.type === 'start' && !d.steps.follows(p.uid, a.nodeId));
  const at = new Date(d.now()).toISOString();
  for (const a of starts) {
    const sub = subStepRecord(nodes, a.nodeId, true);
    if (sub) sub.intent ??= at;
    const n = nodes[a.nodeId];
    if (n) {
      n.weir = {
        ...n.weir,
        intent: n.weir?.intent ?? at,
        ...(a.outputFiles.length > 0 ? { outputFiles: a.outputFiles } : {}),
        ...(a.outputArtifacts ? { outputArtifacts: a.outputArtifacts } : {}),
      };
    }
  }
  return starts;
}

/**
 * Save: once, with optimistic concurrency, when the status or metadata changed. Undefined when the pass must end
 * here (a CONFLICT goes again at once, another failure after a second).
 */
export async function save(d: SaveDeps, p: PassToSave): Promise<SavedPass | undefined> {
  const { key, obj, result } = p;
  const status = result.status;
  let current: StoredWorkflow = obj;
  const metadata = withWorkflowMetadata(obj.metadata, result.metadata);
  const t2 = performance.now();
  const statusJson = JSON.stringify(status);
  // What the pass cost this thread: operate, and serialising the status (about what the store's save costs again).
  const cost = p.opMs + 2 * (performance.now() - t2);
  if (statusJson !== (p.mine?.statusJson ?? JSON.stringify(p.wf.status ?? {})) || metadata !== obj.metadata) {
    try {
      current = await d.store.update('Workflow', { ...obj, metadata, status }, { handOver: true });
      d.cache.saved(key, current, statusJson);
    } catch (e) {
      if (e instanceof WeirError && e.code === 'CONFLICT') {
        d.enqueue(key);
        return undefined;
      }
      if (e instanceof WeirError && e.code === 'NOT_FOUND') {
        d.gone(key, obj); // deleted while the pass ran: stop operating it
        return undefined;
      }
      d.log.error({ workflow: key, err: errorMessage(e) }, 'cannot save workflow status');
      d.enqueue(key, 1000);
      return undefined;
    }
  } else d.cache.unchanged(key, { obj, statusJson }); // still the stored version
  d.costs.set(key, cost);
  return { current, cost };
}

/**
 * Records freshly started steps as Running with their handles, without a full pass. Returns false when a full
 * pass is needed instead (a step already finished or failed to start, or the save conflicted).
 */
export async function saveStarted(d: SaveDeps, key: string, obj: StoredWorkflow, nodeIds: string[]): Promise<boolean> {
  const wf: WorkflowObject = obj;
  const uid = wf.metadata.uid;
  // `obj` is the store's (read-only): the nodes changed are copied, the rest of the status is shared.
  const nodes = { ...(wf.status?.nodes ?? {}) };
  const copied = new Set<string>();
  for (const id of nodeIds) {
    const nodeKey = splitStepId(id).nodeId;
    const n0 = nodes[nodeKey];
    const st = d.steps.podState(wf, id);
    const h = d.steps.handle(uid, id);
    if (!n0 || !h || st?.state !== 'running' || isFinished(n0.phase)) return false;
    if (!copied.has(nodeKey)) {
      nodes[nodeKey] = JSON.parse(JSON.stringify(n0)) as NodeStatus;
      copied.add(nodeKey);
    }
    const n = nodes[nodeKey];
    n.phase = 'Running';
    const sub = subStepRecord(nodes, id, true);
    if (sub) {
      sub.handle = h;
      delete sub.intent;
      continue;
    }
    n.weir = { ...n.weir, handle: h };
    delete n.weir.intent;
  }
  const next: WorkflowStatus = { ...wf.status, nodes };
  try {
    const saved = await d.store.update('Workflow', { ...obj, status: next }, { handOver: true });
    d.cache.saved(key, saved, undefined);
    return true;
  } catch (e) {
    if (!(e instanceof WeirError && (e.code === 'CONFLICT' || e.code === 'NOT_FOUND')))
      d.log.warn({ workflow: key, err: errorMessage(e) }, 'cannot save started steps');
    return false;
  }
}
