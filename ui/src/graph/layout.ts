// Layered layout of a graph's boxes with dagre (top to bottom). Collapsed fan-outs keep the graph small, so even a
// 10,000-node workflow lays out in milliseconds; an expanded group is one big box whose tiles are placed in a grid.
import dagre from '@dagrejs/dagre';
import type { Graph } from './model';

export function layout(g: Graph): Graph {
  const d = new dagre.graphlib.Graph({ multigraph: false });
  d.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 46, marginx: 20, marginy: 20 });
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
  return g;
}
