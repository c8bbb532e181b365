// The workflow page: header (phase, times, "started by", actions), the live graph with collapsed fan-outs and the
// node side panel with live logs, a timeline (Gantt) of the steps, and the YAML. The watch stream keeps it live; a
// phase change only recolours boxes, the layout is recomputed only when nodes appear or a group opens/closes.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, enc, ApiError, workflowViewPath } from '../api';
import { ErrorState, KV, Link, Loading, Phase, Tabs } from '../components/ui';
import { age, span } from '../format';
import { useStream } from '../hooks';
import { navigate, qs } from '../router';
import type { Loc } from '../router';
import type { NodeStatus, PatchLine, Workflow, WorkflowView } from '../types';
import { decodeNodes } from '../../../src/server/ui-node-table.js';
import { GraphView } from '../graph/graph-view';
import { buildGraph, phasesOf } from '../graph/model';
import { layout } from '../graph/layout';
import { Logs, NodePanel } from './node-panel';
import { startedBy } from './started-by';
import { Timeline } from './timeline';
import { YamlView } from './yaml-view';

type Tab = 'graph' | 'timeline' | 'yaml';
const TABS: [Tab, string][] = [
  ['graph', 'Graph'],
  ['timeline', 'Timeline'],
  ['yaml', 'YAML'],
];

function Actions({ wf, onError }: { wf: Workflow; onError: (m: string) => void }) {
  const ns = wf.metadata.namespace ?? 'default';
  const base = `/api/v1/workflows/${enc(ns)}/${enc(wf.metadata.name)}`;
  const phase = wf.status?.phase ?? 'Pending';
  const running = phase === 'Running' || phase === 'Pending';
  const suspended = wf.spec?.suspend === true;
  const [memo, setMemo] = useState(false);
  const run = async (verb: string, body: Record<string, unknown> = {}): Promise<void> => {
    try {
      if (verb === 'delete') {
        if (!confirm(`Delete workflow ${wf.metadata.name}?`)) return;
        await api(base, { method: 'DELETE' });
        navigate('/workflows');
        return;
      }
      if ((verb === 'terminate' || verb === 'stop') && !confirm(`${verb} workflow ${wf.metadata.name}?`)) return;
      const out = await api<Workflow>(`${base}/${verb}`, { method: 'PUT', body });
      if (verb === 'resubmit') navigate(`/workflows/${enc(out.metadata.namespace ?? ns)}/${enc(out.metadata.name)}`);
    } catch (e) {
      onError((e as Error).message);
    }
  };
  return (
    <div class="toolbar">
      <button disabled={running} onClick={() => void run('retry')}>
        Retry
      </button>
      <button onClick={() => void run('resubmit', { memoized: memo })}>Resubmit</button>
      <label style={{ flexDirection: 'row', alignItems: 'center' }}>
        <input type="checkbox" checked={memo} onChange={() => setMemo(!memo)} />
        memoized
      </label>
      {suspended ? (
        <button disabled={!running} onClick={() => void run('resume')}>
          Resume
        </button>
      ) : (
        <button disabled={!running} onClick={() => void run('suspend')}>
          Suspend
        </button>
      )}
      <button disabled={!running} onClick={() => void run('stop')}>
        Stop
      </button>
      <button disabled={!running} onClick={() => void run('terminate')}>
        Terminate
      </button>
      <button class="danger" onClick={() => void run('delete')}>
        Delete
      </button>
    </div>
  );
}

function fromView(v: WorkflowView): Workflow {
  if (!v.nodeTable) return v.workflow;
  return { ...v.workflow, status: { ...v.workflow.status, nodes: decodeNodes<NodeStatus>(v.nodeTable) } };
}

export function WorkflowPage({ params, loc }: { params: Record<string, string>; loc: Loc }) {
  const { namespace: ns, name } = params;
  const tab = (loc.query.get('tab') ?? 'graph') as Tab;
  const selected = loc.query.get('node') ?? undefined;
  const [wf, setWf] = useState<Workflow | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const [actionError, setActionError] = useState('');
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [rv, setRv] = useState<string | undefined>();
  useEffect(() => {
    setWf(undefined);
    setError(undefined);
    const ac = new AbortController();
    api<WorkflowView>(workflowViewPath(ns, name), { signal: ac.signal }).then(
      (v) => {
        const w = fromView(v);
        setWf(w);
        setRv(w.metadata.resourceVersion);
      },
      (e: Error) => setError(e),
    );
    return () => ac.abort();
  }, [ns, name]);
  // Node-level patches after the version the GET returned: a phase change costs bytes, not the whole object.
  const watch = rv ? `/api/v1/ui/workflow-patches/${enc(ns)}/${enc(name)}${qs({ resourceVersion: rv })}` : undefined;
  useStream<PatchLine>(watch, (l) => {
    const p = l.result;
    if (!p) return;
    if (p.type === 'DELETED') setError(new ApiError(404, 'NOT_FOUND', `workflow ${name} was deleted`));
    else if (p.type === 'SNAPSHOT') setWf(p.object);
    else
      setWf((cur) => {
        if (!cur) return cur;
        const nodes = { ...cur.status?.nodes, ...p.nodes };
        for (const id of p.removed) delete nodes[id];
        return { ...cur, metadata: p.metadata, spec: p.spec ?? cur.spec, status: { ...p.status, nodes } };
      });
  });
  const nodes = wf?.status?.nodes ?? {};
  const count = Object.keys(nodes).length;
  const expandAll = loc.query.get('expand') === 'all';
  const structure = `${count}|${expandAll}|${[...expanded].join(',')}`;
  const graph = useMemo(() => layout(buildGraph(nodes, (g) => expandAll !== expanded.has(g))), [structure, name]);
  const phases = useMemo(() => phasesOf(graph, nodes), [graph, nodes]);
  if (error) return <ErrorState error={error} />;
  if (!wf) return <Loading what={`workflow ${name}`} />;
  const setQuery = (k: string, v: string | undefined): void => {
    const q: Record<string, string | undefined> = {
      tab: loc.query.get('tab') ?? undefined,
      expand: loc.query.get('expand') ?? undefined,
      node: selected,
      [k]: v,
    };
    navigate(`/workflows/${enc(ns)}/${enc(name)}${qs(q)}`);
  };
  const node: NodeStatus | undefined = selected ? nodes[selected] : undefined;
  const st = wf.status ?? {};
  const by = startedBy(wf.metadata.labels ?? {}, wf.metadata.annotations ?? {}, ns);
  return (
    <>
      <div style={{ padding: '12px 16px 0', flex: 'none' }}>
        <div class="row" style={{ justifyContent: 'space-between', alignItems: 'center' }}>
          <h1 style={{ margin: 0 }}>
            <Link href="/workflows">Workflows</Link> / {name} <Phase phase={st.phase} />
          </h1>
          <Actions wf={wf} onError={setActionError} />
        </div>
        <div class="muted" style={{ margin: '6px 0' }}>
          {ns} · created {age(wf.metadata.creationTimestamp)} ago · duration {span(st.startedAt, st.finishedAt)}
          {st.progress ? ` · progress ${st.progress}` : ''}
          {by !== '' && <> · started by {by}</>}
          {st.message ? ` · ${st.message}` : ''}
        </div>
        {actionError && (
          <div class="state error" role="alert" style={{ padding: '6px' }}>
            {actionError}
          </div>
        )}
        <Tabs tabs={TABS} value={tab} onChange={(t) => setQuery('tab', t === 'graph' ? undefined : t)} />
      </div>
      <div class="split">
        <div class="graph-pane">
          {tab === 'graph' &&
            (count === 0 ? (
              <div class="state">No nodes yet: the workflow has not started.</div>
            ) : (
              <GraphView
                graph={graph}
                phases={phases}
                selected={selected}
                label={`Graph of workflow ${name}`}
                labelOf={(id) => nodes[id]?.displayName ?? id}
                onSelect={(id) => setQuery('node', id === selected ? undefined : id)}
                onToggle={(gid) =>
                  setExpanded((cur) => {
                    const n = new Set(cur);
                    if (n.has(gid)) n.delete(gid);
                    else n.add(gid);
                    return n;
                  })
                }
              />
            ))}
          {tab === 'timeline' && <Timeline nodes={nodes} onSelect={(id) => setQuery('node', id)} />}
          {tab === 'yaml' && <YamlView value={wf} />}
        </div>
        <aside aria-label="Details">
          {node ? (
            <NodePanel wf={wf} node={node} />
          ) : (
            <>
              <h2 style={{ marginTop: 0 }}>Workflow</h2>
              <KV
                rows={[
                  ['Name', name],
                  ['Namespace', ns],
                  ['Phase', st.phase ?? 'Pending'],
                  ['Started', st.startedAt],
                  ['Finished', st.finishedAt],
                  ['Entrypoint', typeof wf.spec?.entrypoint === 'string' ? wf.spec.entrypoint : ''],
                  ['Nodes', String(count)],
                ]}
              />
              <p class="help">Select a node in the graph to see its inputs, outputs and logs.</p>
              <Logs ns={ns} name={name} live={st.phase === 'Running' || st.phase === 'Pending' || st.phase === undefined} />
            </>
          )}
        </aside>
      </div>
    </>
  );
}
