// Output formatting shared by the server verbs: aligned tables (as `argo list` prints them), short ages and durations,
// objects as JSON/YAML/name, and the `argo get`-style workflow summary with its node tree (rendered by run-progress).
import { stringify as stringifyYaml } from 'yaml';
import type { NodeStatus, WorkflowObject, WorkflowStatus } from '../controller/types.js';
import { renderTree } from './run-progress.js';
import type { TreeColumn } from './run-progress.js';

/** Columns padded to the widest cell, three spaces apart (trailing blanks trimmed). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], noHeaders = false): string {
  const all = noHeaders ? rows : [headers, ...rows];
  if (all.length === 0) return '';
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return (
    all
      .map((r) =>
        headers
          .map((_, i) => (r[i] ?? '').padEnd(i === headers.length - 1 ? 0 : widths[i]))
          .join('   ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** A short span like kubectl prints: 42s, 5m, 3h12m, 2d, 1y. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  return d < 730 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

/** Time since an ISO timestamp ('' when absent). */
export function age(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? '' : shortDuration(now - t);
}

/** Duration from start to finish (or now while running). */
export function span(startedAt: string | undefined, finishedAt: string | undefined, now: number): string {
  if (!startedAt) return '';
  const end = finishedAt ? Date.parse(finishedAt) : now;
  return shortDuration(end - Date.parse(startedAt));
}

export type ObjectFormat = 'json' | 'yaml' | 'name';

/** An object (or a list of them) as JSON, YAML or names only. */
export function formatObjects(objs: unknown, format: ObjectFormat): string {
  if (format === 'name') {
    const list = Array.isArray(objs) ? objs : [objs];
    return list.map((o) => `${(o as { metadata?: { name?: string } }).metadata?.name ?? ''}\n`).join('');
  }
  return format === 'json' ? `${JSON.stringify(objs, null, 2)}\n` : stringifyYaml(objs);
}

export const isFinalPhase = (p: unknown): boolean => p === 'Succeeded' || p === 'Failed' || p === 'Error';

/** True when the workflow is held: spec.suspend, or a running Suspend node. */
export function isSuspended(wf: WorkflowObject): boolean {
  if (isFinalPhase(wf.status?.phase)) return false;
  if ((wf.spec as { suspend?: unknown } | undefined)?.suspend === true) return true;
  return Object.values(wf.status?.nodes ?? {}).some((n) => n.type === 'Suspend' && n.phase === 'Running');
}

/** The STATUS column: phase (Pending before the controller saw it), "Running (Suspended)" when held. */
export function statusText(wf: WorkflowObject): string {
  const phase = wf.status?.phase ?? 'Pending';
  return isSuspended(wf) ? `${phase} (Suspended)` : phase;
}

const podName = (n: NodeStatus): string => (n.type === 'Pod' ? (n.podName ?? n.id) : '');

/** PODNAME always (as `argo get`); wide adds the node type and its result or exit code. */
export function treeColumns(wide: boolean): TreeColumn[] {
  const cols: TreeColumn[] = [{ header: 'PODNAME', value: podName }];
  if (wide) {
    cols.push({ header: 'TYPE', value: (n) => n.type });
    cols.push({
      header: 'RESULT',
      value: (n) => oneLine(n.outputs?.result ?? (n.outputs?.exitCode !== undefined ? `exit ${n.outputs.exitCode}` : '')),
    });
  }
  return cols;
}

function oneLine(s: string, max = 40): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function when(iso: string | undefined, now: number): string {
  if (!iso) return '';
  return `${new Date(iso)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')} (${age(iso, now)} ago)`;
}

/** The summary `argo get` prints above the tree. */
export function workflowSummary(wf: WorkflowObject, now: number): string {
  const st: WorkflowStatus = wf.status ?? {};
  const rows: [string, string][] = [
    ['Name:', wf.metadata.name],
    ['Namespace:', wf.metadata.namespace ?? ''],
    ['Status:', statusText(wf)],
  ];
  if (st.message) rows.push(['Message:', st.message]);
  rows.push(['Created:', when(wf.metadata.creationTimestamp, now)]);
  if (st.startedAt) rows.push(['Started:', when(st.startedAt, now)]);
  if (st.finishedAt) rows.push(['Finished:', when(st.finishedAt, now)]);
  if (st.startedAt) rows.push(['Duration:', span(st.startedAt, st.finishedAt, now)]);
  if (st.progress) rows.push(['Progress:', st.progress]);
  const out = rows.map(([k, v]) => `${k.padEnd(20)} ${v}`.trimEnd());
  const params = wf.spec?.arguments?.parameters ?? [];
  if (params.length > 0) {
    out.push('Parameters:');
    for (const p of params) out.push(`  ${`${p.name}:`.padEnd(18)} ${p.value ?? ''}`.trimEnd());
  }
  const outputs = st.outputs?.parameters ?? [];
  if (outputs.length > 0) {
    out.push('Outputs:');
    for (const p of outputs) out.push(`  ${`${p.name}:`.padEnd(18)} ${p.value ?? ''}`.trimEnd());
  }
  return out.join('\n') + '\n';
}

/** Summary, a blank line, and the node tree (when there are nodes). */
export function workflowDetails(wf: WorkflowObject, opts: { now: number; wide: boolean; colour: boolean }): string {
  const head = workflowSummary(wf, opts.now);
  if (Object.keys(wf.status?.nodes ?? {}).length === 0) return head;
  const tree = renderTree(wf.status ?? {}, { colour: opts.colour, now: opts.now, columns: treeColumns(opts.wide) });
  return `${head}\n${tree.join('\n')}\n`;
}
