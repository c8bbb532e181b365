// Backfill: one Workflow per scheduled time in [from, to], named exactly as live runs are (`<cron>-<unix seconds>`),
// so re-running a backfill or overlapping live runs never duplicates. A job is stored durably in
// status.backfills and moved on by the cron controller (it survives the CLI going away and server restarts); at
// most `maxActive` of its children are unfinished at once. Reprocessing a time that already ran deletes the old
// (finished) Workflow and creates it again under the same name: `failed` only for Failed/Error runs, `all` for any.
import { randomUUID } from 'node:crypto';
import type { Schedule } from '../core/cron.js';
import { WeirError, isWeirError, errorMessage } from '../core/errors.js';
import type { ResourceStore, StoredObject } from '../store/types.js';
import { BACKFILL_LABEL, buildChild, isFailed, isFinished, listChildren, phaseOf } from './children.js';
import { entryFor, recordTick } from './history.js';
import { childName, compileSchedules, scheduleExpressions, ticksBetween } from './ticks.js';
import type { BackfillJob, CronSpecView, CronStatus, HistoryEntry, ReprocessMode } from './types.js';

export const MAX_BACKFILL_TICKS = 10_000;
const KEEP_JOBS = 20;

export interface BackfillRequest {
  from: Date;
  to: Date;
  /** Default 1. */
  maxActive?: number;
  reverse?: boolean;
  /** Default `missing`. */
  reprocess?: ReprocessMode;
}

export type PlanAction = 'create' | 'recreate' | 'skip';

export interface PlanItem {
  time: string;
  workflow: string;
  action: PlanAction;
  reason?: string;
}

/** The scheduled times in [from, to] in processing order; INVALID_ARGUMENT when there are too many. */
export function backfillTimes(schedules: readonly Schedule[], from: Date, to: Date, reverse: boolean): Date[] {
  if (to.getTime() < from.getTime())
    throw new WeirError('INVALID_ARGUMENT', `--to (${to.toISOString()}) is before --from (${from.toISOString()})`);
  const { ticks, truncated } = ticksBetween(schedules, new Date(from.getTime() - 1), to, MAX_BACKFILL_TICKS);
  if (truncated)
    throw new WeirError('INVALID_ARGUMENT', `more than ${MAX_BACKFILL_TICKS} scheduled times in the range; backfill a shorter range`);
  return reverse ? ticks.reverse() : ticks;
}

/** What a backfill does with one time, given the Workflow of that name (if any) and the history entry (if kept). */
export function decide(
  existing: StoredObject | undefined,
  entry: HistoryEntry | undefined,
  mode: ReprocessMode,
  jobId?: string,
): { action: PlanAction | 'mine'; reason?: string } {
  if (existing) {
    if (jobId !== undefined && existing.metadata.labels?.[BACKFILL_LABEL] === jobId) return { action: 'mine' };
    if (!isFinished(existing)) return { action: 'skip', reason: `${phaseOf(existing)} now` };
    if (mode === 'all') return { action: 'recreate', reason: `was ${phaseOf(existing)}` };
    if (mode === 'failed' && isFailed(existing)) return { action: 'recreate', reason: `was ${phaseOf(existing)}` };
    return { action: 'skip', reason: `exists (${phaseOf(existing)})` };
  }
  const ranPhase = entry && (entry.outcome === 'Ran' || entry.outcome === 'Backfilled') ? entry.phase : undefined;
  if (ranPhase === 'Succeeded' && mode !== 'all') return { action: 'skip', reason: 'ran (Succeeded); workflow since deleted' };
  if ((ranPhase === 'Failed' || ranPhase === 'Error') && mode === 'missing')
    return { action: 'skip', reason: `ran (${ranPhase}); workflow since deleted` };
  return { action: 'create' };
}

function compiled(cron: StoredObject): Schedule[] {
  const spec = (cron.spec ?? {}) as CronSpecView;
  return compileSchedules(scheduleExpressions(spec), spec.timezone);
}

/** The dry-run view: every time with what a backfill would do now. */
export async function planBackfill(store: ResourceStore, cron: StoredObject, req: BackfillRequest): Promise<PlanItem[]> {
  const times = backfillTimes(compiled(cron), req.from, req.to, req.reverse === true);
  const children = new Map(
    (await listChildren(store, cron.metadata.namespace ?? 'default', cron.metadata.name)).map((c) => [c.metadata.name, c]),
  );
  const history = ((cron.status ?? {}) as CronStatus).history ?? [];
  return times.map((t) => {
    const workflow = childName(cron.metadata.name, t);
    const d = decide(children.get(workflow), entryFor(history, t.getTime()), req.reprocess ?? 'missing');
    return { time: t.toISOString(), workflow, action: d.action === 'mine' ? 'skip' : d.action, ...(d.reason ? { reason: d.reason } : {}) };
  });
}

function validateRequest(req: BackfillRequest): { maxActive: number; reprocess: ReprocessMode } {
  const maxActive = req.maxActive ?? 1;
  if (!Number.isInteger(maxActive) || maxActive < 1)
    throw new WeirError('INVALID_ARGUMENT', `maxActive must be a positive integer, got ${String(req.maxActive)}`);
  const reprocess = req.reprocess ?? 'missing';
  if (!['missing', 'failed', 'all'].includes(reprocess))
    throw new WeirError('INVALID_ARGUMENT', `reprocess must be missing, failed or all, got ${JSON.stringify(reprocess)}`);
  if (Number.isNaN(req.from.getTime()) || Number.isNaN(req.to.getTime()))
    throw new WeirError('INVALID_ARGUMENT', 'from and to must be valid times');
  return { maxActive, reprocess };
}

/** Read-modify-write of a CronWorkflow's status with retries on CONFLICT. */
async function mutateStatus<T>(store: ResourceStore, ns: string, name: string, fn: (st: CronStatus, cron: StoredObject) => T): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const cron = await store.get('CronWorkflow', ns, name);
    if (!cron) throw new WeirError('NOT_FOUND', `cronworkflows ${JSON.stringify(name)} not found in namespace ${ns}`);
    const st = structuredClone((cron.status ?? {}) as CronStatus);
    const out = fn(st, cron);
    try {
      await store.update('CronWorkflow', { ...cron, status: st });
      return out;
    } catch (e) {
      if (!isWeirError(e) || e.code !== 'CONFLICT' || attempt >= 20) throw e;
    }
  }
}

/** Stores a new backfill job for the controller to run; returns it. */
export async function startBackfill(
  store: ResourceStore,
  ns: string,
  name: string,
  req: BackfillRequest,
  now: number,
): Promise<BackfillJob> {
  const { maxActive, reprocess } = validateRequest(req);
  const cron = await store.get('CronWorkflow', ns, name);
  if (!cron) throw new WeirError('NOT_FOUND', `cronworkflows ${JSON.stringify(name)} not found in namespace ${ns}`);
  const total = backfillTimes(compiled(cron), req.from, req.to, req.reverse === true).length;
  const job: BackfillJob = {
    id: `bf-${randomUUID().slice(0, 8)}`,
    from: req.from.toISOString(),
    to: req.to.toISOString(),
    reverse: req.reverse === true,
    maxActive,
    reprocess,
    state: total === 0 ? 'Succeeded' : 'Running',
    total,
    next: 0,
    created: 0,
    skipped: 0,
    succeeded: 0,
    failed: 0,
    running: 0,
    startedAt: new Date(now).toISOString(),
    ...(total === 0 ? { finishedAt: new Date(now).toISOString(), message: 'no scheduled times in the range' } : {}),
  };
  return mutateStatus(store, ns, name, (st) => {
    const jobs = [...(st.backfills ?? []), job];
    // Keep every running job and the newest finished ones.
    while (jobs.length > KEEP_JOBS) {
      const i = jobs.findIndex((j) => j.state !== 'Running');
      if (i < 0) break;
      jobs.splice(i, 1);
    }
    st.backfills = jobs;
    return job;
  });
}

export async function getBackfill(store: ResourceStore, ns: string, name: string, id: string): Promise<BackfillJob> {
  const cron = await store.get('CronWorkflow', ns, name);
  const job = ((cron?.status ?? {}) as CronStatus).backfills?.find((j) => j.id === id);
  if (!job)
    throw new WeirError('NOT_FOUND', `backfill ${JSON.stringify(id)} of cronworkflow ${JSON.stringify(name)} not found in namespace ${ns}`);
  return job;
}

/** Stops creating workflows for a running job (its running workflows go on). */
export async function cancelBackfill(store: ResourceStore, ns: string, name: string, id: string, now: number): Promise<BackfillJob> {
  return mutateStatus(store, ns, name, (st) => {
    const job = st.backfills?.find((j) => j.id === id);
    if (!job)
      throw new WeirError(
        'NOT_FOUND',
        `backfill ${JSON.stringify(id)} of cronworkflow ${JSON.stringify(name)} not found in namespace ${ns}`,
      );
    if (job.state === 'Running') Object.assign(job, { state: 'Cancelled', finishedAt: new Date(now).toISOString() });
    return job;
  });
}

export interface AdvanceContext {
  store: ResourceStore;
  cron: StoredObject;
  /** Mutated in place. */
  status: CronStatus;
  children: readonly StoredObject[];
  schedules: readonly Schedule[];
  now: number;
  historyLimit: number;
}

/** Workflows a backfill creates at the same time (within maxActive). */
const CREATES_AT_ONCE = 64;

/** Moves every running job on as far as maxActive allows; counts from the children the job created. */
export async function advanceBackfills(ctx: AdvanceContext): Promise<{ again: boolean }> {
  const jobs = ctx.status.backfills ?? [];
  const byName = new Map(ctx.children.map((c) => [c.metadata.name, c]));
  const history = (ctx.status.history ??= []);
  for (const job of jobs) {
    const mine = ctx.children.filter((c) => c.metadata.labels?.[BACKFILL_LABEL] === job.id);
    job.running = mine.filter((c) => !isFinished(c)).length;
    job.succeeded = mine.filter((c) => phaseOf(c) === 'Succeeded').length;
    job.failed = mine.filter(isFailed).length;
    if (job.state !== 'Running') continue;
    let times: Date[];
    try {
      times = backfillTimes(ctx.schedules, new Date(job.from), new Date(job.to), job.reverse);
    } catch (e) {
      Object.assign(job, { state: 'Failed', message: errorMessage(e), finishedAt: new Date(ctx.now).toISOString() });
      continue;
    }
    job.total = times.length;
    advance: while (job.next < times.length && job.running < job.maxActive) {
      // The next ticks up to the free slots, decided in order, then their Workflows created together (a store
      // with group commit saves them in one commit) and the outcomes taken in order again.
      const chunk: { t: Date; name: string; existing: StoredObject | undefined; action: PlanAction | 'mine' }[] = [];
      let slots = job.maxActive - job.running;
      for (let i = job.next; i < times.length && slots > 0 && chunk.length < CREATES_AT_ONCE; i++) {
        const t = times[i];
        const name = childName(ctx.cron.metadata.name, t);
        const existing = byName.get(name);
        const { action } = decide(existing, entryFor(history, t.getTime()), job.reprocess, job.id);
        chunk.push({ t, name, existing, action });
        if (action === 'create' || action === 'recreate') slots--;
      }
      const created = await Promise.all(
        chunk.map(async (c): Promise<{ wf?: StoredObject; err?: unknown } | undefined> => {
          if (c.action !== 'create' && c.action !== 'recreate') return undefined;
          if (c.action === 'recreate' && c.existing)
            await ctx.store.delete('Workflow', c.existing.metadata.namespace, c.name, {
              resourceVersion: c.existing.metadata.resourceVersion,
            });
          try {
            return { wf: await ctx.store.create('Workflow', buildChild(ctx.cron, c.t, { backfill: job.id })) };
          } catch (err) {
            return { err };
          }
        }),
      );
      for (let k = 0; k < chunk.length; k++) {
        const c = chunk[k];
        const r = created[k];
        if (c.action === 'skip') job.skipped++;
        else if (c.action === 'mine') job.created++;
        else if (r?.wf) {
          byName.set(c.name, r.wf);
          job.created++;
          job.running++;
          recordTick(
            history,
            { time: c.t.toISOString(), outcome: 'Backfilled', workflow: c.name, phase: phaseOf(r.wf), backfill: job.id },
            ctx.historyLimit,
          );
        } else {
          const e = r?.err;
          if (isWeirError(e) && e.code === 'ALREADY_EXISTS') return { again: true };
          Object.assign(job, {
            state: 'Failed',
            message: `creating ${c.name}: ${errorMessage(e)}`,
            finishedAt: new Date(ctx.now).toISOString(),
          });
          break advance;
        }
        job.next++;
      }
    }
    if (job.state === 'Running' && job.next >= times.length && job.running === 0) {
      job.state = job.failed > 0 ? 'Failed' : 'Succeeded';
      job.finishedAt = new Date(ctx.now).toISOString();
      if (job.failed > 0) job.message = `${job.failed} workflow(s) failed`;
    }
  }
  if (history.length === 0) delete ctx.status.history;
  return { again: false };
}
