// A sensor's page: its dependency graph (event sources → dependencies with their filters → triggers with their
// conditions), the decision log (every event: matched, filtered out and by which filter with the value seen,
// waiting, triggered, deduplicated, failed, dead-lettered), an in-browser test (recorded or pasted events replayed
// through the same evaluation the server runs; nothing is created), logs and YAML.
import { useMemo, useState } from 'preact/hooks';
import { api, enc } from '../api';
import { Empty, ErrorState, Link, Loading, Tabs } from '../components/ui';
import { useApi } from '../hooks';
import { navigate, qs } from '../router';
import type { Loc } from '../router';
import type { Decision, RecordedEvent, Resource } from '../types';
import { GraphView } from '../graph/graph-view';
import { layout } from '../graph/layout';
import type { GEdge, GNode, Graph } from '../graph/model';
import { ComponentLogs } from './events';
import { YamlView } from './yaml-view';

interface Dep {
  name: string;
  eventSourceName: string;
  eventName: string;
  filters?: Record<string, unknown>;
  filtersLogicalOperator?: string;
}
interface Trig {
  template?: { name?: string; conditions?: string; argoWorkflow?: unknown; http?: unknown; log?: unknown; k8s?: unknown };
}
interface SensorSpec {
  dependencies?: Dep[];
  triggers?: Trig[];
}
interface History {
  decisions: Decision[];
  events: RecordedEvent[];
  status: { events: number; counts: Record<string, number>; errors: number };
}

const DECISION_PHASE: Record<string, string> = {
  matched: 'Running',
  'filtered-out': 'Skipped',
  ignored: 'Skipped',
  waiting: 'Pending',
  triggered: 'Succeeded',
  done: 'Succeeded',
  deduplicated: 'Omitted',
  failed: 'Failed',
  'dead-lettered': 'Error',
  reset: 'Pending',
};

function sensorGraph(spec: SensorSpec): Graph {
  const nodes: GNode[] = [];
  const edges: GEdge[] = [];
  const mk = (id: string, label: string, sub: string, phase: string): void => {
    nodes.push({ id, kind: 'node', label, sub, phase, w: 200, h: 44, x: 0, y: 0 });
  };
  const deps = spec.dependencies ?? [];
  for (const d of deps) {
    const src = `src:${d.eventSourceName}/${d.eventName}`;
    if (!nodes.some((n) => n.id === src)) mk(src, `${d.eventSourceName}/${d.eventName}`, 'event source', 'Planned');
    mk(`dep:${d.name}`, d.name, d.filters ? `filters: ${Object.keys(d.filters).join(', ')}` : 'no filters', 'Running');
    edges.push({ from: src, to: `dep:${d.name}` });
  }
  for (const t of spec.triggers ?? []) {
    const name = t.template?.name ?? '?';
    const kind = Object.keys(t.template ?? {}).find((k) => !['name', 'conditions', 'conditionsReset'].includes(k)) ?? '';
    mk(`trig:${name}`, name, `${kind}${t.template?.conditions ? ` when ${t.template.conditions}` : ''}`, 'Succeeded');
    const cond = t.template?.conditions;
    for (const d of deps)
      if (!cond || new RegExp(`(^|[^A-Za-z0-9_-])${d.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^A-Za-z0-9_-]|$)`).test(cond))
        edges.push({ from: `dep:${d.name}`, to: `trig:${name}` });
  }
  return layout({ nodes, edges, owner: new Map(), width: 0, height: 0 });
}

export function describe(d: Decision): string {
  switch (d.type) {
    case 'matched':
      return `matched dependency ${d.dependency ?? ''}`;
    case 'filtered-out':
      return `filtered out of ${d.dependency ?? ''} by ${d.filter ?? ''} filter: ${d.reason ?? ''}`;
    case 'waiting':
      return `${d.trigger ?? ''} waiting for ${(d.waitingFor ?? []).join(', ') || '(conditions)'}; have ${(d.satisfied ?? []).join(', ')}`;
    case 'triggered':
      return `${d.trigger ?? ''} triggered: ${d.plan?.summary ?? ''}`;
    case 'deduplicated':
      return `${d.trigger ?? ''} deduplicated: ${d.reason ?? ''}`;
    case 'failed':
      return `${d.trigger ?? ''} failed: ${typeof d.error === 'string' ? d.error : ''}`;
    case 'dead-lettered':
      return `${d.trigger ?? ''} dead-lettered: ${typeof d.error === 'string' ? d.error : ''}`;
    case 'done':
      return `${d.trigger ?? ''} done`;
    default:
      return d.reason ?? d.type;
  }
}

export function DecisionBadge({ type }: { type: string }) {
  return (
    <span class={`badge ph-${DECISION_PHASE[type] ?? 'Pending'}`} data-decision={type}>
      {type}
    </span>
  );
}

function DecisionLog({ ns, name }: { ns: string; name: string }) {
  const h = useApi<History>(`/api/v1/ui/sensors/${enc(ns)}/${enc(name)}/history`, 3000);
  const [type, setType] = useState('');
  if (h.error && !h.data) return <ErrorState error={h.error} retry={h.reload} />;
  if (!h.data) return <Loading what="decision log" />;
  const rows = [...h.data.decisions].reverse().filter((d) => type === '' || d.type === type);
  return (
    <div>
      <div class="row" style={{ marginBottom: '8px' }}>
        <label>
          Decision
          <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">all</option>
            {Object.keys(DECISION_PHASE).map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <span class="muted">
          {h.data.status.events} events ·{' '}
          {Object.entries(h.data.status.counts)
            .map(([k, v]) => `${v} ${k}`)
            .join(' · ')}
        </span>
      </div>
      {rows.length === 0 ? (
        <Empty>No decisions recorded yet. Send an event to one of this sensor's event sources.</Empty>
      ) : (
        <table aria-label="Decision log" data-testid="decision-log">
          <thead>
            <tr>
              <th>Time</th>
              <th>Event</th>
              <th>Decision</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, 500).map((d, i) => (
              <tr key={`${d.at}-${i}`}>
                <td>{d.at}</td>
                <td>
                  <Link href={`/lineage${qs({ q: d.eventId })}`}>{d.eventId}</Link>
                </td>
                <td>
                  <DecisionBadge type={d.type} />
                </td>
                <td title={describe(d)}>{describe(d)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

interface TestResult {
  results: { event: RecordedEvent; decisions: Decision[] }[];
}

function SensorTest({ ns, name, spec }: { ns: string; name: string; spec: SensorSpec }) {
  const h = useApi<History>(`/api/v1/ui/sensors/${enc(ns)}/${enc(name)}/history`);
  const example = useMemo(
    () =>
      JSON.stringify(
        (spec.dependencies ?? [])
          .slice(0, 1)
          .map((d) => ({ eventSourceName: d.eventSourceName, eventName: d.eventName, data: { body: {} } })),
        null,
        2,
      ),
    [spec],
  );
  const [text, setText] = useState<string | undefined>();
  const [out, setOut] = useState<TestResult | undefined>();
  const [error, setError] = useState('');
  const run = async (): Promise<void> => {
    setError('');
    let events: unknown;
    try {
      events = JSON.parse(text ?? example);
    } catch (e) {
      setError(`Events must be a JSON list: ${(e as Error).message}`);
      return;
    }
    try {
      setOut(
        await api<TestResult>(`/api/v1/ui/sensors/${enc(ns)}/${enc(name)}/test`, {
          method: 'POST',
          body: { events: Array.isArray(events) ? events : [events] },
        }),
      );
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const recorded = h.data?.events ?? [];
  return (
    <div>
      <p class="help">
        Paste events (a JSON list of CloudEvents or {'{eventSourceName, eventName, data}'}) or pick recorded ones. They run through this
        sensor's filters, conditions and parameters as the server would; no workflow is created.
      </p>
      <div class="row" style={{ marginBottom: '8px' }}>
        <button disabled={recorded.length === 0} onClick={() => setText(JSON.stringify(recorded.slice(-5), null, 2))}>
          Use the last {Math.min(5, recorded.length)} recorded events
        </button>
      </div>
      <label style={{ width: '100%' }}>
        Events
        <textarea
          rows={10}
          style={{ width: '100%' }}
          class="mono"
          value={text ?? example}
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <div class="row" style={{ margin: '8px 0' }}>
        <button class="primary" onClick={() => void run()}>
          Run test
        </button>
      </div>
      {error && (
        <div class="state error" role="alert" style={{ padding: '6px' }}>
          {error}
        </div>
      )}
      {out && (
        <div data-testid="test-results">
          {out.results.map((r, i) => (
            <div class="card" key={i}>
              <strong>
                {r.event.source}/{r.event.subject}
              </strong>{' '}
              <span class="muted">{r.event.id}</span>
              <ul>
                {r.decisions.map((d, j) => (
                  <li key={j}>
                    <DecisionBadge type={d.type} /> {describe(d)}
                    {d.type === 'triggered' && d.plan && (
                      <details>
                        <summary>What would be created</summary>
                        <pre tabIndex={0}>{JSON.stringify(d.plan.action, null, 2)}</pre>
                      </details>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

type Tab = 'decisions' | 'graph' | 'test' | 'logs' | 'yaml';
const TABS: [Tab, string][] = [
  ['decisions', 'Decision log'],
  ['graph', 'Dependencies'],
  ['test', 'Test'],
  ['logs', 'Logs'],
  ['yaml', 'YAML'],
];

export function SensorPage({ params, loc }: { params: Record<string, string>; loc: Loc }) {
  const { namespace: ns, name } = params;
  const r = useApi<Resource>(`/api/v1/sensors/${enc(ns)}/${enc(name)}`);
  const tab = (loc.query.get('tab') ?? 'decisions') as Tab;
  const spec = (r.data?.spec ?? {}) as SensorSpec;
  const graph = useMemo(() => sensorGraph((r.data?.spec ?? {}) as SensorSpec), [r.data]);
  if (r.error) return <ErrorState error={r.error} retry={r.reload} />;
  if (!r.data) return <Loading what="sensor" />;
  return (
    <section>
      <h1>
        <Link href="/events">Events</Link> / sensor {name} <span class="muted">{ns}</span>
      </h1>
      <p>
        <Link href={`/workflows${qs({ sensor: name, namespace: ns })}`}>Workflows started by this sensor</Link>
      </p>
      <Tabs tabs={TABS} value={tab} onChange={(t) => navigate(`${loc.path}${qs({ tab: t === 'decisions' ? undefined : t })}`)} />
      {tab === 'decisions' && <DecisionLog ns={ns} name={name} />}
      {tab === 'graph' && (
        <div style={{ height: '460px', display: 'flex' }}>
          <GraphView
            graph={graph}
            phases={new Map()}
            label={`Dependencies of sensor ${name}`}
            labelOf={(id) => id}
            onSelect={() => undefined}
            onToggle={() => undefined}
          />
        </div>
      )}
      {tab === 'test' && <SensorTest ns={ns} name={name} spec={spec} />}
      {tab === 'logs' && <ComponentLogs kind="sensors" ns={ns} name={name} />}
      {tab === 'yaml' && <YamlView value={r.data} />}
    </section>
  );
}
