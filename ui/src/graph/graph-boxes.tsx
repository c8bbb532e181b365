// What the graph renderer draws: a box per graph node and, for an expanded fan-out group, its visible tiles. Boxes
// and tiles re-render only when what they show changed (a phase change of one node redraws one tile, not the
// thousands in view). Zoomed far out a tile is one coloured rect, still a button: the text would be unreadable and
// costs four more elements per tile.
import { Component } from 'preact';
import type { JSX } from 'preact';
import { phaseSymbol } from '../format';
import { TILE_GAP, TILE_H, TILE_W } from './model';
import type { GNode } from './model';

/** Below this zoom, tiles are drawn as plain coloured rects. */
export const FAR_ZOOM = 0.55;

export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function keyActivate(fn: () => void): (e: KeyboardEvent) => void {
  return (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      e.stopPropagation();
      fn();
    }
  };
}

const stop = (e: Event): void => e.stopPropagation();

/** Shallow comparison of the data props; callbacks may be new functions each render (the latest is used). */
function changed<P extends object>(a: P, b: P, keys: readonly (keyof P)[]): boolean {
  return keys.some((k) => a[k] !== b[k]);
}

interface BoxProps {
  n: GNode;
  phase: string;
  /** A group's phase counts as text ("9 Succeeded, 1 Running"). */
  counts: string;
  sel: boolean;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
}

const BOX_KEYS = ['n', 'phase', 'counts', 'sel'] as const;

export class Box extends Component<BoxProps> {
  shouldComponentUpdate(next: BoxProps): boolean {
    return changed(this.props, next, BOX_KEYS);
  }

  render() {
    const { n, phase, counts, sel } = this.props;
    const act = (): void => (n.kind === 'group' ? this.props.onToggle(n.id) : this.props.onSelect(n.id));
    const small = n.label === '' && n.kind === 'node';
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
        onPointerDown={stop}
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
}

interface TileProps {
  id: string;
  x: number;
  y: number;
  label: string;
  phase: string;
  sel: boolean;
  far: boolean;
  onSelect: (id: string) => void;
}

const TILE_KEYS = ['id', 'x', 'y', 'label', 'phase', 'sel', 'far'] as const;

class Tile extends Component<TileProps> {
  shouldComponentUpdate(next: TileProps): boolean {
    return changed(this.props, next, TILE_KEYS);
  }

  render() {
    const { id, x, y, label, phase, sel, far } = this.props;
    const select = (): void => this.props.onSelect(id);
    const common = {
      class: `gn${far ? ' far' : ''} ph-${phase}${sel ? ' sel' : ''}`,
      role: 'button' as const,
      tabIndex: 0,
      'data-node-id': id,
      'data-phase': phase,
      'data-label': label,
      onClick: (e: MouseEvent) => {
        e.stopPropagation();
        select();
      },
      onKeyDown: keyActivate(select),
      onPointerDown: stop,
    };
    if (far) return <rect {...common} aria-label={`${label}: ${phase}`} x={x} y={y} width={TILE_W} height={TILE_H} rx={4} />;
    return (
      <g {...common} transform={`translate(${x},${y})`}>
        <title>{`${label}: ${phase}`}</title>
        <rect width={TILE_W} height={TILE_H} rx={4} />
        <text class="sym" x={7} y={19}>
          {phaseSymbol(phase)}
        </text>
        <text x={22} y={19}>
          {cut(label, 19)}
        </text>
      </g>
    );
  }
}

/** An expanded group: its header (collapses it) and the tiles inside `vis` (graph coordinates). */
export function Grid({
  n,
  phases,
  labelOf,
  selected,
  onSelect,
  onToggle,
  vis,
  far,
}: {
  n: GNode;
  phases: ReadonlyMap<string, string>;
  labelOf: (id: string) => string;
  selected?: string;
  onSelect: (id: string) => void;
  onToggle: (id: string) => void;
  vis: Rect;
  far: boolean;
}) {
  const left = n.x - n.w / 2;
  const top = n.y - n.h / 2;
  const members = n.members ?? [];
  const cols = n.cols ?? 1;
  const c0 = clamp(Math.floor((vis.x0 - left) / (TILE_W + TILE_GAP)), 0, cols);
  const c1 = clamp(Math.ceil((vis.x1 - left) / (TILE_W + TILE_GAP)), 0, cols);
  const r0 = Math.max(0, Math.floor((vis.y0 - top - 24) / (TILE_H + TILE_GAP)));
  const r1 = Math.max(0, Math.ceil((vis.y1 - top - 24) / (TILE_H + TILE_GAP)));
  const tiles: JSX.Element[] = [];
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) {
      const i = r * cols + c;
      if (i >= members.length) break;
      const id = members[i];
      tiles.push(
        <Tile
          key={id}
          id={id}
          x={left + TILE_GAP + c * (TILE_W + TILE_GAP)}
          y={top + 24 + TILE_GAP + r * (TILE_H + TILE_GAP)}
          label={labelOf(id)}
          phase={phases.get(id) ?? 'Pending'}
          sel={selected === id}
          far={far}
          onSelect={onSelect}
        />,
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
        onPointerDown={stop}
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
