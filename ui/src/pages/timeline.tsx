// The timeline (Gantt) view of a workflow: one bar per step (Pod nodes), ordered by start, scaled to the run's span.
// The first 2,000 steps are drawn; bars are buttons that select the node.
import type { NodeStatus } from '../types';
import { phaseClass, span } from '../format';
import { shownPhase } from '../graph/model';

const MAX = 2000;

export function Timeline({ nodes, onSelect }: { nodes: Record<string, NodeStatus>; onSelect: (id: string) => void }) {
  const steps = Object.values(nodes)
    .filter((n) => n.type === 'Pod' && n.startedAt)
    .sort((a, b) => Date.parse(a.startedAt ?? '') - Date.parse(b.startedAt ?? ''));
  if (steps.length === 0) return <div class="state">No steps have started yet.</div>;
  const now = Date.now();
  const t0 = Date.parse(steps[0].startedAt ?? '');
  const t1 = Math.max(...steps.map((n) => (n.finishedAt ? Date.parse(n.finishedAt) : now)), t0 + 1000);
  const pct = (t: number): number => ((t - t0) / (t1 - t0)) * 100;
  return (
    <div style={{ overflow: 'auto', padding: 12 }} data-testid="timeline">
      {steps.length > MAX && (
        <p class="help">
          Showing the first {MAX} of {steps.length} steps.
        </p>
      )}
      {steps.slice(0, MAX).map((n) => {
        const s = Date.parse(n.startedAt ?? '');
        const e = n.finishedAt ? Date.parse(n.finishedAt) : now;
        return (
          <div key={n.id} style={{ display: 'flex', alignItems: 'center', height: 26, gap: 8 }}>
            <span style={{ width: 200, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}>
              {n.displayName ?? n.name}
            </span>
            <span style={{ flex: 1, position: 'relative', height: 16 }}>
              <button
                class={phaseClass(shownPhase(n))}
                aria-label={`${n.displayName ?? n.name}: ${shownPhase(n)}, ${span(n.startedAt, n.finishedAt, now)}`}
                onClick={() => onSelect(n.id)}
                style={{
                  position: 'absolute',
                  left: `${pct(s)}%`,
                  width: `${Math.max(pct(e) - pct(s), 0.4)}%`,
                  height: 16,
                  padding: 0,
                  border: '1px solid var(--stroke)',
                }}
              />
            </span>
            <span class="muted" style={{ width: 70 }}>
              {span(n.startedAt, n.finishedAt, now)}
            </span>
          </div>
        );
      })}
    </div>
  );
}
