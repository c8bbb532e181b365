// Cron workflows: the list, and per CronWorkflow its schedule with the next run times (in the cron's zone and the
// browser's), suspend/resume, the history (Ran/Missed/Skipped/Backfilled/... with reasons), its runs, and backfill:
// a date-range form with max-active, reprocess mode and order, a dry-run preview, and live progress of the jobs.
import { useState } from 'preact/hooks';
import { api, enc } from '../api';
import { Empty, ErrorState, KV, Link, Loading, Phase } from '../components/ui';
import { age, browserZone, inZone } from '../format';
import { useApi } from '../hooks';
import type { ListBody, Resource } from '../types';

interface CronSpec {
  schedules?: string[];
  schedule?: string;
  timezone?: string;
  suspend?: boolean;
  concurrencyPolicy?: string;
}
interface HistoryEntry {
  time: string;
  outcome: string;
  workflow?: string;
  phase?: string;
  reason?: string;
  count?: number;
  until?: string;
  backfill?: string;
}
interface Job {
  id: string;
  from: string;
  to: string;
  state: string;
  total: number;
  created: number;
  skipped: number;
  succeeded: number;
  failed: number;
  running: number;
  maxActive: number;
  reprocess: string;
  message?: string;
}
interface CronStatus {
  lastScheduledTime?: string;
  active?: { name: string }[];
  succeeded?: number;
  failed?: number;
  phase?: string;
  history?: HistoryEntry[];
  backfills?: Job[];
  conditions?: { type: string; message?: string }[];
}
interface PlanItem {
  time: string;
  workflow: string;
  action: string;
  reason?: string;
}

const schedulesOf = (s: CronSpec): string[] => s.schedules ?? (s.schedule ? [s.schedule] : []);

export function CronsPage() {
  const list = useApi<ListBody<Resource>>('/api/v1/cron-workflows/', 5000);
  if (list.error) return <ErrorState error={list.error} retry={list.reload} />;
  if (!list.data) return <Loading what="cron workflows" />;
  const items = list.data.items ?? [];
  return (
    <section>
      <h1>Cron workflows</h1>
      {items.length === 0 ? (
        <Empty>
          No CronWorkflows yet. Create one with <code>weir cron create FILE</code>.
        </Empty>
      ) : (
        <table aria-label="Cron workflows">
          <thead>
            <tr>
              <th>Name</th>
              <th>Namespace</th>
              <th>Schedule</th>
              <th>Time zone</th>
              <th>State</th>
              <th>Last scheduled</th>
              <th>Active</th>
            </tr>
          </thead>
          <tbody>
            {items.map((c) => {
              const spec = (c.spec ?? {}) as CronSpec;
              const st = (c.status ?? {}) as CronStatus;
              return (
                <tr key={c.metadata.uid}>
                  <td>
                    <Link href={`/cron/${enc(c.metadata.namespace ?? 'default')}/${enc(c.metadata.name)}`}>{c.metadata.name}</Link>
                  </td>
                  <td>{c.metadata.namespace}</td>
                  <td class="mono">{schedulesOf(spec).join('; ')}</td>
                  <td>{spec.timezone ?? 'UTC'}</td>
                  <td>{spec.suspend ? 'Suspended' : (st.phase ?? 'Active')}</td>
                  <td>{st.lastScheduledTime ? `${age(st.lastScheduledTime)} ago` : 'never'}</td>
                  <td>{st.active?.length ?? 0}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Backfill({ base, zone, jobs, onChange }: { base: string; zone: string | undefined; jobs: Job[]; onChange: () => void }) {
  const [form, setForm] = useState({ from: '', to: '', maxActive: '1', reprocess: 'missing', reverse: false });
  const [plan, setPlan] = useState<PlanItem[] | undefined>();
  const [error, setError] = useState('');
  const body = (dryRun: boolean): Record<string, unknown> => ({
    from: form.from.trim(),
    to: form.to.trim(),
    maxActive: Number(form.maxActive),
    reprocess: form.reprocess,
    reverse: form.reverse,
    dryRun,
  });
  const call = async (dryRun: boolean): Promise<void> => {
    setError('');
    try {
      if (dryRun) setPlan((await api<{ items: PlanItem[] }>(`${base}/backfill`, { method: 'POST', body: body(true) })).items);
      else {
        await api(`${base}/backfill`, { method: 'POST', body: body(false) });
        setPlan(undefined);
        onChange();
      }
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const set = (k: keyof typeof form, v: string | boolean): void => setForm({ ...form, [k]: v });
  return (
    <div>
      <h2>Backfill</h2>
      <form
        class="card row"
        aria-label="Backfill"
        onSubmit={(e) => {
          e.preventDefault();
          void call(true);
        }}
      >
        <label>
          From
          <input required placeholder="2026-01-01" value={form.from} onInput={(e) => set('from', e.currentTarget.value)} />
        </label>
        <label>
          To
          <input required placeholder="2026-01-07" value={form.to} onInput={(e) => set('to', e.currentTarget.value)} />
        </label>
        <label>
          Max active
          <input
            type="number"
            min={1}
            max={100}
            value={form.maxActive}
            onInput={(e) => set('maxActive', e.currentTarget.value)}
            style={{ width: '80px' }}
          />
        </label>
        <label>
          Reprocess
          <select value={form.reprocess} onChange={(e) => set('reprocess', e.currentTarget.value)}>
            <option value="missing">missing only</option>
            <option value="failed">failed too</option>
            <option value="all">all finished</option>
          </select>
        </label>
        <label style={{ flexDirection: 'row', alignItems: 'center', gap: '4px' }}>
          <input type="checkbox" checked={form.reverse} onChange={(e) => set('reverse', e.currentTarget.checked)} />
          newest first
        </label>
        <button type="submit">Preview (dry run)</button>
        <button type="button" class="primary" onClick={() => void call(false)}>
          Start backfill
        </button>
      </form>
      <p class="help">
        A date is midnight in the cron's zone ({zone ?? 'UTC'}); a date as "To" includes that whole day. RFC 3339 times are taken as they
        are.
      </p>
      {error && (
        <div class="state error" role="alert" style={{ padding: '6px' }}>
          {error}
        </div>
      )}
      {plan && (
        <table aria-label="Backfill preview" data-testid="backfill-preview">
          <thead>
            <tr>
              <th>Scheduled time ({zone ?? 'UTC'})</th>
              <th>Your time ({browserZone()})</th>
              <th>Workflow</th>
              <th>Action</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {plan.length === 0 ? (
              <tr>
                <td colSpan={5}>No scheduled times in this range.</td>
              </tr>
            ) : (
              plan.map((p) => (
                <tr key={p.time} data-time={p.time}>
                  <td>{inZone(p.time, zone ?? 'UTC')}</td>
                  <td>{inZone(p.time, undefined)}</td>
                  <td>{p.workflow}</td>
                  <td>{p.action}</td>
                  <td>{p.reason ?? ''}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      )}
      {jobs.length > 0 && (
        <table aria-label="Backfill jobs" style={{ marginTop: '12px' }}>
          <thead>
            <tr>
              <th>Job</th>
              <th>Range</th>
              <th>State</th>
              <th>Progress</th>
              <th>Counts</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {jobs.map((j) => {
              const done = j.succeeded + j.failed + j.skipped;
              return (
                <tr key={j.id} data-job={j.id}>
                  <td class="mono">{j.id}</td>
                  <td>
                    {j.from} → {j.to}
                  </td>
                  <td>
                    <Phase phase={j.state === 'Cancelled' ? 'Skipped' : j.state} />
                  </td>
                  <td>
                    <span
                      class="bar"
                      role="progressbar"
                      aria-label={`Backfill ${j.id} progress`}
                      aria-valuemin={0}
                      aria-valuemax={j.total}
                      aria-valuenow={done}
                    >
                      <span style={{ width: `${j.total ? (done / j.total) * 100 : 100}%` }} />
                    </span>{' '}
                    {done}/{j.total}
                  </td>
                  <td>
                    {j.succeeded} ok · {j.failed} failed · {j.running} running · {j.skipped} skipped
                  </td>
                  <td>
                    {j.state === 'Running' && (
                      <button onClick={() => void api(`${base}/backfill/${enc(j.id)}`, { method: 'DELETE' }).then(onChange)}>Cancel</button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function CronPage({ params }: { params: Record<string, string> }) {
  const base = `/api/v1/cron-workflows/${enc(params.namespace)}/${enc(params.name)}`;
  const cron = useApi<Resource>(base, 2000);
  const next = useApi<{ timezone: string; times: string[] }>(
    `/api/v1/ui/cron-workflows/${enc(params.namespace)}/${enc(params.name)}/next?count=5`,
    30_000,
  );
  const [msg, setMsg] = useState('');
  if (cron.error && !cron.data) return <ErrorState error={cron.error} retry={cron.reload} />;
  if (!cron.data) return <Loading what="cron workflow" />;
  const spec = (cron.data.spec ?? {}) as CronSpec;
  const st = (cron.data.status ?? {}) as CronStatus;
  const zone = spec.timezone;
  const toggle = async (): Promise<void> => {
    try {
      await api(`${base}/${spec.suspend ? 'resume' : 'suspend'}`, { method: 'PUT', body: {} });
      cron.reload();
    } catch (e) {
      setMsg((e as Error).message);
    }
  };
  return (
    <section>
      <h1>
        <Link href="/cron">Cron workflows</Link> / {params.name}
      </h1>
      <div class="card">
        <KV
          rows={[
            ['Schedule', <code>{schedulesOf(spec).join('; ')}</code>],
            ['Time zone', zone ?? 'UTC'],
            ['Concurrency', spec.concurrencyPolicy ?? 'Allow'],
            ['State', spec.suspend ? 'Suspended' : (st.phase ?? 'Active')],
            ['Last scheduled', st.lastScheduledTime ? inZone(st.lastScheduledTime, zone) : 'never'],
            ['Succeeded / failed', `${st.succeeded ?? 0} / ${st.failed ?? 0}`],
            [
              'Active',
              st.active?.length
                ? st.active.map((a) => (
                    <Link key={a.name} href={`/workflows/${enc(params.namespace)}/${enc(a.name)}`}>
                      {a.name}{' '}
                    </Link>
                  ))
                : 'none',
            ],
            [
              'Runs',
              <Link href={`/workflows?cron=${enc(params.name)}&namespace=${enc(params.namespace)}`}>all workflows of this cron</Link>,
            ],
          ]}
        />
        <div class="row" style={{ marginTop: '8px' }}>
          <button onClick={() => void toggle()}>{spec.suspend ? 'Resume' : 'Suspend'}</button>
          <span role="status">{msg}</span>
        </div>
      </div>
      <h2>Next runs</h2>
      {next.error ? (
        <ErrorState error={next.error} />
      ) : (
        <table aria-label="Next runs" data-testid="next-runs">
          <thead>
            <tr>
              <th>In {zone ?? 'UTC'}</th>
              <th>In your zone ({browserZone()})</th>
            </tr>
          </thead>
          <tbody>
            {(next.data?.times ?? []).map((t) => (
              <tr key={t} data-time={t}>
                <td>{inZone(t, zone ?? 'UTC')}</td>
                <td>{inZone(t, undefined)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>History</h2>
      {(st.history ?? []).length === 0 ? (
        <Empty>No scheduled times handled yet.</Empty>
      ) : (
        <table aria-label="History">
          <thead>
            <tr>
              <th>Scheduled</th>
              <th>Outcome</th>
              <th>Workflow</th>
              <th>Phase</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {[...(st.history ?? [])].reverse().map((h) => (
              <tr key={`${h.time}-${h.outcome}`}>
                <td>
                  {inZone(h.time, zone)}
                  {h.count && h.count > 1 ? ` (+${h.count - 1} until ${h.until ? inZone(h.until, zone) : ''})` : ''}
                </td>
                <td>
                  {h.outcome}
                  {h.backfill ? ` (${h.backfill})` : ''}
                </td>
                <td>{h.workflow ? <Link href={`/workflows/${enc(params.namespace)}/${enc(h.workflow)}`}>{h.workflow}</Link> : ''}</td>
                <td>{h.phase ? <Phase phase={h.phase} /> : ''}</td>
                <td>{h.reason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Backfill base={base} zone={zone} jobs={st.backfills ?? []} onChange={cron.reload} />
    </section>
  );
}
