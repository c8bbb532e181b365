// Templates: WorkflowTemplates and ClusterWorkflowTemplates, and per template its submit form (built from the
// parameters: enum → select, description as help, defaults prefilled, required ones checked; entrypoint; labels),
// its run history (every workflow created from it, with phase, duration and a success-rate sparkline), the planned
// graph and the YAML. After a submit the browser lands on the new, live workflow.
import { useMemo, useState } from 'preact/hooks';
import { api, enc } from '../api';
import { Empty, ErrorState, Link, Loading, Phase, Tabs } from '../components/ui';
import { Sparkline } from '../components/sparkline';
import { age, span } from '../format';
import { useApi } from '../hooks';
import { navigate, qs } from '../router';
import type { Loc } from '../router';
import type { ListBody, Parameter, Resource, SummaryPage, TemplateSpec, Workflow } from '../types';
import { GraphView } from '../graph/graph-view';
import { buildGraph, phasesOf } from '../graph/model';
import { layout } from '../graph/layout';
import { plannedNodes } from '../graph/plan';
import { YamlView } from './yaml-view';

interface Spec {
  entrypoint?: string;
  templates?: TemplateSpec[];
  arguments?: { parameters?: Parameter[] };
}

export function TemplatesPage() {
  const wt = useApi<ListBody<Resource>>('/api/v1/workflow-templates/');
  const cwt = useApi<ListBody<Resource>>('/api/v1/cluster-workflow-templates');
  const error = wt.error ?? cwt.error;
  if (error)
    return (
      <ErrorState
        error={error}
        retry={() => {
          wt.reload();
          cwt.reload();
        }}
      />
    );
  if (!wt.data || !cwt.data) return <Loading what="templates" />;
  const rows = [...(wt.data.items ?? []).map((t) => ({ t, cluster: false })), ...(cwt.data.items ?? []).map((t) => ({ t, cluster: true }))];
  return (
    <section>
      <h1>Templates</h1>
      {rows.length === 0 ? (
        <Empty>
          No WorkflowTemplates yet. Create one with <code>weir template create FILE</code>.
        </Empty>
      ) : (
        <table aria-label="Templates">
          <thead>
            <tr>
              <th>Name</th>
              <th>Scope</th>
              <th>Entrypoint</th>
              <th>Parameters</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ t, cluster }) => {
              const spec = (t.spec ?? {}) as Spec;
              const href = cluster
                ? `/cluster-templates/${enc(t.metadata.name)}`
                : `/templates/${enc(t.metadata.namespace ?? 'default')}/${enc(t.metadata.name)}`;
              return (
                <tr key={href}>
                  <td>
                    <Link href={href}>{t.metadata.name}</Link>
                  </td>
                  <td>{cluster ? 'cluster' : t.metadata.namespace}</td>
                  <td>{spec.entrypoint ?? ''}</td>
                  <td>{(spec.arguments?.parameters ?? []).map((p) => p.name).join(', ')}</td>
                  <td>{age(t.metadata.creationTimestamp)} ago</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SubmitForm({ t, cluster, ns }: { t: Resource; cluster: boolean; ns: string }) {
  const spec = (t.spec ?? {}) as Spec;
  const params = spec.arguments?.parameters ?? [];
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(params.map((p) => [p.name, p.value ?? p.default ?? p.enum?.[0] ?? ''])),
  );
  const [entry, setEntry] = useState(spec.entrypoint ?? spec.templates?.[0]?.name ?? '');
  const [labels, setLabels] = useState('');
  const [namespace, setNamespace] = useState(ns);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const missing = params.filter((p) => (values[p.name] ?? '') === '' && p.value === undefined && p.default === undefined);
  const badLabels = labels.trim() !== '' && !labels.split(',').every((l) => /^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*$/.test(l.trim()));
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError('');
    try {
      const wf = await api<Workflow>(`/api/v1/workflows/${enc(namespace)}/submit`, {
        method: 'POST',
        body: {
          resourceKind: cluster ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate',
          resourceName: t.metadata.name,
          submitOptions: {
            entrypoint: entry,
            parameters: params.map((p) => `${p.name}=${values[p.name] ?? ''}`),
            ...(labels.trim() ? { labels: labels.trim() } : {}),
          },
        },
      });
      navigate(`/workflows/${enc(wf.metadata.namespace ?? namespace)}/${enc(wf.metadata.name)}`);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  return (
    <form
      class="card"
      style={{ maxWidth: '640px', display: 'flex', flexDirection: 'column', gap: '10px' }}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      aria-label="Submit"
    >
      {cluster && (
        <label>
          Namespace
          <input value={namespace} required onInput={(e) => setNamespace(e.currentTarget.value)} />
        </label>
      )}
      <label>
        Entrypoint
        <select value={entry} onChange={(e) => setEntry(e.currentTarget.value)}>
          {(spec.templates ?? []).map((x) => (
            <option key={x.name} value={x.name}>
              {x.name}
            </option>
          ))}
        </select>
      </label>
      {params.map((p) => (
        <label key={p.name}>
          {p.name}
          {p.enum ? (
            <select name={p.name} value={values[p.name]} onChange={(e) => setValues({ ...values, [p.name]: e.currentTarget.value })}>
              {p.enum.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          ) : (
            <input
              name={p.name}
              value={values[p.name]}
              aria-invalid={missing.includes(p)}
              onInput={(e) => setValues({ ...values, [p.name]: e.currentTarget.value })}
            />
          )}
          {p.description && <span class="help">{p.description}</span>}
        </label>
      ))}
      <label>
        Labels
        <input value={labels} placeholder="team=data,env=dev" aria-invalid={badLabels} onInput={(e) => setLabels(e.currentTarget.value)} />
        {badLabels && (
          <span class="help" style={{ color: 'var(--bad)' }}>
            Labels must be key=value pairs separated by commas.
          </span>
        )}
      </label>
      {missing.length > 0 && (
        <span class="help" role="status">
          Required: {missing.map((p) => p.name).join(', ')}
        </span>
      )}
      <div class="row">
        <button class="primary" type="submit" disabled={busy || missing.length > 0 || badLabels}>
          Submit
        </button>
      </div>
      {error && (
        <div class="state error" role="alert" style={{ padding: '6px' }}>
          {error}
        </div>
      )}
    </form>
  );
}

function Runs({ name, cluster, ns }: { name: string; cluster: boolean; ns: string }) {
  const label = cluster ? 'workflows.argoproj.io/cluster-workflow-template' : 'workflows.argoproj.io/workflow-template';
  const runs = useApi<SummaryPage>(
    `/api/v1/ui/workflows${cluster ? '' : `/${enc(ns)}`}${qs({ labelSelector: `${label}=${name}`, limit: '100' })}`,
    5000,
  );
  if (runs.error) return <ErrorState error={runs.error} retry={runs.reload} />;
  if (!runs.data) return <Loading what="runs" />;
  const items = runs.data.items;
  return (
    <div>
      <p>
        {items.length} run(s)
        {items.length > 0 && (
          <>
            {' '}
            · <Sparkline runs={items} />
          </>
        )}{' '}
        ·{' '}
        <Link href={`/workflows${qs({ [cluster ? 'label' : 'template']: cluster ? `${label}=${name}` : name })}`}>
          open in workflow list
        </Link>
      </p>
      {items.length === 0 ? (
        <Empty>No runs yet. Submit one from the Submit tab.</Empty>
      ) : (
        <table aria-label="Runs">
          <thead>
            <tr>
              <th>Status</th>
              <th>Name</th>
              <th>Created</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.uid}>
                <td>
                  <Phase phase={r.phase} />
                </td>
                <td>
                  <Link href={`/workflows/${enc(r.namespace)}/${enc(r.name)}`}>{r.name}</Link>
                </td>
                <td>{age(r.creationTimestamp)} ago</td>
                <td>{span(r.startedAt, r.finishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Planned({ spec }: { spec: Spec }) {
  const nodes = useMemo(() => plannedNodes(spec.templates ?? [], spec.entrypoint), [spec]);
  const graph = useMemo(() => layout(buildGraph(nodes, () => false)), [nodes]);
  const phases = useMemo(() => phasesOf(graph, nodes), [graph, nodes]);
  return (
    <div style={{ height: '520px', display: 'flex' }}>
      <GraphView
        graph={graph}
        phases={phases}
        label="Planned graph"
        labelOf={(id) => nodes[id]?.displayName ?? id}
        onSelect={() => undefined}
        onToggle={() => undefined}
      />
    </div>
  );
}

type Tab = 'submit' | 'runs' | 'graph' | 'yaml';
const TABS: [Tab, string][] = [
  ['submit', 'Submit'],
  ['runs', 'Runs'],
  ['graph', 'Planned graph'],
  ['yaml', 'YAML'],
];

export function TemplatePage({ params, loc }: { params: Record<string, string>; loc: Loc }) {
  const cluster = params.namespace === undefined;
  const ns = params.namespace ?? 'default';
  const path = cluster
    ? `/api/v1/cluster-workflow-templates/${enc(params.name)}`
    : `/api/v1/workflow-templates/${enc(ns)}/${enc(params.name)}`;
  const t = useApi<Resource>(path);
  const tab = (loc.query.get('tab') ?? 'submit') as Tab;
  if (t.error) return <ErrorState error={t.error} retry={t.reload} />;
  if (!t.data) return <Loading what="template" />;
  const spec = (t.data.spec ?? {}) as Spec;
  return (
    <section>
      <h1>
        <Link href="/templates">Templates</Link> / {params.name} <span class="muted">{cluster ? '(cluster)' : ns}</span>
      </h1>
      <Tabs tabs={TABS} value={tab} onChange={(x) => navigate(`${loc.path}${qs({ tab: x === 'submit' ? undefined : x })}`)} />
      {tab === 'submit' && <SubmitForm t={t.data} cluster={cluster} ns={ns} />}
      {tab === 'runs' && <Runs name={params.name} cluster={cluster} ns={ns} />}
      {tab === 'graph' && <Planned spec={spec} />}
      {tab === 'yaml' && <YamlView value={t.data} />}
    </section>
  );
}
