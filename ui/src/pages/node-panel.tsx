// The side panel of the workflow page: for the selected node its phase, times, duration, message, retries, inputs
// and outputs (parameters, artifacts with download links) and its logs streaming live; with no node selected, the
// workflow's summary and the live logs of all its steps. A waiting Suspend node can be resumed with its
// intermediate parameters here.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, downloadFile, enc } from '../api';
import { KV, Phase } from '../components/ui';
import { span } from '../format';
import { useStream } from '../hooks';
import { qs } from '../router';
import type { Artifact, NodeStatus, Workflow } from '../types';
import { shownPhase } from '../graph/model';

interface LogLine {
  result?: { content?: string; podName?: string };
}

export function Logs({ ns, name, podName, live }: { ns: string; name: string; podName?: string; live: boolean }) {
  const [lines, setLines] = useState<string[]>([]);
  const box = useRef<HTMLPreElement>(null);
  const path = `/api/v1/workflows/${enc(ns)}/${enc(name)}/log${qs({ podName, 'logOptions.container': 'main', 'logOptions.follow': live ? 'true' : undefined })}`;
  useEffect(() => setLines([]), [path]);
  useStream<LogLine>(
    path,
    (l) => {
      const c = l.result?.content;
      if (c === undefined) return;
      setLines((cur) =>
        cur.length > 5000
          ? [...cur.slice(-4000), podName ? c : `${l.result?.podName ?? ''}: ${c}`]
          : [...cur, podName ? c : `${l.result?.podName ?? ''}: ${c}`],
      );
    },
    false,
  );
  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <>
      <h2>Logs {live && <span class="muted">(live)</span>}</h2>
      <pre class="logs" ref={box} tabIndex={0} aria-label="Logs" aria-live="polite" data-testid="logs">
        {lines.length === 0 ? 'No log lines yet.' : lines.join('\n')}
      </pre>
    </>
  );
}

/** Where an artifact is stored, shown beside its download link. */
const artifactWhere = (a: Artifact): string =>
  a.s3 ? `s3://${a.s3.bucket ?? ''}/${a.s3.key ?? ''}` : a.local ? `local:${a.local.key ?? ''}` : (a.key ?? a.http?.url ?? a.path ?? '');

/** True when the server can fetch the artifact from a repository (raw data and plain paths cannot be downloaded). */
const downloadable = (a: Artifact): boolean => a.deleted !== true && (a.s3 !== undefined || a.local !== undefined || a.key !== undefined);

function ResumeForm({ wf, node }: { wf: Workflow; node: NodeStatus }) {
  const params = node.outputs?.parameters ?? [];
  const [values, setValues] = useState<Record<string, string>>(Object.fromEntries(params.map((p) => [p.name, p.value ?? p.default ?? ''])));
  const [msg, setMsg] = useState('');
  const base = `/api/v1/workflows/${enc(wf.metadata.namespace ?? 'default')}/${enc(wf.metadata.name)}`;
  const sel = `id=${node.id}`;
  const submit = async (): Promise<void> => {
    try {
      if (params.length > 0)
        await api(`${base}/set`, { method: 'PUT', body: { nodeFieldSelector: sel, outputParameters: JSON.stringify(values) } });
      await api(`${base}/resume`, { method: 'PUT', body: { nodeFieldSelector: sel } });
      setMsg('Resumed.');
    } catch (e) {
      setMsg((e as Error).message);
    }
  };
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <strong>Waiting for approval</strong>
      {params.map((p) => (
        <label key={p.name}>
          {p.name}
          {p.enum ? (
            <select value={values[p.name]} onChange={(e) => setValues({ ...values, [p.name]: e.currentTarget.value })}>
              {p.enum.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
          ) : (
            <input value={values[p.name]} onInput={(e) => setValues({ ...values, [p.name]: e.currentTarget.value })} />
          )}
        </label>
      ))}
      <div class="row" style={{ marginTop: '8px' }}>
        <button class="primary" type="submit">
          Resume this node
        </button>
        <span role="status">{msg}</span>
      </div>
    </form>
  );
}

/** A download link: the server streams the artifact from its repository; errors are shown beside the link. */
function ArtifactLink({ href, name }: { href: string; name: string }) {
  const [err, setErr] = useState('');
  return (
    <>
      <a
        href={href}
        download
        data-testid="artifact-link"
        onClick={(e) => {
          e.preventDefault();
          setErr('');
          downloadFile(href).catch((x: unknown) => setErr((x as Error).message));
        }}
      >
        <strong>{name}</strong> (download)
      </a>
      {err !== '' && (
        <span role="alert" class="inline-error">
          {' '}
          {err}
        </span>
      )}
    </>
  );
}

export function NodePanel({ wf, node }: { wf: Workflow; node: NodeStatus }) {
  const ns = wf.metadata.namespace ?? 'default';
  const phase = shownPhase(node);
  const retries = node.type === 'Retry' ? (node.children ?? []).length : undefined;
  return (
    <div data-testid="node-panel">
      <h2 style={{ marginTop: 0 }}>
        {node.displayName ?? node.name} <Phase phase={phase} />
      </h2>
      <KV
        rows={[
          ['Type', node.type],
          ['Template', node.templateName],
          ['ID', <code>{node.id}</code>],
          ['Started', node.startedAt],
          ['Finished', node.finishedAt],
          ['Duration', span(node.startedAt, node.finishedAt)],
          ['Retries', retries === undefined ? undefined : String(Math.max(0, retries - 1))],
          ['Exit code', node.outputs?.exitCode],
          ['Message', node.message],
        ]}
      />
      {phase === 'Suspended' && <ResumeForm wf={wf} node={node} />}
      {(node.inputs?.parameters?.length ?? 0) > 0 && (
        <>
          <h2>Input parameters</h2>
          <KV rows={(node.inputs?.parameters ?? []).map((p) => [p.name, <code>{p.value ?? ''}</code>])} />
        </>
      )}
      {(node.outputs?.parameters?.length ?? 0) > 0 && (
        <>
          <h2>Output parameters</h2>
          <KV rows={(node.outputs?.parameters ?? []).map((p) => [p.name, <code>{p.value ?? ''}</code>])} />
        </>
      )}
      {node.outputs?.result !== undefined && (
        <>
          <h2>Result</h2>
          <pre tabIndex={0}>{node.outputs.result}</pre>
        </>
      )}
      {(['inputs', 'outputs'] as const).map(
        (io) =>
          (node[io]?.artifacts?.length ?? 0) > 0 && (
            <div key={io}>
              <h2>{io === 'inputs' ? 'Input' : 'Output'} artifacts</h2>
              <ul>
                {(node[io]?.artifacts ?? []).map((a) => (
                  <li key={a.name}>
                    {downloadable(a) ? (
                      <ArtifactLink
                        href={`/${io === 'inputs' ? 'input-artifacts' : 'artifacts'}/${enc(ns)}/${enc(wf.metadata.name)}/${enc(node.id)}/${enc(a.name)}`}
                        name={a.name}
                      />
                    ) : (
                      <strong>{a.name}</strong>
                    )}{' '}
                    <code class="muted">{artifactWhere(a)}</code>
                    {a.deleted === true && <span class="muted"> (deleted by artifactGC)</span>}
                  </li>
                ))}
              </ul>
            </div>
          ),
      )}
      {node.type === 'Pod' && (
        <Logs
          ns={ns}
          name={wf.metadata.name}
          podName={node.id}
          live={!['Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted'].includes(node.phase ?? '')}
        />
      )}
    </div>
  );
}
