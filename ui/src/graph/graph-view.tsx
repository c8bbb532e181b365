// A virtualised graph renderer: SVG, but only the boxes, tiles and edges inside the viewport (plus a margin) are
// in the DOM, so 10,000 nodes pan and zoom smoothly. Drag or arrow keys pan, wheel or +/- zoom, 0 fits; boxes are
// buttons (Enter/click selects; a collapsed group expands, an expanded group's header collapses it). A group that
// opens or closes keeps its place on screen (zoomed out to fit its width when needed), so the user does not lose it.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { Box, FAR_ZOOM, Grid } from './graph-boxes';
import type { GNode, Graph } from './model';

interface View {
  tx: number;
  ty: number;
  k: number;
}

export interface GraphViewProps {
  graph: Graph;
  /** Box or member id → phase. */
  phases: ReadonlyMap<string, string>;
  /** Member id → label (tiles of expanded groups). */
  labelOf: (id: string) => string;
  selected?: string;
  onSelect: (id: string) => void;
  onToggle: (groupId: string) => void;
  label: string;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

function fit(g: Graph, W: number, H: number): View {
  if (g.width === 0 || W === 0) return { tx: 0, ty: 0, k: 1 };
  const k = clamp(Math.min(W / g.width, H / g.height), 0.3, 1);
  return { k, tx: Math.max(10, (W - g.width * k) / 2), ty: g.height * k < H ? (H - g.height * k) / 2 : 10 };
}

const countsText = (n: GNode): string =>
  n.counts
    ? Object.entries(n.counts)
        .map(([p, c]) => `${c} ${p}`)
        .join(', ')
    : '';

export function GraphView(p: GraphViewProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ W: 0, H: 0 });
  const [view, setView] = useState<View | undefined>(undefined);
  const drag = useRef<{ x: number; y: number; tx: number; ty: number } | undefined>(undefined);
  // A group opened or closed stays where the user clicked it: its screen position before the toggle (centre x, top).
  const anchor = useRef<{ id: string; sx: number; sy: number } | undefined>(undefined);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ W: el.clientWidth, H: el.clientHeight }));
    ro.observe(el);
    setSize({ W: el.clientWidth, H: el.clientHeight });
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    if (view === undefined && size.W > 0 && p.graph.width > 0) setView(fit(p.graph, size.W, size.H));
  }, [size, p.graph, view]);
  useEffect(() => {
    if (view !== undefined && ref.current && ref.current.dataset.ready !== 'true') {
      ref.current.dataset.ready = 'true';
      (window as unknown as { __weirGraphReady?: number }).__weirGraphReady = performance.now();
    }
  }, [view]);
  useLayoutEffect(() => {
    const a = anchor.current;
    const n = a && p.graph.nodes.find((x) => x.id === a.id);
    anchor.current = undefined;
    if (!a || !n || view === undefined) return;
    // Zoomed out just enough for its width (not below 0.3), top where it was, kept inside the pane when it fits.
    const k = Math.min(view.k, Math.max(0.3, (size.W - 20) / n.w));
    const w = n.w * k;
    const left = w <= size.W - 20 ? clamp(a.sx - w / 2, 10, size.W - 10 - w) : 10;
    const top = clamp(a.sy, 10, Math.max(10, size.H - 60));
    setView({ k, tx: left - (n.x - n.w / 2) * k, ty: top - (n.y - n.h / 2) * k });
  }, [p.graph]);
  const v = view ?? { tx: 0, ty: 0, k: 1 };
  const toggle = (id: string): void => {
    const n = p.graph.nodes.find((x) => x.id === id);
    if (n) anchor.current = { id, sx: n.x * v.k + v.tx, sy: (n.y - n.h / 2) * v.k + v.ty };
    p.onToggle(id);
  };
  const zoom = (f: number, cx = size.W / 2, cy = size.H / 2): void => {
    const k = clamp(v.k * f, 0.05, 3);
    setView({ k, tx: cx - ((cx - v.tx) * k) / v.k, ty: cy - ((cy - v.ty) * k) / v.k });
  };
  const pan = (dx: number, dy: number): void => setView({ ...v, tx: v.tx + dx, ty: v.ty + dy });
  const m = 200;
  const vis = { x0: -v.tx / v.k - m, y0: -v.ty / v.k - m, x1: (size.W - v.tx) / v.k + m, y1: (size.H - v.ty) / v.k + m };
  const inView = (n: GNode): boolean =>
    n.x + n.w / 2 >= vis.x0 && n.x - n.w / 2 <= vis.x1 && n.y + n.h / 2 >= vis.y0 && n.y - n.h / 2 <= vis.y1;
  const shown = view === undefined ? [] : p.graph.nodes.filter(inView);
  const edges =
    view === undefined
      ? []
      : p.graph.edges
          .filter((e) => (e.points ?? []).some((q) => q.x >= vis.x0 && q.x <= vis.x1 && q.y >= vis.y0 && q.y <= vis.y1))
          .slice(0, 4000);
  return (
    <div
      class="graph"
      ref={ref}
      tabIndex={0}
      role="group"
      aria-label={`${p.label}. Arrow keys pan, plus and minus zoom, 0 fits.`}
      data-testid="graph"
      onKeyDown={(e) => {
        const step = 80;
        const keys: Record<string, () => void> = {
          ArrowLeft: () => pan(step, 0),
          ArrowRight: () => pan(-step, 0),
          ArrowUp: () => pan(0, step),
          ArrowDown: () => pan(0, -step),
          '+': () => zoom(1.25),
          '=': () => zoom(1.25),
          '-': () => zoom(0.8),
          '0': () => setView(fit(p.graph, size.W, size.H)),
        };
        const fn = keys[e.key];
        if (fn && e.target === e.currentTarget) {
          e.preventDefault();
          fn();
        }
      }}
      onWheel={(e) => {
        e.preventDefault();
        const r = e.currentTarget.getBoundingClientRect();
        zoom(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
      }}
      onPointerDown={(e) => {
        drag.current = { x: e.clientX, y: e.clientY, tx: v.tx, ty: v.ty };
        e.currentTarget.setPointerCapture(e.pointerId);
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (d) setView({ ...v, tx: d.tx + e.clientX - d.x, ty: d.ty + e.clientY - d.y });
      }}
      onPointerUp={() => {
        drag.current = undefined;
      }}
    >
      <svg aria-hidden={view === undefined ? 'true' : undefined}>
        <g transform={`translate(${v.tx},${v.ty}) scale(${v.k})`}>
          {edges.map((e) => (
            <path key={`${e.from}>${e.to}`} class="edge" d={`M${(e.points ?? []).map((q) => `${q.x},${q.y}`).join('L')}`} />
          ))}
          {shown.map((n) =>
            n.kind === 'grid' ? (
              <Grid
                key={n.id}
                n={n}
                phases={p.phases}
                labelOf={p.labelOf}
                selected={p.selected}
                onSelect={p.onSelect}
                onToggle={toggle}
                vis={vis}
                far={v.k < FAR_ZOOM}
              />
            ) : (
              <Box
                key={n.id}
                n={n}
                phase={p.phases.get(n.id) ?? n.phase}
                counts={countsText(n)}
                sel={p.selected === n.id}
                onSelect={p.onSelect}
                onToggle={toggle}
              />
            ),
          )}
        </g>
      </svg>
      <div class="hud" onPointerDown={(e) => e.stopPropagation()}>
        <button onClick={() => zoom(1.25)} aria-label="Zoom in">
          +
        </button>
        <button onClick={() => zoom(0.8)} aria-label="Zoom out">
          −
        </button>
        <button onClick={() => setView(fit(p.graph, size.W, size.H))}>Fit</button>
      </div>
      <div class="legend">
        {p.graph.nodes.length} boxes · {shown.length} drawn
      </div>
    </div>
  );
}
