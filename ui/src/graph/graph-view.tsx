// A virtualised graph renderer: SVG, but only the boxes, tiles and edges inside the viewport (plus a margin) are
// in the DOM, so 10,000 nodes pan and zoom smoothly. Drag or arrow keys pan, wheel or +/- zoom, 0 fits; boxes are
// buttons (Enter/click selects; a collapsed group expands, an expanded group's header collapses it).
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { JSX } from 'preact';
import { phaseSymbol } from '../format';
import { GRID_COLS, TILE_GAP, TILE_H, TILE_W } from './model';
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
const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function fit(g: Graph, W: number, H: number): View {
  if (g.width === 0 || W === 0) return { tx: 0, ty: 0, k: 1 };
  const k = clamp(Math.min(W / g.width, H / g.height), 0.3, 1);
  return { k, tx: Math.max(10, (W - g.width * k) / 2), ty: g.height * k < H ? (H - g.height * k) / 2 : 10 };
}

function keyActivate(fn: () => void): (e: KeyboardEvent) => void {
  return (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      e.stopPropagation();
      fn();
    }
  };
}

function Box({
  n,
  phase,
  sel,
  onSelect,
  onToggle,
}: {
  n: GNode;
  phase: string;
  sel: boolean;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
}) {
  const act = (): void => (n.kind === 'group' ? onToggle(n.id) : onSelect(n.id));
  const small = n.label === '' && n.kind === 'node';
  const counts = n.counts
    ? Object.entries(n.counts)
        .map(([p, c]) => `${c} ${p}`)
        .join(', ')
    : '';
  return (
    <g
      class={`gn ph-${phase}${sel ? ' sel' : ''}`}
      transform={`translate(${n.x - n.w / 2},${n.y - n.h / 2})`}
      role="button"
      tabIndex={0}
      data-node-id={n.id}
      data-phase={phase}
      data-label={n.label}
      onClick={(e) => {
        e.stopPropagation();
        act();
      }}
      onKeyDown={keyActivate(act)}
      onPointerDown={(e) => e.stopPropagation()}
    >
      <title>{n.kind === 'group' ? `Group ${n.label}: ${counts}. Press Enter to expand` : `${n.label || n.id} ${n.sub}: ${phase}`}</title>
      <rect width={n.w} height={n.h} rx={small ? 11 : 6} />
      {small ? (
        <text class="sym" x={n.w / 2} y={n.h / 2 + 4} text-anchor="middle">
          {phaseSymbol(phase)}
        </text>
      ) : (
        <>
          <text class="sym" x={10} y={19}>
            {phaseSymbol(phase)}
          </text>
          <text x={26} y={19} font-weight="600">
            {cut(n.label, n.kind === 'group' ? 26 : 22)}
          </text>
          <text x={26} y={35} class="sub">
            {cut(n.kind === 'group' ? counts : n.sub, 28)}
          </text>
          {n.kind === 'group' && (
            <text x={n.w - 18} y={19}>
              +
            </text>
          )}
        </>
      )}
    </g>
  );
}

function Grid({
  n,
  phases,
  labelOf,
  selected,
  onSelect,
  onToggle,
  vis,
}: {
  n: GNode;
  phases: ReadonlyMap<string, string>;
  labelOf: (id: string) => string;
  selected?: string;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
  vis: { x0: number; y0: number; x1: number; y1: number };
}) {
  const left = n.x - n.w / 2;
  const top = n.y - n.h / 2;
  const members = n.members ?? [];
  const c0 = clamp(Math.floor((vis.x0 - left) / (TILE_W + TILE_GAP)), 0, GRID_COLS);
  const c1 = clamp(Math.ceil((vis.x1 - left) / (TILE_W + TILE_GAP)), 0, GRID_COLS);
  const r0 = Math.max(0, Math.floor((vis.y0 - top - 24) / (TILE_H + TILE_GAP)));
  const r1 = Math.max(0, Math.ceil((vis.y1 - top - 24) / (TILE_H + TILE_GAP)));
  const tiles: JSX.Element[] = [];
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) {
      const i = r * GRID_COLS + c;
      if (i >= members.length) break;
      const id = members[i];
      const p = phases.get(id) ?? 'Pending';
      const x = left + TILE_GAP + c * (TILE_W + TILE_GAP);
      const y = top + 24 + TILE_GAP + r * (TILE_H + TILE_GAP);
      const label = labelOf(id);
      tiles.push(
        <g
          key={id}
          class={`gn ph-${p}${selected === id ? ' sel' : ''}`}
          transform={`translate(${x},${y})`}
          role="button"
          tabIndex={0}
          data-node-id={id}
          data-phase={p}
          data-label={label}
          onClick={(e) => {
            e.stopPropagation();
            onSelect(id);
          }}
          onKeyDown={keyActivate(() => onSelect(id))}
          onPointerDown={(e) => e.stopPropagation()}
        >
          <title>{`${label}: ${p}`}</title>
          <rect width={TILE_W} height={TILE_H} rx={4} />
          <text class="sym" x={7} y={19}>
            {phaseSymbol(p)}
          </text>
          <text x={22} y={19}>
            {cut(label, 19)}
          </text>
        </g>,
      );
    }
  }
  return (
    <g>
      <rect class="grid-bg" x={left} y={top} width={n.w} height={n.h} rx={8} />
      <g
        class="gn"
        role="button"
        tabIndex={0}
        data-node-id={n.id}
        transform={`translate(${left + 8},${top + 4})`}
        onClick={(e) => {
          e.stopPropagation();
          onToggle(n.id);
        }}
        onKeyDown={keyActivate(() => onToggle(n.id))}
        onPointerDown={(e) => e.stopPropagation()}
      >
        <title>{`Collapse group ${n.label}`}</title>
        <text x={0} y={14} font-weight="600">
          − {n.label} ({members.length})
        </text>
      </g>
      {tiles}
    </g>
  );
}

export function GraphView(p: GraphViewProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ W: 0, H: 0 });
  const [view, setView] = useState<View | undefined>(undefined);
  const drag = useRef<{ x: number; y: number; tx: number; ty: number } | undefined>(undefined);
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
  const v = view ?? { tx: 0, ty: 0, k: 1 };
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
                onToggle={p.onToggle}
                vis={vis}
              />
            ) : (
              <Box
                key={n.id}
                n={n}
                phase={p.phases.get(n.id) ?? n.phase}
                sel={p.selected === n.id}
                onSelect={p.onSelect}
                onToggle={p.onToggle}
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
