// Sub-steps of a Pod node: init containers and sidecars run by the executor as steps of their own, with step ids
// `<nodeId>::<kind>-<container>`. Argo makes no nodes for them, so their crash-safety records (intent, handle; see
// WeirNodeState) live in the owning node's `weir.steps[<kind>-<container>]` instead of a node of their own.
import type { StepHandle } from '../executor/types.js';
import type { NodeStatus } from './types.js';

export const SUB_STEP_SEP = '::';

export interface SubStepRecord {
  intent?: string;
  handle?: StepHandle;
}

/** The executor step id of a node's sub-step. */
export const subStepId = (nodeId: string, sub: string): string => `${nodeId}${SUB_STEP_SEP}${sub}`;

/** Splits a step id into its owning node id and (for sub-steps) the sub-step name. */
export function splitStepId(stepId: string): { nodeId: string; sub?: string } {
  const i = stepId.indexOf(SUB_STEP_SEP);
  return i < 0 ? { nodeId: stepId } : { nodeId: stepId.slice(0, i), sub: stepId.slice(i + SUB_STEP_SEP.length) };
}

/** The record of a sub-step in its owner's status (created when `create`); undefined for plain node ids. */
export function subStepRecord(nodes: Record<string, NodeStatus>, stepId: string, create = false): SubStepRecord | undefined {
  const { nodeId, sub } = splitStepId(stepId);
  if (sub === undefined) return undefined;
  const owner = nodes[nodeId];
  if (!owner) return undefined;
  if (!create) return owner.weir?.steps?.[sub];
  owner.weir ??= {};
  owner.weir.steps ??= {};
  return (owner.weir.steps[sub] ??= {});
}

/** Every sub-step of a node with its step id. */
export function subStepsOf(node: NodeStatus): { stepId: string; record: SubStepRecord }[] {
  return Object.entries(node.weir?.steps ?? {}).map(([sub, record]) => ({ stepId: subStepId(node.id, sub), record }));
}
