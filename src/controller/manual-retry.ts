// Retry and resubmit of finished workflows as PURE functions (Argo's FormulateRetryWorkflow and
// FormulateResubmitWorkflow semantics, from its workflow/util): retry resets the failed branch of the node tree in
// place; resubmit builds a new workflow object, optionally re-using succeeded steps (memoized). Split from
// manual-ops.ts, which holds the shared node-selector helpers and the suspend/resume/stop/set operations.
import type { NewObjectMeta, NewObjectOf } from '../api/objects.js';
import { nodeId } from './nodes.js';
import type { NodePhase, NodeStatus, WorkflowObject } from './types.js';
import {
  CREATOR_LABELS,
  LABEL_ARCHIVING,
  LABEL_COMPLETED,
  LABEL_PHASE,
  LABEL_RESUBMITTED_FROM,
  bad,
  nodeMatches,
  nowOf,
  overrideParameters,
  parseFieldSelector,
} from './manual-ops.js';
import type { OpClock, OpResult } from './manual-ops.js';

// ---- retry ----

export interface RetryOptions extends OpClock {
  /** Also re-run succeeded nodes matching `nodeFieldSelector` (required to retry a Succeeded workflow). */
  restartSuccessful?: boolean;
  nodeFieldSelector?: string;
  /** NAME=VALUE overrides of workflow arguments. */
  parameters?: readonly string[];
}

export interface RetryResult<W extends WorkflowObject = WorkflowObject> extends OpResult<W> {
  /** Pod nodes removed from the status: their steps must be cleaned up so they can run again (Argo deletes the pods). */
  deletedPodNodeIds: string[];
}

const GROUP_TYPES = new Set(['DAG', 'TaskGroup', 'StepGroup', 'Steps']);
const isFailedPhase = (p: NodePhase): boolean => p === 'Failed' || p === 'Error';

interface Tree {
  nodes: Record<string, NodeStatus>;
  parent: Map<string, string>;
}

function buildTree(nodes: Record<string, NodeStatus>): Tree {
  const parent = new Map<string, string>();
  for (const id of Object.keys(nodes).sort()) for (const c of nodes[id].children ?? []) parent.set(c, id);
  return { nodes, parent };
}

function descendants(t: Tree, id: string): Set<string> {
  const out = new Set<string>();
  const queue = [...(t.nodes[id]?.children ?? [])];
  while (queue.length > 0) {
    const c = queue.shift() as string;
    if (out.has(c)) continue;
    out.add(c);
    queue.push(...(t.nodes[c]?.children ?? []));
  }
  return out;
}

function descendantSucceeded(t: Tree, id: string, exclude: ReadonlySet<string>, seen = new Set<string>()): boolean {
  for (const c of t.nodes[id]?.children ?? []) {
    if (seen.has(c)) continue;
    seen.add(c);
    const child = t.nodes[c];
    if (!child) continue;
    if ((!exclude.has(c) && child.phase === 'Succeeded') || descendantSucceeded(t, c, exclude, seen)) return true;
  }
  return false;
}

/** Marks for reset the boundary nodes (and Retry/group parents) above `id`; returns where to continue. */
function resetBoundaries(t: Tree, id: string | undefined, reset: Set<string>): string | undefined {
  let cur = id;
  while (cur !== undefined) {
    let p = t.parent.get(cur);
    if (p !== undefined && t.nodes[p].type === 'Retry') {
      reset.add(p);
      cur = p;
      p = t.parent.get(cur);
    }
    if (p !== undefined && (t.nodes[p].type === 'StepGroup' || t.nodes[p].type === 'TaskGroup')) reset.add(p);
    const boundary = t.nodes[cur].boundaryID;
    if (!boundary) return t.parent.get(cur);
    let up: string | undefined = cur;
    while (up !== undefined && up !== boundary) up = t.parent.get(up);
    if (up === undefined) throw bad(`retry: node ${cur} has no ancestor with its boundary ${boundary}`);
    reset.add(up);
    cur = up;
  }
  return undefined;
}

/** Argo's resetPath: delete `start` and its subtree, reset the group/boundary/retry nodes on its way to the root. */
function resetPath(t: Tree, start: string, reset: Set<string>, del: Set<string>): void {
  del.add(start);
  for (const d of descendants(t, start)) del.add(d);
  let cur: string | undefined = start;
  if (t.parent.get(start) === undefined) return;
  while (cur !== undefined) {
    const n: NodeStatus = t.nodes[cur];
    if (GROUP_TYPES.has(n.type)) {
      reset.add(cur);
      cur = resetBoundaries(t, cur, reset);
      continue;
    }
    if (n.type === 'Retry' && isFailedPhase(n.phase)) reset.add(cur);
    cur = t.parent.get(cur);
  }
}

function resetNode(node: NodeStatus, now: string): NodeStatus {
  const n = structuredClone(node);
  if (n.type === 'Suspend') {
    for (const p of n.outputs?.parameters ?? []) {
      delete p.value;
      p.valueFrom = { supplied: {} };
    }
  }
  if (n.phase !== 'Skipped') n.phase = 'Running';
  delete n.message;
  n.startedAt = now;
  delete n.finishedAt;
  return n;
}

/** Argo's FormulateRetryWorkflow: re-runs failed steps of a Failed/Error workflow, keeping what succeeded. */
export function retryWorkflow<W extends WorkflowObject>(wf: W, opts: RetryOptions = {}): RetryResult<W> {
  const phase = wf.status?.phase;
  const selector = opts.nodeFieldSelector ?? '';
  if (phase === 'Succeeded') {
    if (!opts.restartSuccessful || selector === '')
      throw bad('To retry a succeeded workflow, set the options restartSuccessful and nodeFieldSelector');
  } else if (phase !== 'Failed' && phase !== 'Error') {
    throw bad(`Cannot retry a workflow in phase ${phase ?? 'Pending'}`);
  }
  const now = nowOf(opts);
  const name = wf.metadata.name;
  const exitName = `${name}.onExit`;
  const old = wf.status?.nodes ?? {};
  const out = structuredClone(wf);
  if (out.metadata.labels) {
    delete out.metadata.labels[LABEL_COMPLETED];
    delete out.metadata.labels[LABEL_ARCHIVING];
  }
  delete out.spec.shutdown;
  if (out.spec.activeDeadlineSeconds === 0) delete out.spec.activeDeadlineSeconds;
  overrideParameters(out.spec, opts.parameters);
  const status = (out.status ??= {});
  status.phase = 'Running';
  delete status.message;
  delete status.finishedAt;
  status.startedAt = now;

  const t = buildTree(old);
  const restart = new Set<string>();
  if (opts.restartSuccessful && selector !== '') {
    const reqs = parseFieldSelector(selector);
    for (const n of Object.values(old)) if (nodeMatches(reqs, n)) restart.add(n.id);
  }
  const toRestart = new Set(restart);
  for (const [id, n] of Object.entries(old)) {
    if (!isFailedPhase(n.phase) || n.type !== 'Pod') continue;
    const p = t.parent.get(id);
    const subject = p !== undefined && old[p].type === 'Retry' ? p : id;
    if (!descendantSucceeded(t, subject, restart)) toRestart.add(id);
  }
  // Breadth-first from the root so that a node deleted by an ancestor's reset is not processed again.
  const order: string[] = [];
  const rootId = Object.values(old).find((n) => n.name === name)?.id;
  if (rootId !== undefined) {
    const seen = new Set([rootId]);
    for (let i = 0, q = [rootId]; i < q.length; i++) {
      order.push(q[i]);
      for (const c of old[q[i]]?.children ?? [])
        if (!seen.has(c) && old[c]) {
          seen.add(c);
          q.push(c);
        }
    }
  }
  const reset = new Set<string>();
  const del = new Set<string>();
  for (const id of order) if (toRestart.has(id) && !del.has(id)) resetPath(t, id, reset, del);
  if ((opts.parameters ?? []).length > 0) {
    for (const id of reset) {
      if (!del.has(id) && (old[id].type === 'TaskGroup' || old[id].type === 'StepGroup')) for (const d of descendants(t, id)) del.add(d);
    }
  }
  const deletedPods = new Set([...del].filter((id) => old[id]?.type === 'Pod'));
  const nodes: Record<string, NodeStatus> = {};
  for (const [id, n] of Object.entries(old)) {
    if (n.name.startsWith(exitName)) {
      if (n.type === 'Pod') deletedPods.add(id);
      continue;
    }
    if (del.has(id)) continue;
    const copy = reset.has(id) ? resetNode(n, now) : structuredClone(n);
    if (copy.children) copy.children = copy.children.filter((c) => !del.has(c) && !old[c]?.name.startsWith(exitName));
    if (copy.outboundNodes) copy.outboundNodes = copy.outboundNodes.filter((c) => !del.has(c));
    nodes[id] = copy;
  }
  status.nodes = nodes;
  return { workflow: out, changed: true, deletedPodNodeIds: [...deletedPods].sort() };
}

// ---- resubmit ----

export interface ResubmitOptions extends OpClock {
  /** Re-use the succeeded steps of a Failed/Error workflow (they become Skipped nodes with their outputs). */
  memoized?: boolean;
  parameters?: readonly string[];
  /** The 5-character name suffix of a memoized resubmission. Default: random [a-z0-9]. */
  randomSuffix?: () => string;
}

function defaultSuffix(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 5; i++) s += letters[Math.floor(Math.random() * letters.length)];
  return s;
}

/** Argo's FormulateResubmitWorkflow: a NEW workflow object from the old one's spec (to be created by the caller). */
export function resubmitWorkflow(wf: WorkflowObject, opts: ResubmitOptions = {}): NewObjectOf<'Workflow'> {
  const memoized = opts.memoized === true;
  if (memoized && wf.status?.phase !== 'Failed' && wf.status?.phase !== 'Error') {
    throw bad('workflow must be Failed/Error to resubmit in memoized mode');
  }
  const oldName = wf.metadata.name;
  const generateName =
    typeof wf.metadata.generateName === 'string' && wf.metadata.generateName !== '' ? wf.metadata.generateName : `${oldName}-`;
  const labels: Record<string, string> = {};
  const skip = new Set([...CREATOR_LABELS, LABEL_PHASE, LABEL_COMPLETED, LABEL_ARCHIVING]);
  for (const [k, v] of Object.entries(wf.metadata.labels ?? {})) if (!skip.has(k)) labels[k] = v;
  labels[LABEL_RESUBMITTED_FROM] = oldName;
  const spec = structuredClone(wf.spec);
  delete spec.shutdown;
  if (spec.activeDeadlineSeconds === 0) delete spec.activeDeadlineSeconds;
  overrideParameters(spec, opts.parameters);
  const metadata: NewObjectMeta = { generateName, labels };
  if (wf.metadata.namespace !== undefined) metadata.namespace = wf.metadata.namespace;
  const annotations = wf.metadata.annotations as Record<string, string> | undefined;
  if (annotations && Object.keys(annotations).length > 0) metadata.annotations = { ...annotations };
  const out: NewObjectOf<'Workflow'> = { apiVersion: wf.apiVersion, kind: wf.kind, metadata, spec };
  if (!memoized) return out;

  const newName = generateName + (opts.randomSuffix ?? defaultSuffix)();
  metadata.name = newName;
  const now = nowOf(opts);
  const old = wf.status?.nodes ?? {};
  const t = buildTree(old);
  const rename = (nodeName: string): string => (nodeName.startsWith(oldName) ? newName + nodeName.slice(oldName.length) : nodeName);
  const convert = (id: string): string => nodeId(newName, rename(old[id]?.name ?? ''));
  const nodes: Record<string, NodeStatus> = {};
  for (const n of Object.values(old)) {
    if (n.name.startsWith(`${oldName}.onExit`)) continue;
    const c = structuredClone(n);
    c.name = rename(n.name);
    c.id = nodeId(newName, c.name);
    if (n.boundaryID) c.boundaryID = convert(n.boundaryID);
    const failedPod = isFailedPhase(n.phase) && n.type === 'Pod';
    if (failedPod) {
      delete c.startedAt;
      delete c.finishedAt;
    } else {
      c.startedAt = now;
      c.finishedAt = now;
    }
    if (n.children) c.children = n.children.map(convert);
    if (n.outboundNodes) c.outboundNodes = n.outboundNodes.map(convert);
    if (!failedPod && n.type === 'Pod') {
      c.phase = 'Skipped';
      c.type = 'Skipped';
      c.message = `original pod: ${n.id}`;
      delete c.podName;
    } else if (n.type === 'Skipped' && !descendantSucceeded(t, n.id, new Set())) {
      continue;
    } else {
      c.phase = 'Pending';
      delete c.message;
    }
    nodes[c.id] = c;
  }
  const status: Record<string, unknown> = { nodes, conditions: [{ type: 'Completed', status: 'False' }] };
  if (wf.status?.storedTemplates !== undefined) status.storedTemplates = structuredClone(wf.status.storedTemplates);
  out.status = status;
  return out;
}
