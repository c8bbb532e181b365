// Node naming, ids and bookkeeping exactly as Argo does it: the root node is named after the workflow, node ids are
// `<workflow>-<fnv32a(node name)>`, steps `wf[0].step`, DAG tasks `wf.task`, retries `name(0)`, loop items `name(0:v)`.
import type { NodePhase, NodeStatus, NodeType } from './types.js';

/** 32-bit FNV-1a over the UTF-8 bytes of `s`. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const idCache = new Map<string, number>();

/** Argo's Workflow.NodeID: the workflow name for the root node, else `<wf>-<fnv32a(nodeName)>`. */
export function nodeId(workflowName: string, nodeName: string): string {
  if (nodeName === workflowName) return workflowName;
  // Every pass looks up every node by name: remember the hashes (bounded; names repeat across passes).
  let h = idCache.get(nodeName);
  if (h === undefined) {
    if (idCache.size >= 200_000) idCache.clear();
    h = fnv32a(nodeName);
    idCache.set(nodeName, h);
  }
  return `${workflowName}-${h}`;
}

export const stepGroupName = (parent: string, i: number): string => `${parent}[${i}]`;
export const stepNodeName = (group: string, step: string): string => `${group}.${step}`;
export const taskNodeName = (dag: string, task: string): string => `${dag}.${task}`;
export const retryAttemptName = (retryNode: string, attempt: number): string => `${retryNode}(${attempt})`;

/** How Argo renders a loop item inside a node name: scalars as Go's %v, maps as sorted `k:v` pairs, lists as JSON. */
export function itemLabel(item: unknown): string {
  if (item === null || item === undefined) return '<nil>';
  if (typeof item === 'string') return item;
  if (typeof item === 'number' || typeof item === 'boolean') return String(item);
  if (Array.isArray(item)) return JSON.stringify(item);
  const vals = Object.entries(item as Record<string, unknown>).map(
    ([k, v]) => `${k}:${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v as string)}`,
  );
  return vals.sort().join(',');
}

export const loopItemName = (base: string, i: number, item: unknown): string => `${base}(${i}:${itemLabel(item)})`;

const DONE: ReadonlySet<NodePhase> = new Set(['Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted']);
export const isFinished = (p: NodePhase | undefined): boolean => p !== undefined && DONE.has(p);
/** Finished, or a daemon that is up: what steps groups and DAG dependants wait for. */
export const isSettled = (n: { phase: NodePhase; daemoned?: boolean }): boolean =>
  isFinished(n.phase) || (n.daemoned === true && n.phase === 'Running');
export const isFailed = (p: NodePhase | undefined): boolean => p === 'Failed' || p === 'Error';

/** The mutable node map of one reconcile pass. */
export class NodeMap {
  /** Children sets of the parents touched this pass (a includes() per addChild is quadratic for wide groups). */
  private readonly childSets = new Map<string, Set<string>>();

  constructor(
    readonly workflowName: string,
    readonly nodes: Record<string, NodeStatus>,
    private readonly now: () => string,
  ) {}

  id(name: string): string {
    return nodeId(this.workflowName, name);
  }

  byName(name: string): NodeStatus | undefined {
    return this.nodes[this.id(name)];
  }

  get(id: string): NodeStatus | undefined {
    return this.nodes[id];
  }

  create(
    init: { name: string; displayName: string; type: NodeType; boundaryID?: string; phase?: NodePhase } & Partial<NodeStatus>,
  ): NodeStatus {
    const id = this.id(init.name);
    const node: NodeStatus = { ...init, id, phase: init.phase ?? 'Pending', startedAt: init.startedAt ?? this.now() };
    if (node.boundaryID === undefined || node.boundaryID === '') delete node.boundaryID;
    this.nodes[id] = node;
    return node;
  }

  addChild(parentId: string, childId: string): void {
    const p = this.nodes[parentId];
    if (!p) return;
    p.children ??= [];
    let set = this.childSets.get(parentId);
    if (set === undefined || set.size !== p.children.length) {
      set = new Set(p.children);
      this.childSets.set(parentId, set);
    }
    if (set.has(childId)) return;
    set.add(childId);
    p.children.push(childId);
  }

  /** Sets the phase (and finishedAt when finished); keeps the first message unless a new one is given. */
  mark(node: NodeStatus, phase: NodePhase, message?: string): NodeStatus {
    if (node.phase !== phase) node.phase = phase;
    if (message !== undefined && message !== '') node.message = message;
    if (isFinished(phase) && node.finishedAt === undefined) node.finishedAt = this.now();
    return node;
  }

  /** Node ids a following step group or dependent task hangs off (Argo's getOutboundNodes). */
  outbound(id: string): string[] {
    const n = this.nodes[id];
    if (!n) return [];
    switch (n.type) {
      case 'Pod':
      case 'Skipped':
      case 'Suspend':
        return [id];
      case 'Retry': {
        const c = n.children ?? [];
        return c.length > 0 ? [c[c.length - 1]] : [id];
      }
      case 'TaskGroup': {
        const c = n.children ?? [];
        if (c.length === 0) return [id];
        return c.flatMap((x) => this.outbound(x));
      }
      default:
        return n.outboundNodes && n.outboundNodes.length > 0 ? n.outboundNodes : [id];
    }
  }
}
