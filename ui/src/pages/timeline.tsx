// The timeline (Gantt) view of a workflow: one bar per step (Pod nodes), ordered by start, scaled to the run's span.
// Every step is there, however many: the rows are windowed (only those in view, plus a margin, are in the DOM), so
// a 10,000-step workflow scrolls like a short one. Bars are buttons that select the node.
import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { NodeStatus } from '../types';
import { phaseClass, span } from '../format';
import { shownPhase } from '../graph/model';

const ROW = 26;
/** Rows drawn above and below the visible ones. */
const MARGIN_ROWS = 20;

export function Timeline({ nodes, onSelect }: { nodes: Record<string, NodeStatus>; onSelect: (id: string) => void }) {
  const steps = useMemo(
    () =>
      Object.values(nodes)
        .filter((n) => n.type === 'Pod' && n.startedAt)
        .sort((a, b) => Date.parse(a.startedAt ?? '') - Date.parse(b.startedAt ?? '')),
    [nodes],
  );
  const ref = useRef<HTMLDivElement>(null);
  const [win, setWin] = useState({ top: 0, height: 1000 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = (): void => setWin({ top: el.scrollTop, height: el.clientHeight });
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    measure();
    return () => ro.disconnect();
  }, [steps.length === 0]);
  if (steps.length === 0) return <div class="state">No steps have started yet.</div>;
  const now = Date.now();
  const t0 = Date.parse(steps[0].startedAt ?? '');
  let t1 = t0 + 1000;
  for (const n of steps) t1 = Math.max(t1, n.finishedAt ? Date.parse(n.finishedAt) : now);
  const pct = (t: number): number => ((t - t0) / (t1 - t0)) * 100;
  const first = Math.max(0, Math.floor(win.top / ROW) - MARGIN_ROWS);
  const last = Math.min(steps.length, Math.ceil((win.top + win.height) / ROW) + MARGIN_ROWS);
  return (
    <div
      ref={ref}
      style={{ overflow: 'auto', padding: '12px', flex: '1', minHeight: '0' }}
      data-testid="timeline"
      onScroll={(e) => {
        const el = e.currentTarget;
        setWin({ top: el.scrollTop, height: el.clientHeight });
      }}
    >
      <div style={{ height: `${steps.length * ROW}px`, position: 'relative' }}>
        <div style={{ position: 'absolute', top: `${first * ROW}px`, left: '0', right: '0' }}>
          {steps.slice(first, last).map((n) => {
            const s = Date.parse(n.startedAt ?? '');
            const e = n.finishedAt ? Date.parse(n.finishedAt) : now;
            return (
              <div key={n.id} style={{ display: 'flex', alignItems: 'center', height: `${ROW}px`, gap: '8px' }}>
                <span style={{ width: '200px', overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
                  {n.displayName ?? n.name}
                </span>
                <span style={{ flex: '1', position: 'relative', height: '16px' }}>
                  <button
                    class={phaseClass(shownPhase(n))}
                    aria-label={`${n.displayName ?? n.name}: ${shownPhase(n)}, ${span(n.startedAt, n.finishedAt, now)}`}
                    onClick={() => onSelect(n.id)}
                    style={{
                      position: 'absolute',
                      left: `${pct(s)}%`,
                      width: `${Math.max(pct(e) - pct(s), 0.4)}%`,
                      height: '16px',
                      padding: '0',
                      border: '1px solid var(--stroke)',
                    }}
                  />
                </span>
                <span class="muted" style={{ width: '70px' }}>
                  {span(n.startedAt, n.finishedAt, now)}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
