// A run-history sparkline: one bar per run (oldest left), height by duration, colour and symbol by phase, with the
// success rate of the finished runs next to it.
import { phaseClass } from '../format';
import type { WorkflowSummary } from '../types';

export function successRate(runs: readonly WorkflowSummary[]): number | undefined {
  const done = runs.filter((r) => r.phase === 'Succeeded' || r.phase === 'Failed' || r.phase === 'Error');
  return done.length === 0 ? undefined : done.filter((r) => r.phase === 'Succeeded').length / done.length;
}

export function Sparkline({ runs }: { runs: readonly WorkflowSummary[] }) {
  const shown = runs.slice(0, 30).reverse();
  const dur = (r: WorkflowSummary): number =>
    r.startedAt ? (r.finishedAt ? Date.parse(r.finishedAt) : Date.now()) - Date.parse(r.startedAt) : 0;
  const max = Math.max(1, ...shown.map(dur));
  const rate = successRate(runs);
  return (
    <span data-testid="sparkline">
      <svg
        class="spark"
        width={shown.length * 7 + 2}
        height={26}
        role="img"
        aria-label={`Last ${shown.length} runs: ${shown.map((r) => r.phase).join(', ')}`}
      >
        {shown.map((r, i) => {
          const h = 4 + (dur(r) / max) * 20;
          return (
            <rect key={r.uid} class={phaseClass(r.phase)} style={{ fill: 'var(--stroke)' }} x={1 + i * 7} y={25 - h} width={5} height={h} />
          );
        })}
      </svg>{' '}
      <strong>{rate === undefined ? 'no finished runs' : `${Math.round(rate * 100)}% succeeded`}</strong>
    </span>
  );
}
