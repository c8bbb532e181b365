// One reconcile pass over one CronWorkflow: refresh status.active and the succeeded/failed counters from the
// children, enforce history limits, check stopStrategy, decide every tick due since the cursor (live or missed,
// see policy.ts), run the ones that should run (suspend, when, concurrencyPolicy, deterministic child names), move
// backfill jobs on, and save the status once (optimistic concurrency; a CONFLICT just means "again").
import { isWeirError, errorMessage } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ResourceStore, StoredObject } from '../store/types.js';
import { advanceBackfills } from './backfill.js';
import { BACKFILL_LABEL, buildChild, enforceHistoryLimits, isFinished, listChildren, phaseOf, terminateChild } from './children.js';
import { DEFAULT_HISTORY_LIMIT, recordTick, refreshPhases } from './history.js';
import { decideDue, evalStop, evalWhen } from './policy.js';
import { CRON_COMPLETED_LABEL, compileSchedules, nextTick, scheduleExpressions, ticksBetween } from './ticks.js';
import type { CronCondition, CronSpecView, CronStatus, HistoryEntry, ObjectReference } from './types.js';

export interface ReconcileDeps {
  store: ResourceStore;
  clock: Clock;
  log: Logger;
  /** Ticks before this instant (ms) fell due while Weir was down. */
  liveSince: number;
  historyLimit?: number;
  /**
   * Instant (ms) up to which this process already decided the ticks of this CronWorkflow. Ticks before it are not
   * looked at again even when the cursor in the status is older (e.g. after the schedules were changed).
   */
  checkedUntil?: number;
}

export interface ReconcileOutcome {
  /** When to look again (next tick), if ever. */
  nextWakeMs?: number;
  /** Run again right away (conflict, or more work than one pass does). */
  again?: boolean;
  /** Set when the pass was saved: ticks up to here are decided (pass it back as checkedUntil). */
  checkedUntil?: number;
}

const MAX_TICKS_PER_PASS = 10_000;

function upsertCondition(st: CronStatus, c: CronCondition): void {
  st.conditions = [...(st.conditions ?? []).filter((x) => x.type !== c.type), c];
}

function removeCondition(st: CronStatus, type: CronCondition['type']): void {
  if (!st.conditions) return;
  st.conditions = st.conditions.filter((x) => x.type !== type);
  if (st.conditions.length === 0) delete st.conditions;
}

const refOf = (wf: StoredObject): ObjectReference => ({
  kind: 'Workflow',
  apiVersion: wf.apiVersion,
  name: wf.metadata.name,
  namespace: wf.metadata.namespace ?? 'default',
  uid: wf.metadata.uid,
  resourceVersion: wf.metadata.resourceVersion,
});

/** Argo's reconcileActiveWfs: finished children leave `active` and bump the counters; unfinished ones join it. */
function syncActive(st: CronStatus, children: readonly StoredObject[]): void {
  const scheduled = children.filter((c) => c.metadata.labels?.[BACKFILL_LABEL] === undefined);
  const byUid = new Map(scheduled.map((c) => [c.metadata.uid, c]));
  const next: ObjectReference[] = [];
  for (const ref of st.active ?? []) {
    const c = byUid.get(ref.uid);
    if (c === undefined) continue;
    if (!isFinished(c)) next.push(ref);
    else if (phaseOf(c) === 'Succeeded') st.succeeded = (st.succeeded ?? 0) + 1;
    else st.failed = (st.failed ?? 0) + 1;
  }
  for (const c of scheduled) if (!isFinished(c) && !next.some((r) => r.uid === c.metadata.uid)) next.push(refOf(c));
  if (next.length > 0) st.active = next;
  else delete st.active;
}

export async function reconcileCron(deps: ReconcileDeps, namespace: string, name: string): Promise<ReconcileOutcome> {
  const { store, clock, log } = deps;
  const found = await store.get('CronWorkflow', namespace, name);
  if (!found) return {};
  const cron = found;
  const spec = (cron.spec ?? {}) as CronSpecView;
  const before = JSON.stringify([cron.status ?? {}, cron.metadata.labels ?? {}]);
  const st = structuredClone((cron.status ?? {}) as CronStatus);
  const labels = { ...(cron.metadata.labels ?? {}) };
  const history: HistoryEntry[] = (st.history ??= []);
  const limit = deps.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const now = clock.now();
  const nowFn = (): Date => new Date(clock.now());
  const wfLog = { cronWorkflow: `${namespace}/${name}` };

  let children = await listChildren(store, namespace, name);
  syncActive(st, children);
  const deleted = new Set(await enforceHistoryLimits(store, children, spec));
  if (deleted.size > 0) children = children.filter((c) => !deleted.has(c.metadata.name));
  refreshPhases(history, new Map(children.map((c) => [c.metadata.name, phaseOf(c)])));

  let outcome: ReconcileOutcome = {};
  let schedules;
  try {
    const exprs = scheduleExpressions(spec);
    schedules = compileSchedules(exprs, spec.timezone);
    if (schedules.length === 0) throw new Error('no schedules');
    removeCondition(st, 'SpecError');
  } catch (e) {
    upsertCondition(st, { type: 'SpecError', status: 'True', message: errorMessage(e) });
    schedules = undefined;
  }

  if (schedules) {
    const view = (): StoredObject => ({ ...cron, status: st, metadata: { ...cron.metadata, labels } });
    if (st.phase !== 'Stopped') {
      try {
        if (evalStop(view(), nowFn)) {
          st.phase = 'Stopped';
          labels[CRON_COMPLETED_LABEL] = 'true';
          log.info(wfLog, 'stopStrategy met; the CronWorkflow stops scheduling');
        }
      } catch (e) {
        upsertCondition(st, { type: 'SpecError', status: 'True', message: `failed to check stopStrategy: ${errorMessage(e)}` });
      }
    }
    st.phase ??= 'Active';

    const stored = Date.parse(st.lastProcessedTime ?? st.lastScheduledTime ?? cron.metadata.creationTimestamp);
    const cursor = new Date(Math.max(stored, deps.checkedUntil ?? Number.NEGATIVE_INFINITY));
    const { ticks: due, truncated } = ticksBetween(schedules, cursor, new Date(now), MAX_TICKS_PER_PASS);
    const decisions = decideDue({
      due,
      liveSince: deps.liveSince,
      now,
      catchup: spec.catchup,
      catchupLimit: spec.catchupLimit,
      startingDeadlineSeconds: spec.startingDeadlineSeconds,
    });
    for (const d of decisions) {
      const time = d.time.toISOString();
      if (!d.run) recordTick(history, { time, outcome: 'Missed', reason: d.reason }, limit);
      else await runTick(d.time);
    }
    if (due.length > 0) st.lastProcessedTime = due[due.length - 1].toISOString();
    if (truncated) outcome = { again: true };
    else {
      const nt = nextTick(schedules, new Date(now));
      outcome = { checkedUntil: now, ...(nt !== undefined ? { nextWakeMs: nt.getTime() } : {}) };
    }

    const bf = await advanceBackfills({ store, cron: view(), status: st, children, schedules, now, historyLimit: limit });
    if (bf.again) outcome = { ...outcome, again: true };
  }

  async function runTick(t: Date): Promise<void> {
    const time = t.toISOString();
    const skip = (outcome: HistoryEntry['outcome'], reason?: string): void =>
      recordTick(history, { time, outcome, ...(reason ? { reason } : {}) }, limit);
    if (st.phase === 'Stopped') return skip('Skipped', 'stopped: stopStrategy was met');
    if (spec.suspend === true) return skip('Suspended');
    const cur: StoredObject = { ...cron, status: st, metadata: { ...cron.metadata, labels } };
    try {
      if (!evalWhen(cur, nowFn)) return skip('Skipped', 'when is false');
    } catch (e) {
      upsertCondition(st, { type: 'SubmissionError', status: 'True', message: `run policy error: ${errorMessage(e)}` });
      return skip('Error', `when: ${errorMessage(e)}`);
    }
    const active = st.active ?? [];
    let reason: string | undefined;
    if (active.length > 0 && spec.concurrencyPolicy === 'Forbid') {
      return skip('Skipped', `concurrencyPolicy Forbid: ${active.map((a) => a.name).join(', ')} still running`);
    }
    if (active.length > 0 && spec.concurrencyPolicy === 'Replace') {
      for (const a of active) await terminateChild(store, a.namespace, a.name);
      reason = `replaced ${active.map((a) => a.name).join(', ')}`;
    }
    const child = buildChild(cron, t);
    let wf: StoredObject | undefined;
    try {
      wf = await store.create('Workflow', child);
    } catch (e) {
      if (isWeirError(e) && e.code === 'ALREADY_EXISTS') {
        wf = await store.get('Workflow', namespace, String(child.metadata.name));
        reason = 'already submitted earlier';
      } else {
        st.failed = (st.failed ?? 0) + 1;
        upsertCondition(st, { type: 'SubmissionError', status: 'True', message: `Failed to submit Workflow: ${errorMessage(e)}` });
        log.warn({ ...wfLog, err: errorMessage(e) }, 'could not create the scheduled workflow');
        return skip('Error', errorMessage(e));
      }
    }
    if (wf) {
      if (
        !isFinished(wf) &&
        wf.metadata.labels?.[BACKFILL_LABEL] === undefined &&
        !(st.active ?? []).some((a) => a.uid === wf.metadata.uid)
      ) {
        st.active = [...(st.active ?? []), refOf(wf)];
      }
      children = [...children.filter((c) => c.metadata.name !== wf.metadata.name), wf];
    }
    if (!st.lastScheduledTime || Date.parse(st.lastScheduledTime) < t.getTime()) st.lastScheduledTime = time;
    removeCondition(st, 'SubmissionError');
    const wfName = String(child.metadata.name);
    recordTick(
      history,
      { time, outcome: 'Ran', workflow: wfName, phase: wf ? phaseOf(wf) : 'Deleted', ...(reason ? { reason } : {}) },
      limit,
    );
    log.info({ ...wfLog, workflow: `${namespace}/${wfName}` }, 'scheduled workflow');
  }

  if (history.length === 0) delete st.history;
  if (JSON.stringify([st, labels]) === before) return outcome;
  try {
    await store.update('CronWorkflow', { ...cron, metadata: { ...cron.metadata, labels }, status: st });
  } catch (e) {
    if (isWeirError(e) && (e.code === 'CONFLICT' || e.code === 'NOT_FOUND'))
      return { nextWakeMs: outcome.nextWakeMs, again: e.code === 'CONFLICT' };
    throw e;
  }
  return outcome;
}
