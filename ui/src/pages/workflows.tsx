// Workflows list: newest first, live (the watch stream adds new runs and moves phases without a reload), filters
// kept in the URL (namespace, phase, label, template, cron workflow, sensor, time range, name search), keyset
// pagination through /api/v1/ui/workflows (fast with 100,000 stored workflows), bulk delete/retry/resubmit.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, enc } from '../api';
import { Empty, ErrorState, Link, Loading, Phase } from '../components/ui';
import { age, span } from '../format';
import { useApi, useStream } from '../hooks';
import { navigate, qs } from '../router';
import type { Loc } from '../router';
import type { SummaryPage, WatchLine, Workflow, WorkflowSummary } from '../types';
import { startedBy } from './started-by';

const PHASES = ['', 'Pending', 'Running', 'Succeeded', 'Failed', 'Error'];
const FILTERS = ['namespace', 'phase', 'label', 'template', 'cron', 'sensor', 'search', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function labelSelector(f: Filters): string {
  const parts: string[] = [];
  if (f.label) parts.push(f.label);
  if (f.template) parts.push(`workflows.argoproj.io/workflow-template=${f.template}`);
  if (f.cron) parts.push(`workflows.argoproj.io/cron-workflow=${f.cron}`);
  if (f.sensor) parts.push(`events.weir.dev/sensor=${f.sensor}`);
  return parts.join(',');
}

/** The summary of a workflow from a watch event (same fields as the server's summaries). */
function summaryOf(w: Workflow): WorkflowSummary {
  const st = w.status ?? {};
  return {
    name: w.metadata.name,
    namespace: w.metadata.namespace ?? '',
    uid: w.metadata.uid ?? '',
    resourceVersion: w.metadata.resourceVersion ?? '',
    creationTimestamp: w.metadata.creationTimestamp ?? '',
    labels: w.metadata.labels ?? {},
    annotations: w.metadata.annotations ?? {},
    phase: st.phase ?? 'Pending',
    startedAt: st.startedAt,
    finishedAt: st.finishedAt,
    message: st.message,
    progress: st.progress,
    nodes: 0,
  };
}

const WATCH_FIELDS = [
  'type',
  'object.metadata.name',
  'object.metadata.namespace',
  'object.metadata.uid',
  'object.metadata.resourceVersion',
  'object.metadata.creationTimestamp',
  'object.metadata.labels',
  'object.metadata.annotations',
  'object.status.phase',
  'object.status.startedAt',
  'object.status.finishedAt',
  'object.status.message',
  'object.status.progress',
]
  .map((f) => `result.${f}`)
  .join(',');

function matchesClient(s: WorkflowSummary, f: Filters): boolean {
  if (f.phase && s.phase !== f.phase) return false;
  if (f.search && !s.name.toLowerCase().includes(f.search.toLowerCase())) return false;
  const t = Date.parse(s.creationTimestamp);
  if (f.since && t < Date.parse(f.since)) return false;
  if (f.until && t > Date.parse(f.until)) return false;
  return true;
}

export function WorkflowsPage({ loc }: { loc: Loc }) {
  const f = Object.fromEntries(FILTERS.map((k) => [k, loc.query.get(k) ?? ''])) as Filters;
  const cont = loc.query.get('continue') ?? '';
  const page = Number(loc.query.get('page') ?? '1');
  const sel = labelSelector(f);
  const toIso = (v: string): string => (v ? new Date(v).toISOString() : '');
  const path = `/api/v1/ui/workflows${f.namespace ? `/${enc(f.namespace)}` : ''}${qs({
    limit: '50',
    phase: f.phase,
    labelSelector: sel,
    search: f.search,
    since: toIso(f.since),
    until: toIso(f.until),
    continue: cont,
  })}`;
  const list = useApi<SummaryPage>(path);
  const { data, error, loading } = list;
  const reload = (): void => list.reload();
  const [rows, setRows] = useState<WorkflowSummary[]>([]);
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState('');
  const searchRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (data) setRows(data.items);
  }, [data]);
  useEffect(() => {
    const on = (e: KeyboardEvent): void => {
      if (e.key === '/' && document.activeElement?.tagName !== 'INPUT' && document.activeElement?.tagName !== 'TEXTAREA') {
        e.preventDefault();
        searchRef.current?.focus();
      }
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, []);

  const watchPath = data
    ? `/api/v1/workflow-events/${f.namespace ? enc(f.namespace) : ''}${qs({
        'listOptions.resourceVersion': data.resourceVersion,
        'listOptions.labelSelector': sel,
        fields: WATCH_FIELDS,
      })}`
    : undefined;
  useStream<WatchLine<Workflow>>(watchPath, (line) => {
    const ev = line.result;
    if (!ev) return;
    const s = summaryOf(ev.object);
    setRows((cur) => {
      const i = cur.findIndex((r) => r.uid === s.uid || (r.name === s.name && r.namespace === s.namespace));
      if (ev.type === 'DELETED') return i < 0 ? cur : cur.filter((_, j) => j !== i);
      if (i >= 0) {
        if (!matchesClient(s, f)) return cur.filter((_, j) => j !== i);
        const next = cur.slice();
        next[i] = { ...s, nodes: cur[i].nodes };
        return next;
      }
      if (ev.type === 'ADDED' && cont === '' && matchesClient(s, f)) return [s, ...cur].slice(0, 100);
      return cur;
    });
  });

  const setFilter = (k: keyof Filters, v: string): void => {
    const next: Record<string, string> = { ...f, [k]: v };
    navigate(`/workflows${qs(next)}`, true);
  };
  const keyOf = (r: WorkflowSummary): string => `${r.namespace}/${r.name}`;
  const allChecked = rows.length > 0 && rows.every((r) => checked.has(keyOf(r)));
  const bulk = async (verb: 'delete' | 'retry' | 'resubmit'): Promise<void> => {
    const targets = rows.filter((r) => checked.has(keyOf(r)));
    if (targets.length === 0) return;
    if (verb === 'delete' && !confirm(`Delete ${targets.length} workflow(s)?`)) return;
    setBusy(`${verb}…`);
    const results = await Promise.allSettled(
      targets.map((r) => {
        const base = `/api/v1/workflows/${enc(r.namespace)}/${enc(r.name)}`;
        return verb === 'delete' ? api(base, { method: 'DELETE' }) : api(`${base}/${verb}`, { method: 'PUT', body: {} });
      }),
    );
    const failed = results.filter((x) => x.status === 'rejected').length;
    setBusy(failed > 0 ? `${verb}: ${failed} of ${targets.length} failed` : `${verb}: done for ${targets.length}`);
    setChecked(new Set());
    reload();
  };
  const nextPage = (): void => {
    if (data?.continue) navigate(`/workflows${qs({ ...f, continue: data.continue, page: String(page + 1) })}`);
  };
  const now = Date.now();
  const count = useMemo(() => rows.length, [rows]);

  return (
    <section aria-labelledby="wf-title">
      <h1 id="wf-title">Workflows</h1>
      <form class="row card" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search name
          <input
            ref={searchRef}
            type="search"
            value={f.search}
            placeholder="press / to focus"
            onChange={(e) => setFilter('search', e.currentTarget.value)}
          />
        </label>
        <label>
          Namespace
          <input value={f.namespace} size={10} onChange={(e) => setFilter('namespace', e.currentTarget.value)} />
        </label>
        <label>
          Phase
          <select value={f.phase} onChange={(e) => setFilter('phase', e.currentTarget.value)}>
            {PHASES.map((p) => (
              <option key={p} value={p}>
                {p || 'any'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Label selector
          <input value={f.label} size={14} placeholder="k=v,k2" onChange={(e) => setFilter('label', e.currentTarget.value)} />
        </label>
        <label>
          Template
          <input value={f.template} size={10} onChange={(e) => setFilter('template', e.currentTarget.value)} />
        </label>
        <label>
          Cron workflow
          <input value={f.cron} size={10} onChange={(e) => setFilter('cron', e.currentTarget.value)} />
        </label>
        <label>
          Sensor
          <input value={f.sensor} size={10} onChange={(e) => setFilter('sensor', e.currentTarget.value)} />
        </label>
        <label>
          Created after
          <input type="datetime-local" value={f.since} onChange={(e) => setFilter('since', e.currentTarget.value)} />
        </label>
        <label>
          Created before
          <input type="datetime-local" value={f.until} onChange={(e) => setFilter('until', e.currentTarget.value)} />
        </label>
      </form>
      <div class="toolbar" style={{ marginBottom: '8px' }}>
        <button disabled={checked.size === 0} onClick={() => void bulk('retry')}>
          Retry
        </button>
        <button disabled={checked.size === 0} onClick={() => void bulk('resubmit')}>
          Resubmit
        </button>
        <button class="danger" disabled={checked.size === 0} onClick={() => void bulk('delete')}>
          Delete
        </button>
        <span class="muted" role="status">
          {checked.size > 0 ? `${checked.size} selected. ` : ''}
          {busy}
        </span>
      </div>
      {error && !data ? (
        <ErrorState error={error} retry={reload} />
      ) : !data && loading ? (
        <Loading what="workflows" />
      ) : count === 0 ? (
        <Empty>
          No workflows{Object.values(f).some(Boolean) ? ' match these filters' : ' yet'}. Submit one from{' '}
          <Link href="/templates">Templates</Link> or with <code>weir submit</code>.
        </Empty>
      ) : (
        <table aria-label="Workflows" data-testid="wf-table">
          <thead>
            <tr>
              <th style={{ width: '32px' }}>
                <input
                  type="checkbox"
                  aria-label="Select all"
                  checked={allChecked}
                  onChange={() => setChecked(allChecked ? new Set() : new Set(rows.map(keyOf)))}
                />
              </th>
              <th>Status</th>
              <th>Name</th>
              <th>Namespace</th>
              <th>Created</th>
              <th>Duration</th>
              <th>Progress</th>
              <th>Started by</th>
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.uid || keyOf(r)} data-name={r.name}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${r.name}`}
                    checked={checked.has(keyOf(r))}
                    onChange={() => {
                      const next = new Set(checked);
                      if (next.has(keyOf(r))) next.delete(keyOf(r));
                      else next.add(keyOf(r));
                      setChecked(next);
                    }}
                  />
                </td>
                <td>
                  <Phase phase={r.phase} />
                </td>
                <td>
                  <Link href={`/workflows/${enc(r.namespace)}/${enc(r.name)}`}>{r.name}</Link>
                </td>
                <td>{r.namespace}</td>
                <td title={r.creationTimestamp}>{age(r.creationTimestamp, now)} ago</td>
                <td>{span(r.startedAt, r.finishedAt, now)}</td>
                <td>{r.progress ?? ''}</td>
                <td>{startedBy(r.labels, r.annotations, r.namespace, true)}</td>
                <td class="muted" title={r.message}>
                  {r.message ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages">
        <button disabled={page <= 1} onClick={() => history.back()}>
          Previous
        </button>
        <span>Page {page}</span>
        <button disabled={!data?.continue} onClick={nextPage}>
          Next
        </button>
        {data && <span class="muted">{data.scanned > data.items.length ? `(${data.scanned} scanned)` : ''}</span>}
      </nav>
    </section>
  );
}
