// Workflow helpers shared by the server verbs: paths, `@latest`, paged listing with client-side filters (phase,
// age, name prefix), waiting for the end through the watch stream, and the live tree of `weir watch` / `--watch`.
import type { WorkflowObject } from '../controller/types.js';
import { WeirError } from '../core/errors.js';
import type { WeirClient } from './client.js';
import { isFinalPhase, treeColumns, workflowSummary } from './format.js';
import type { CliIo } from './io.js';
import { ProgressRenderer } from './run-progress.js';

export const wfPath = (ns: string, name?: string): string =>
  `/api/v1/workflows/${encodeURIComponent(ns)}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

interface ListBody {
  metadata?: { continue?: string };
  items?: WorkflowObject[] | null;
}

export interface WorkflowFilter {
  /** Phases to keep (Pending also matches a workflow without a phase yet). */
  phases?: ReadonlySet<string>;
  /** Kept only when created at or after this time (ms). */
  createdAfter?: number;
  /** Completed and finished before this time (ms). */
  finishedBefore?: number;
  prefix?: string;
}

export function matchesFilter(wf: WorkflowObject, f: WorkflowFilter): boolean {
  const phase = wf.status?.phase ?? 'Pending';
  if (f.phases && !f.phases.has(phase)) return false;
  if (f.createdAfter !== undefined && Date.parse(wf.metadata.creationTimestamp ?? '') < f.createdAfter) return false;
  if (f.finishedBefore !== undefined) {
    const fin = Date.parse(wf.status?.finishedAt ?? '');
    if (!isFinalPhase(phase) || Number.isNaN(fin) || fin >= f.finishedBefore) return false;
  }
  if (f.prefix !== undefined && !wf.metadata.name.startsWith(f.prefix)) return false;
  return true;
}

/** Workflows newest first (the server's order), page by page, filtered; stops after `limit` matches. */
export async function listWorkflows(
  client: WeirClient, o: { namespace: string | undefined; labelSelector?: string; filter?: WorkflowFilter; limit?: number },
): Promise<WorkflowObject[]> {
  const out: WorkflowObject[] = [];
  let cont: string | undefined;
  const path = o.namespace === undefined ? '/api/v1/workflows/' : wfPath(o.namespace);
  const pageSize = o.filter === undefined && o.limit !== undefined ? Math.min(o.limit, 500) : 500;
  do {
    const page = await client.get<ListBody>(path, {
      'listOptions.labelSelector': o.labelSelector, 'listOptions.limit': pageSize, 'listOptions.continue': cont,
    });
    for (const wf of page.items ?? []) {
      if (o.filter && !matchesFilter(wf, o.filter)) continue;
      out.push(wf);
      if (o.limit !== undefined && out.length >= o.limit) return out;
    }
    cont = page.metadata?.continue;
  } while (cont);
  return out;
}

/** A workflow name, or the newest workflow in the namespace for `@latest`. */
export async function resolveName(client: WeirClient, ns: string, name: string): Promise<string> {
  if (name !== '@latest') return name;
  const [newest] = await listWorkflows(client, { namespace: ns, limit: 1 });
  if (!newest) throw new WeirError('NOT_FOUND', `@latest: there are no workflows in namespace ${ns}`);
  return newest.metadata.name;
}

export function getWorkflow(client: WeirClient, ns: string, name: string): Promise<WorkflowObject> {
  return client.get<WorkflowObject>(wfPath(ns, name));
}

interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: WorkflowObject;
}

/** Follows one workflow through the watch stream until its phase is final; reports every version on the way. */
export async function waitForWorkflow(
  client: WeirClient, ns: string, name: string, onUpdate?: (wf: WorkflowObject) => void, signal?: AbortSignal,
): Promise<WorkflowObject> {
  const now = await getWorkflow(client, ns, name);
  if (isFinalPhase(now.status?.phase)) {
    onUpdate?.(now);
    return now;
  }
  const query = { 'listOptions.fieldSelector': `metadata.name=${name}` };
  for await (const ev of client.stream<WatchEvent>(`/api/v1/workflow-events/${encodeURIComponent(ns)}`, query, signal)) {
    if (!ev?.object || ev.object.metadata?.name !== name) continue;
    if (ev.type === 'DELETED') throw new WeirError('NOT_FOUND', `workflow ${name} was deleted while waiting for it`);
    onUpdate?.(ev.object);
    if (isFinalPhase(ev.object.status?.phase)) return ev.object;
  }
  if (signal?.aborted) throw new WeirError('CANCELLED', 'stopped waiting');
  throw new WeirError('IO_ERROR', `the server closed the watch of workflow ${name} before it finished`);
}

/** `name Phase at time` (what `argo wait` prints). */
export function finalLine(wf: WorkflowObject): string {
  const st = wf.status;
  return `${wf.metadata.name} ${st?.phase ?? 'Unknown'}${st?.finishedAt ? ` at ${st.finishedAt}` : ''}${st?.message ? ` (${st.message})` : ''}\n`;
}

/** Live tree on stdout until the workflow ends (redrawn on a terminal, phase-change lines otherwise); exit status. */
export async function watchWorkflow(client: WeirClient, io: CliIo, ns: string, name: string): Promise<number> {
  const tty = io.stdoutTTY === true;
  const progress = new ProgressRenderer((s) => io.stdout(s), tty, tty && io.env.NO_COLOR === undefined, treeColumns(false));
  const wf = await waitForWorkflow(client, ns, name, (w) => progress.update(w.status, Date.now()));
  progress.finish(wf.status, Date.now());
  io.stdout(`\n${workflowSummary(wf, Date.now())}`);
  return wf.status?.phase === 'Succeeded' ? 0 : 1;
}

export interface WorkflowRef {
  namespace: string;
  name: string;
}

export const refOf = (wf: WorkflowObject, fallbackNs: string): WorkflowRef => ({ namespace: wf.metadata.namespace ?? fallbackNs, name: wf.metadata.name });

/** `--wait` / `--watch` after a submit, retry or resubmit: the exit status (0 when every workflow succeeded). */
export async function waitOrWatch(client: WeirClient, io: CliIo, refs: readonly WorkflowRef[], mode: 'wait' | 'watch' | undefined): Promise<number> {
  if (mode === undefined) return 0;
  if (mode === 'watch') return watchWorkflow(client, io, refs[0].namespace, refs[0].name);
  const done = await Promise.all(refs.map((r) => waitForWorkflow(client, r.namespace, r.name)));
  for (const wf of done) io.stdout(finalLine(wf));
  return done.every((wf) => wf.status?.phase === 'Succeeded') ? 0 : 1;
}
