// Shapes of CronWorkflow status as Weir writes it: Argo's fields (active, lastScheduledTime, succeeded, failed,
// phase, conditions) plus Weir's `lastProcessedTime` (scheduling cursor), bounded `history` of what happened at each
// scheduled time, and `backfills` (durable backfill jobs the cron controller executes).
import type { WorkflowSpec } from '../api/workflow.js';

export interface ObjectReference {
  kind: 'Workflow';
  apiVersion: string;
  name: string;
  namespace: string;
  uid: string;
  resourceVersion?: string;
}

export interface CronCondition {
  type: 'SpecError' | 'SubmissionError';
  status: 'True';
  message: string;
}

/**
 * What happened at a scheduled time. `Ran`: live run (workflow); `Backfilled`: run by a backfill; `Skipped`: by
 * concurrencyPolicy Forbid, `when`, or a Stopped phase (reason says which); `Missed`: fell due while Weir was down
 * and catch-up did not run it (or startingDeadlineSeconds passed); `Suspended`: spec.suspend was true; `Error`:
 * the child could not be created.
 */
export type TickOutcome = 'Ran' | 'Backfilled' | 'Skipped' | 'Missed' | 'Suspended' | 'Error';

export interface HistoryEntry {
  /** Scheduled time (RFC 3339, UTC). */
  time: string;
  outcome: TickOutcome;
  workflow?: string;
  /** Last known phase of `workflow` (Pending until it reports one; Deleted once gone). */
  phase?: string;
  reason?: string;
  /** For collapsed runs of equal outcomes (Missed/Suspended/Skipped): how many ticks, up to `until`. */
  count?: number;
  until?: string;
  /** Backfill job id for Backfilled entries. */
  backfill?: string;
}

export type ReprocessMode = 'missing' | 'failed' | 'all';

export interface BackfillJob {
  id: string;
  /** Inclusive bounds, RFC 3339. */
  from: string;
  to: string;
  reverse: boolean;
  maxActive: number;
  reprocess: ReprocessMode;
  state: 'Running' | 'Succeeded' | 'Failed' | 'Cancelled';
  total: number;
  /** Index (in processing order) of the next scheduled time to handle. */
  next: number;
  created: number;
  /** Times left alone because a workflow for them exists (or is still running under reprocess). */
  skipped: number;
  succeeded: number;
  failed: number;
  running: number;
  startedAt: string;
  finishedAt?: string;
  message?: string;
}

export interface CronStatus {
  active?: ObjectReference[];
  lastScheduledTime?: string;
  succeeded?: number;
  failed?: number;
  phase?: 'Active' | 'Stopped';
  conditions?: CronCondition[];
  lastProcessedTime?: string;
  history?: HistoryEntry[];
  backfills?: BackfillJob[];
  [key: string]: unknown;
}

export interface CronSpecView {
  schedules?: string[];
  schedule?: string;
  timezone?: string;
  concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
  startingDeadlineSeconds?: number;
  successfulJobsHistoryLimit?: number;
  failedJobsHistoryLimit?: number;
  suspend?: boolean;
  stopStrategy?: { expression?: string; condition?: string };
  when?: string;
  workflowSpec?: WorkflowSpec;
  workflowMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  catchup?: 'none' | 'last' | 'all';
  catchupLimit?: number;
}
