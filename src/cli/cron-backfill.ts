// `weir cron backfill NAME --from T1 --to T2 [--max-active N] [--reverse] [--dry-run] [--reprocess missing|failed|all]`
// and the history table `weir cron get NAME` prints. The backfill runs in the server (POST .../backfill); this
// verb follows its progress (a bar with counts and ETA on a terminal, plain lines otherwise) and prints a summary.
// Leaving with Ctrl-C does not stop the backfill; `--no-wait` returns right after starting it.
import { sleep } from '../core/clock.js';
import { parseArgs } from 'node:util';
import type { StoredObject } from '../store/types.js';
import type { BackfillJob, HistoryEntry } from '../cron/types.js';
import type { PlanItem } from '../cron/backfill.js';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, intFlag, needArgs, parseFlags, usageError } from './flags.js';
import { shortDuration, table } from './format.js';
import type { CliIo, Verb } from './io.js';

const HELP = `Usage: weir cron backfill NAME --from T1 --to T2 [flags]

Creates one workflow per scheduled time of the CronWorkflow in [T1, T2], named as live runs are
(<name>-<unix seconds>), so times that already ran (live or by an earlier backfill) are skipped.
A date (2026-01-01) means midnight in the CronWorkflow's time zone; a date given as --to includes that whole day.
RFC 3339 times (2026-01-01T06:00:00Z) are taken as they are. The backfill runs in the server: Ctrl-C stops
following it, not the backfill.
      --from T            first time (inclusive)
      --to T              last time (inclusive)
      --max-active N      at most N of the backfill's workflows unfinished at once (default 1)
      --reverse           newest first
      --reprocess MODE    missing (default): only times without a workflow; failed: also re-run Failed/Error
                          ones (the old workflow is deleted and created again under the same name); all: re-run all
      --dry-run           list the times and what would be created or skipped; change nothing
      --no-wait           start the backfill and return (follow it with weir cron get NAME)

${CLIENT_HELP}`;

const BACKFILL_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  'max-active': { type: 'string' },
  reverse: { type: 'boolean' },
  reprocess: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'no-wait': { type: 'boolean' },
} as const;

const pathOf = (ns: string, name: string, id?: string): string =>
  `/api/v1/cron-workflows/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/backfill${id === undefined ? '' : `/${encodeURIComponent(id)}`}`;

function progressLine(j: BackfillJob, elapsedMs: number, bar: boolean): string {
  const done = j.skipped + j.succeeded + j.failed;
  const counts = `${done}/${j.total} done: ${j.created} created, ${j.skipped} skipped, ${j.running} running, ${j.succeeded} succeeded, ${j.failed} failed`;
  const eta = done > 0 && done < j.total ? ` ETA ${shortDuration((elapsedMs / done) * (j.total - done))}` : '';
  if (!bar) return `${counts}${eta}`;
  const width = 24;
  const filled = j.total === 0 ? width : Math.round((done / j.total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${counts}${eta}`;
}

function summary(name: string, j: BackfillJob): string {
  const took = j.finishedAt ? ` in ${shortDuration(Date.parse(j.finishedAt) - Date.parse(j.startedAt))}` : '';
  return (
    `Backfill ${j.id} of ${name}: ${j.state}${took}\n` +
    `  ${j.total} scheduled time(s) from ${j.from} to ${j.to}${j.reverse ? ' (newest first)' : ''}\n` +
    `  ${j.created} created, ${j.skipped} skipped (already ran or running), ${j.succeeded} succeeded, ${j.failed} failed${j.running > 0 ? `, ${j.running} running` : ''}\n` +
    (j.message ? `  ${j.message}\n` : '')
  );
}

async function backfill(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, BACKFILL_OPTIONS);
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  needArgs(positionals, 'weir cron backfill NAME --from T1 --to T2', 1);
  if (values.from === undefined || values.to === undefined) throw usageError('weir cron backfill needs --from and --to');
  const reprocess = values.reprocess ?? 'missing';
  if (!['missing', 'failed', 'all'].includes(reprocess))
    throw usageError(`--reprocess must be missing, failed or all, got ${JSON.stringify(reprocess)}`);
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.once('SIGINT', onSignal);
  try {
    const client = clientFrom(values, io, ac.signal);
    const name = positionals[0];
    const body = {
      from: values.from,
      to: values.to,
      maxActive: intFlag(values['max-active'], '--max-active') ?? 1,
      reverse: values.reverse === true,
      reprocess,
      dryRun: values['dry-run'] === true,
    };
    if (body.dryRun) {
      const plan = await client.json<{ items: PlanItem[] }>('POST', pathOf(client.namespace, name), { body });
      if (plan.items.length === 0) io.stdout('No scheduled times in the range.\n');
      else
        io.stdout(
          table(
            ['TIME', 'WORKFLOW', 'ACTION', 'REASON'],
            plan.items.map((i) => [i.time, i.workflow, i.action, i.reason ?? '']),
          ),
        );
      const n = (a: string): number => plan.items.filter((i) => i.action === a).length;
      io.stdout(`Dry run: ${plan.items.length} time(s): would create ${n('create')}, re-create ${n('recreate')}, skip ${n('skip')}.\n`);
      return 0;
    }
    let job = await client.json<BackfillJob>('POST', pathOf(client.namespace, name), { body });
    io.stdout(`Backfill ${job.id} of ${name} started: ${job.total} scheduled time(s), max ${job.maxActive} active.\n`);
    if (values['no-wait']) return 0;
    const started = Date.now();
    let last = '';
    while (job.state === 'Running') {
      const line = progressLine(job, Date.now() - started, io.isTTY);
      if (io.isTTY) io.stderr(`\r${line}\x1b[K`);
      else if (line.replace(/ ETA .*/, '') !== last.replace(/ ETA .*/, '')) io.stderr(`${line}\n`);
      last = line;
      await sleep(500);
      job = await client.json<BackfillJob>('GET', pathOf(client.namespace, name, job.id));
    }
    if (io.isTTY) io.stderr(`\r${progressLine(job, Date.now() - started, true)}\x1b[K\n`);
    io.stdout(summary(name, job));
    return job.state === 'Succeeded' ? 0 : 1;
  } catch (e) {
    if (ac.signal.aborted) {
      io.stderr('\nweir: stopped following; the backfill goes on in the server (see weir cron get NAME)\n');
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
  }
}

/** The newest `max` history entries as a table (times in UTC). */
export function formatHistory(history: readonly HistoryEntry[], max = 20): string {
  if (history.length === 0) return 'History:             (no scheduled times yet)\n';
  const shown = history.slice(-max);
  const rows = shown.map((h) => [
    h.count !== undefined && h.count > 1 ? `${h.time} .. ${h.until ?? ''} (${h.count})` : h.time,
    h.outcome,
    h.workflow ?? '',
    h.phase ?? '',
    [h.reason, h.backfill ? `backfill ${h.backfill}` : undefined].filter(Boolean).join('; '),
  ]);
  const more = history.length > shown.length ? ` (newest ${shown.length} of ${history.length})` : '';
  return `History${more}:\n${table(['SCHEDULED', 'OUTCOME', 'WORKFLOW', 'PHASE', 'NOTE'], rows)}`;
}

function formatBackfills(jobs: readonly BackfillJob[]): string {
  if (jobs.length === 0) return '';
  return `Backfills:\n${table(
    ['ID', 'STATE', 'FROM', 'TO', 'DONE', 'CREATED', 'SKIPPED', 'FAILED'],
    jobs.map((j) => [
      j.id,
      j.state,
      j.from,
      j.to,
      `${j.skipped + j.succeeded + j.failed}/${j.total}`,
      String(j.created),
      String(j.skipped),
      String(j.failed),
    ]),
  )}`;
}

/**
 * The `weir cron` verb around the generic resource verb: `backfill` is handled here, and a plain `get` (no -o)
 * is followed by each CronWorkflow's history and backfills.
 */
export async function cronVerb(base: Verb, args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: false,
    options: {
      ...CLIENT_OPTIONS,
      ...BACKFILL_OPTIONS,
      output: { type: 'string', short: 'o' },
      all: { type: 'boolean' },
      'no-headers': { type: 'boolean' },
    },
  });
  const [sub, ...names] = positionals;
  if (sub === 'backfill')
    return backfill(
      args.filter((a, i) => i !== args.indexOf('backfill')),
      io,
    );
  const code = await base(args, io);
  if (values.help === true && sub === undefined)
    io.stdout('  weir cron backfill NAME --from T1 --to T2   (see weir cron backfill --help)\n');
  if (code !== 0 || sub !== 'get' || values.output !== undefined || values.help === true) return code;
  const client = clientFrom(values as { server?: string; token?: string; namespace?: string }, io);
  for (const name of names) {
    const o = await client.get<StoredObject>(`/api/v1/cron-workflows/${encodeURIComponent(client.namespace)}/${encodeURIComponent(name)}`);
    const st = (o.status ?? {}) as { history?: HistoryEntry[]; backfills?: BackfillJob[] };
    io.stdout(`${names.length > 1 ? `\n${name}:\n` : '\n'}${formatHistory(st.history ?? [])}${formatBackfills(st.backfills ?? [])}`);
  }
  return 0;
}
