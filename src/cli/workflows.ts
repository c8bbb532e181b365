// Workflow helpers shared by the server verbs: paths, `@latest`, paged listing with client-side filters (phase,
// age, name prefix), waiting for the end through the watch stream (reconnected when it breaks), and the live tree of `weir watch` / `--watch`.
import { sleep } from '../core/clock.js';
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
  client: WeirClient,
  o: { namespace: string | undefined; labelSelector?: string; filter?: WorkflowFilter; limit?: number },
): Promise<WorkflowObject[]> {
  const out: WorkflowObject[] = [];
  let cont: string | undefined;
  const path = o.namespace === undefined ? '/api/v1/workflows/' : wfPath(o.namespace);
  const pageSize = o.filter === undefined && o.limit !== undefined ? Math.min(o.limit, 500) : 500;
  do {
    const page = await client.get<ListBody>(path, {
      'listOptions.labelSelector': o.labelSelector,
      'listOptions.limit': pageSize,
      'listOptions.continue': cont,
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

/** Longest pause between reconnection attempts of a broken watch. */
const MAX_RECONNECT_DELAY_MS = 5_000;
/** How long the server may stay unreachable (after the first successful contact) before waiting gives up. */
export const RECONNECT_GIVE_UP_MS = 10 * 60_000;

/** A failure that a new connection can cure: the stream broke off or ended, the server restarted or timed out. */
const isTransient = (e: unknown): boolean =>
  e instanceof WeirError && (e.code === 'IO_ERROR' || e.code === 'TIMEOUT' || e.code === 'BUS_UNAVAILABLE');

/**
 * Follows one workflow through the watch stream until its phase is final; reports every version on the way. A
 * broken or ended stream (an idle connection cut after minutes, a server restart) is reconnected: the workflow is
 * read again and a new watch opened, with a growing pause, until the server has been unreachable for
 * RECONNECT_GIVE_UP_MS. Until the workflow was read once nothing is retried, so a wrong --server fails at once.
 */
export async function waitForWorkflow(
  client: WeirClient,
  ns: string,
  name: string,
  onUpdate?: (wf: WorkflowObject) => void,
  signal?: AbortSignal,
): Promise<WorkflowObject> {
  let reached = false;
  let failingSince: number | undefined;
  let delay = 100;
  const seen = (wf: WorkflowObject): void => {
    reached = true;
    failingSince = undefined;
    onUpdate?.(wf);
  };
  for (;;) {
    try {
      const done = await watchOnce(client, ns, name, seen, signal);
      if (done) return done;
    } catch (e) {
      if (!reached || !isTransient(e) || signal?.aborted) throw e;
    }
    if (signal?.aborted) throw new WeirError('CANCELLED', 'stopped waiting');
    failingSince ??= Date.now();
    if (Date.now() - failingSince > RECONNECT_GIVE_UP_MS) {
      throw new WeirError(
        'IO_ERROR',
        `lost the server while waiting for workflow ${name}; gave up after ${RECONNECT_GIVE_UP_MS / 60_000} minutes`,
      );
    }
    await sleep(delay, signal);
    delay = Math.min(delay * 2, MAX_RECONNECT_DELAY_MS);
  }
}

/** One read plus one watch; the final workflow, or undefined when the stream ended before the end. */
async function watchOnce(
  client: WeirClient,
  ns: string,
  name: string,
  onUpdate: (wf: WorkflowObject) => void,
  signal: AbortSignal | undefined,
): Promise<WorkflowObject | undefined> {
  const now = await getWorkflow(client, ns, name);
  onUpdate(now);
  if (isFinalPhase(now.status?.phase)) return now;
  const query = { 'listOptions.fieldSelector': `metadata.name=${name}` };
  for await (const ev of client.stream<WatchEvent>(`/api/v1/workflow-events/${encodeURIComponent(ns)}`, query, signal)) {
    if (!ev?.object || ev.object.metadata?.name !== name) continue;
    if (ev.type === 'DELETED') throw new WeirError('NOT_FOUND', `workflow ${name} was deleted while waiting for it`);
    onUpdate(ev.object);
    if (isFinalPhase(ev.object.status?.phase)) return ev.object;
  }
  if (signal?.aborted) throw new WeirError('CANCELLED', 'stopped waiting');
  return undefined;
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

export const refOf = (wf: WorkflowObject, fallbackNs: string): WorkflowRef => ({
  namespace: wf.metadata.namespace ?? fallbackNs,
  name: wf.metadata.name,
});

/** `--wait` / `--watch` after a submit, retry or resubmit: the exit status (0 when every workflow succeeded). */
export async function waitOrWatch(
  client: WeirClient,
  io: CliIo,
  refs: readonly WorkflowRef[],
  mode: 'wait' | 'watch' | undefined,
): Promise<number> {
  if (mode === undefined) return 0;
  if (mode === 'watch') return watchWorkflow(client, io, refs[0].namespace, refs[0].name);
  const done = await Promise.all(refs.map((r) => waitForWorkflow(client, r.namespace, r.name)));
  for (const wf of done) io.stdout(finalLine(wf));
  return done.every((wf) => wf.status?.phase === 'Succeeded') ? 0 : 1;
}
