// The per-CronWorkflow history kept in status.history: one entry per scheduled time (runs of equal Missed,
// Suspended or Skipped outcomes collapse into one entry with a count), bounded to the newest `limit` entries,
// with the phase of each entry's workflow refreshed from the children the controller sees.
import type { HistoryEntry } from './types.js';

export const DEFAULT_HISTORY_LIMIT = 200;
const COLLAPSIBLE = new Set(['Missed', 'Suspended', 'Skipped']);
const FINAL = new Set(['Succeeded', 'Failed', 'Error']);

/** Appends `e` (in place), collapsing it into the previous entry when both are the same non-run outcome. */
export function recordTick(history: HistoryEntry[], e: HistoryEntry, limit = DEFAULT_HISTORY_LIMIT): void {
  const last = history[history.length - 1];
  if (
    last &&
    COLLAPSIBLE.has(e.outcome) &&
    last.outcome === e.outcome &&
    last.reason === e.reason &&
    last.workflow === undefined &&
    e.workflow === undefined
  ) {
    last.count = (last.count ?? 1) + (e.count ?? 1);
    last.until = e.until ?? e.time;
  } else {
    history.push(e);
  }
  if (history.length > limit) history.splice(0, history.length - limit);
}

/** Refreshes `phase` of entries whose workflow is known; entries whose workflow is gone keep a final phase or become Deleted. */
export function refreshPhases(history: HistoryEntry[], phases: ReadonlyMap<string, string>): boolean {
  let changed = false;
  for (const e of history) {
    if (e.workflow === undefined) continue;
    const p = phases.get(e.workflow) ?? (e.phase !== undefined && FINAL.has(e.phase) ? e.phase : 'Deleted');
    if (p !== e.phase) {
      e.phase = p;
      changed = true;
    }
  }
  return changed;
}

/** Newest entry for a scheduled time (ms), if the history still has it. */
export function entryFor(history: readonly HistoryEntry[], timeMs: number): HistoryEntry | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (Date.parse(history[i].time) === timeMs) return history[i];
  return undefined;
}
