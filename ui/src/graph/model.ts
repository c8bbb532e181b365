// The graph drawn for a workflow: Argo's node model (status.nodes with children edges: steps groups, DAG tasks,
// retries, loops, onExit and hook nodes) turned into boxes and edges. A node with more than FANOUT children becomes
// a collapsed group box (with its members' phase counts) that expands, on click, into a grid of tiles; its members
// take along the descendants that belong only to them (a retry's attempts, a loop item's chain) up to the node
// where the fan-out joins again.
import type { NodeStatus } from '../types';

export const FANOUT = 20;

export interface GNode {
  id: string;
  kind: 'node' | 'group' | 'grid';
  label: string;
  sub: string;
  phase: string;
  w: number;
  h: number;
  /** Layout position (centre), set by layout(). */
  x: number;
  y: number;
  /** group/grid: the member node ids in order. */
  members?: string[];
  /** grid: tiles per row. */
  cols?: number;
  /** group: phase → count. */
  counts?: Record<string, number>;
}

export interface GEdge {
  from: string;
  to: string;
  points?: { x: number; y: number }[];
}

export interface Graph {
  nodes: GNode[];
  edges: GEdge[];
  /** Node id → the graph node that shows it (itself, or its group/grid). */
  owner: Map<string, string>;
  width: number;
  height: number;
}

/** At most this many tiles per row; a smaller group gets about √n per row (30 items: 6 × 5, not 24 × 2). */
export const GRID_COLS = 24;
export const TILE_W = 150;
export const TILE_H = 30;
export const TILE_GAP = 6;

/** Phase shown for a node: Suspend nodes that wait show as Suspended. */
export function shownPhase(n: NodeStatus): string {
  if (n.type === 'Suspend' && n.phase === 'Running') return 'Suspended';
  return n.phase ?? 'Pending';
}

const SMALL = new Set(['StepGroup', 'TaskGroup']);

function box(n: NodeStatus): GNode {
  const small = SMALL.has(n.type);
  const label = n.displayName ?? n.name;
  return {
    id: n.id,
    kind: 'node',
    label: small ? '' : label,
    sub: small ? '' : n.type === 'Pod' ? (n.templateName ?? '') : n.type,
    phase: shownPhase(n),
    w: small ? 22 : 180,
    h: small ? 22 : 44,
    x: 0,
    y: 0,
  };
}

export function gridSize(count: number): { w: number; h: number; cols: number } {
  const cols = Math.max(1, Math.min(count, GRID_COLS, Math.ceil(Math.sqrt(count))));
  const rows = Math.ceil(count / cols);
  return { w: cols * (TILE_W + TILE_GAP) + TILE_GAP, h: rows * (TILE_H + TILE_GAP) + TILE_GAP + 24, cols };
}

/**
 * Structure of the graph (which boxes, which edges); phases are read separately so a phase change keeps the layout.
 * Linear in the nodes and edges, with as few allocations per node as possible (a 10,000-node fan-out is read on
 * every page load of it).
 */
export function buildGraph(nodes: Record<string, NodeStatus>, isExpanded: (groupId: string) => boolean): Graph {
  const all = Object.values(nodes);
  // How many (present) parents each node has: a fan-out member takes along the descendants only it leads to.
  const parentCount = new Map<string, number>();
  for (const n of all) {
    const cs = n.children;
    if (cs === undefined) continue;
    for (const c of cs) if (nodes[c]) parentCount.set(c, (parentCount.get(c) ?? 0) + 1);
  }
  const owner = new Map<string, string>();
  const out: GNode[] = [];
  // Fan-outs, outermost first (a node hidden in one group does not start another).
  for (const n of all) {
    if ((n.children?.length ?? 0) <= FANOUT || owner.has(n.id)) continue;
    const kids = (n.children ?? []).filter((c) => nodes[c]);
    if (kids.length <= FANOUT) continue;
    const gid = `group:${n.id}`;
    const members: string[] = [];
    const queue = [...kids];
    const hidden = new Set<string>();
    for (let qi = 0; qi < queue.length; qi++) {
      const id = queue[qi];
      if (hidden.has(id) || owner.has(id)) continue;
      hidden.add(id);
      members.push(id);
      for (const c of nodes[id]?.children ?? []) if (parentCount.get(c) === 1 && !hidden.has(c)) queue.push(c);
    }
    for (const id of members) owner.set(id, gid);
    const isOpen = isExpanded(gid);
    const size = isOpen ? gridSize(members.length) : { w: 240, h: 54, cols: undefined };
    out.push({
      id: gid,
      kind: isOpen ? 'grid' : 'group',
      label: `${kids.length} × ${nodes[kids[0]]?.displayName?.replace(/\(\d+.*$/, '') ?? 'items'}`,
      sub: '',
      phase: 'Pending',
      w: size.w,
      h: size.h,
      x: 0,
      y: 0,
      members,
      cols: size.cols,
    });
  }
  for (const n of all) {
    if (owner.has(n.id)) continue;
    owner.set(n.id, n.id);
    out.push(box(n));
  }
  // One edge per pair of boxes (10,000 members joining into one node are one edge).
  const seen = new Map<string, Set<string>>();
  const edges: GEdge[] = [];
  for (const n of all) {
    const cs = n.children;
    if (cs === undefined) continue;
    const from = owner.get(n.id) as string;
    let done = seen.get(from);
    for (const c of cs) {
      const to = owner.get(c);
      if (to === undefined || to === from) continue;
      if (done === undefined) seen.set(from, (done = new Set()));
      else if (done.has(to)) continue;
      done.add(to);
      edges.push({ from, to });
    }
  }
  return { nodes: out, edges, owner, width: 0, height: 0 };
}

/** Phases of the graph's boxes, and of the tiles of open groups, from current node statuses (cheap: no layout). */
export function phasesOf(g: Graph, nodes: Record<string, NodeStatus>): Map<string, string> {
  const m = new Map<string, string>();
  for (const b of g.nodes) {
    if (b.kind === 'node') {
      const n = nodes[b.id];
      m.set(b.id, n ? shownPhase(n) : b.phase);
      continue;
    }
    const counts: Record<string, number> = {};
    const tiles = b.kind === 'grid';
    for (const id of b.members ?? []) {
      const n = nodes[id];
      const p = n ? shownPhase(n) : 'Pending';
      counts[p] = (counts[p] ?? 0) + 1;
      if (tiles) m.set(id, p);
    }
    b.counts = counts;
    const p =
      counts.Failed || counts.Error
        ? 'Failed'
        : counts.Running || counts.Suspended
          ? 'Running'
          : counts.Pending
            ? 'Pending'
            : counts.Succeeded
              ? 'Succeeded'
              : 'Skipped';
    m.set(b.id, p);
  }
  return m;
}
