// The results table printed by `npm run bench`: one line per benchmark with median/min/max in its unit, the
// baseline's median, the ratio (subject / baseline) and the target with MET / NOT MET.
import type { Row } from './stats.js';
import type { Target } from './types.js';

const num = (x: number | undefined): string => {
  if (x === undefined || !Number.isFinite(x)) return '-';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
};

export function targetText(t: Target): string {
  switch (t.kind) {
    case 'absolute-ms':
      return `< ${t.max} ms`;
    case 'ratio-max':
      return `ratio <= ${t.max}`;
    case 'ratio-min':
      return `ratio >= ${t.min}`;
    case 'excess-max':
      return `median - baseline <= ${t.max}`;
    case 'figure-max':
      return `${t.figure} <= ${t.max}`;
    case 'report':
      return 'report';
  }
}

export function formatTable(rows: readonly Row[]): string {
  const head = ['benchmark', 'unit', 'median', 'min', 'max', 'baseline', 'ratio', 'target', 'met', 'figures (median)'];
  const lines = rows.map((r) => [
    r.name,
    r.unit,
    num(r.median),
    num(r.min),
    num(r.max),
    num(r.baseline?.median),
    r.ratio === undefined ? '-' : r.ratio.toFixed(3),
    targetText(r.target),
    r.error !== undefined ? 'ERROR' : r.met === undefined ? '-' : r.met ? 'MET' : 'NOT MET',
    r.error ??
      Object.entries(r.figures ?? {})
        .map(([k, v]) => `${k}=${num(v)}`)
        .join(' '),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}
