// Layered layout of a graph's boxes, top to bottom. Up to DAGRE_MAX boxes: dagre (crossing minimisation, nicest
// drawings). Beyond that dagre's ordering step takes seconds, so a linear-time layered layout takes over: ranks by
// longest path from the roots, one barycentre pass to order each rank under its parents, ranks centred. Collapsed
// fan-outs keep most workflows far below the limit; an expanded group is one big box whose tiles form a grid.
import dagre from '@dagrejs/dagre';
import type { GNode, Graph } from './model';

export const DAGRE_MAX = 300;
const NODESEP = 24;
const RANKSEP = 46;
const MARGIN = 20;

function withDagre(g: Graph): void {
  const d = new dagre.graphlib.Graph({ multigraph: false });
  d.setGraph({ rankdir: 'TB', nodesep: NODESEP, ranksep: RANKSEP, marginx: MARGIN, marginy: MARGIN });
  d.setDefaultEdgeLabel(() => ({}));
  for (const n of g.nodes) d.setNode(n.id, { width: n.w, height: n.h });
  for (const e of g.edges) d.setEdge(e.from, e.to);
  dagre.layout(d);
  for (const n of g.nodes) {
    const p = d.node(n.id) as { x: number; y: number };
    n.x = p.x;
    n.y = p.y;
  }
  for (const e of g.edges) e.points = (d.edge(e.from, e.to) as { points?: { x: number; y: number }[] } | undefined)?.points ?? [];
  const info = d.graph() as { width?: number; height?: number };
  g.width = info.width ?? 0;
  g.height = info.height ?? 0;
}

function layered(g: Graph): void {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const out = new Map<string, string[]>();
  const parents = new Map<string, string[]>();
  const indeg = new Map<string, number>(g.nodes.map((n) => [n.id, 0]));
  for (const e of g.edges) {
    if (!byId.has(e.from) || !byId.has(e.to)) continue;
    (out.get(e.from) ?? out.set(e.from, []).get(e.from) ?? []).push(e.to);
    (parents.get(e.to) ?? parents.set(e.to, []).get(e.to) ?? []).push(e.from);
    indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
  }
  const rank = new Map<string, number>();
  const queue = g.nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  for (const id of queue) rank.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const c of out.get(id) ?? []) {
      rank.set(c, Math.max(rank.get(c) ?? 0, (rank.get(id) ?? 0) + 1));
      const left = (indeg.get(c) ?? 1) - 1;
      indeg.set(c, left);
      if (left === 0) queue.push(c);
    }
  }
  const ranks: GNode[][] = [];
  for (const n of g.nodes) (ranks[rank.get(n.id) ?? 0] ??= []).push(n);
  const pos = new Map<string, number>();
  let y = MARGIN;
  let width = 0;
  const rows: { nodes: GNode[]; w: number }[] = [];
  for (const row of ranks) {
    if (!row) continue;
    const key = (n: GNode): number => {
      const ps = (parents.get(n.id) ?? []).map((p) => pos.get(p)).filter((v): v is number => v !== undefined);
      return ps.length === 0 ? 0 : ps.reduce((a, b) => a + b, 0) / ps.length;
    };
    row.sort((a, b) => key(a) - key(b));
    row.forEach((n, i) => pos.set(n.id, i));
    const h = Math.max(...row.map((n) => n.h));
    const w = row.reduce((a, n) => a + n.w, 0) + NODESEP * (row.length - 1);
    for (const n of row) n.y = y + h / 2;
    y += h + RANKSEP;
    width = Math.max(width, w);
    rows.push({ nodes: row, w });
  }
  for (const { nodes, w } of rows) {
    let x = MARGIN + (width - w) / 2;
    for (const n of nodes) {
      n.x = x + n.w / 2;
      x += n.w + NODESEP;
    }
  }
  for (const e of g.edges) {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    e.points =
      a && b
        ? [
            { x: a.x, y: a.y + a.h / 2 },
            { x: b.x, y: b.y - b.h / 2 },
          ]
        : [];
  }
  g.width = width + 2 * MARGIN;
  g.height = y - RANKSEP + MARGIN;
}

export function layout(g: Graph): Graph {
  if (g.nodes.length <= DAGRE_MAX) withDagre(g);
  else layered(g);
  return g;
}
