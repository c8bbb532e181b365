// Progress display for `weir run`: renders status.nodes as a tree like `argo get` (TTY: redrawn in place,
// colour unless NO_COLOR; otherwise one plain line per node phase change).
import type { NodeStatus, WorkflowStatus } from '../controller/types.js';

const ICON: Record<string, string> = {
  Succeeded: '✔',
  Failed: '✖',
  Error: '⚠',
  Running: '●',
  Pending: '◷',
  Skipped: '○',
  Omitted: '○',
};
const COLOUR: Record<string, string> = {
  Succeeded: '32',
  Failed: '31',
  Error: '31',
  Running: '36',
  Pending: '33',
  Skipped: '90',
  Omitted: '90',
};

function durationText(n: NodeStatus, now: number): string {
  if (!n.startedAt) return '';
  const end = n.finishedAt ? Date.parse(n.finishedAt) : now;
  const s = Math.max(0, Math.round((end - Date.parse(n.startedAt)) / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${s % 60}s`;
}

/** Display children: Retry/TaskGroup attempts under their node, step groups' steps under the group, else by boundary. */
function displayTree(nodes: Record<string, NodeStatus>): Map<string | undefined, NodeStatus[]> {
  const parent = new Map<string, string | undefined>();
  for (const n of Object.values(nodes)) parent.set(n.id, n.boundaryID);
  for (const n of Object.values(nodes)) {
    if (n.type === 'Retry' || n.type === 'TaskGroup' || n.type === 'StepGroup')
      for (const c of n.children ?? []) if (nodes[c]?.boundaryID === n.boundaryID || n.type === 'StepGroup') parent.set(c, n.id);
  }
  for (const n of Object.values(nodes)) if (n.type === 'StepGroup') parent.set(n.id, n.boundaryID);
  for (const n of Object.values(nodes)) {
    if (n.name.endsWith('.onExit') && !n.boundaryID) parent.set(n.id, undefined);
  }
  const kids = new Map<string | undefined, NodeStatus[]>();
  for (const n of Object.values(nodes)) {
    const p = parent.get(n.id);
    const list = kids.get(p) ?? [];
    list.push(n);
    kids.set(p, list);
  }
  for (const list of kids.values())
    list.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.name.localeCompare(b.name));
  return kids;
}

/** An extra column between TEMPLATE and DURATION (e.g. PODNAME for `weir get`). */
export interface TreeColumn {
  header: string;
  value(n: NodeStatus): string;
}

export interface RenderOptions {
  colour: boolean;
  now: number;
  columns?: readonly TreeColumn[];
}

/** The tree as text lines (no trailing newline). */
export function renderTree(status: WorkflowStatus, opts: RenderOptions): string[] {
  const nodes = status.nodes ?? {};
  const kids = displayTree(nodes);
  const extra = opts.columns ?? [];
  const rows: string[][] = [];
  const paint = (phase: string, s: string): string => (opts.colour ? `\x1b[${COLOUR[phase] ?? '0'}m${s}\x1b[0m` : s);
  const walk = (n: NodeStatus, prefix: string, last: boolean, top: boolean): void => {
    const branch = top ? ' ' : `${prefix}${last ? '└─' : '├─'}`;
    const label = `${branch}${paint(n.phase, ICON[n.phase] ?? '?')} ${n.displayName}`;
    const tmpl = n.templateName ?? (n.templateRef ? `${n.templateRef.name}/${n.templateRef.template}` : '');
    rows.push([label, tmpl, ...extra.map((c) => c.value(n)), durationText(n, opts.now), n.message ?? '']);
    const children = kids.get(n.id) ?? [];
    const next = top ? ' ' : `${prefix}${last ? '  ' : '│ '}`;
    children.forEach((c, i) => walk(c, next, i === children.length - 1, false));
  };
  for (const r of kids.get(undefined) ?? []) walk(r, '', true, true);
  // eslint-disable-next-line no-control-regex -- strips our own colour codes
  const visible = (s: string): number => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const w0 = Math.max(4, ...rows.map((r) => visible(r[0])));
  const w1 = Math.max(8, ...rows.map((r) => r[1].length));
  const header = ['STEP', 'TEMPLATE', ...extra.map((c) => c.header), 'DURATION', 'MESSAGE'];
  const wx = extra.map((_, i) => Math.max(header[2 + i].length, ...rows.map((r) => r[2 + i].length)));
  const line = (r: string[]): string =>
    [
      `${r[0]}${' '.repeat(w0 - visible(r[0]))}`,
      r[1].padEnd(w1),
      ...wx.map((w, i) => r[2 + i].padEnd(w)),
      r[2 + wx.length].padEnd(8),
      r[3 + wx.length],
    ]
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Live progress on a stream: redraws in place on a TTY, otherwise prints phase changes as plain lines. */
export class ProgressRenderer {
  private drawn = 0;
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly write: (s: string) => void,
    private readonly tty: boolean,
    private readonly colour: boolean,
    private readonly columns?: readonly TreeColumn[],
  ) {}

  update(status: WorkflowStatus | undefined, now: number): void {
    if (!status) return;
    if (this.tty) {
      const lines = renderTree(status, { colour: this.colour, now, columns: this.columns });
      const up = this.drawn > 0 ? `\x1b[${this.drawn}A\x1b[J` : '';
      this.write(up + lines.join('\n') + '\n');
      this.drawn = lines.length;
      return;
    }
    for (const n of Object.values(status.nodes ?? {})) {
      if (n.type === 'StepGroup') continue;
      if (this.seen.get(n.id) === n.phase) continue;
      this.seen.set(n.id, n.phase);
      this.write(`${n.name}: ${n.phase}${n.message ? ` (${n.message})` : ''}\n`);
    }
  }

  /** Final tree (plain mode prints it once at the end). */
  finish(status: WorkflowStatus | undefined, now: number): void {
    if (!status) return;
    if (this.tty) {
      this.update(status, now);
      return;
    }
    this.write(renderTree(status, { colour: false, now, columns: this.columns }).join('\n') + '\n');
  }

  /** Forget the drawn area (after other output was written below it). */
  detach(): void {
    this.drawn = 0;
  }
}
