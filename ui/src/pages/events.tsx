// Event sources and sensors: the lists with live status (each event's state — running, backoff, invalid,
// unsupported — with its reason, event rate, last event, errors), and an event source's page with per-event
// status and its logs streaming live. The sensor page is in sensor.tsx.
import { useState } from 'preact/hooks';
import { enc } from '../api';
import { Empty, ErrorState, Link, Loading, Phase } from '../components/ui';
import { age } from '../format';
import { useApi, useStream } from '../hooks';
import { qs } from '../router';
import type { ListBody, Resource } from '../types';
import { YamlView } from './yaml-view';

export { SensorPage } from './sensor';

export interface EventStatus {
  eventName: string;
  kind: string;
  state: string;
  published: number;
  duplicates: number;
  filtered: number;
  failed: number;
  errors: number;
  since: string;
  lastEventTime?: string;
  lastEventId?: string;
  lastError?: { message: string; time: string };
}
export interface SensorLive {
  events: number;
  counts: Record<string, number>;
  errors: number;
  lastEventTime?: string;
  lastError?: string;
  lastErrorTime?: string;
}

const STATE_PHASE: Record<string, string> = {
  running: 'Succeeded',
  starting: 'Pending',
  backoff: 'Running',
  invalid: 'Failed',
  unsupported: 'Skipped',
  stopped: 'Skipped',
};

export const eventsOf = (r: Resource): EventStatus[] => {
  const w = r.status?.weir;
  return Array.isArray(w) ? (w as EventStatus[]) : [];
};

function StateBadge({ state }: { state: string }) {
  const p = STATE_PHASE[state] ?? 'Pending';
  return (
    <span class={`badge ph-${p}`} data-state={state}>
      {state}
    </span>
  );
}

const rate = (e: EventStatus): string => {
  const mins = (Date.now() - Date.parse(e.since)) / 60000;
  return mins <= 0 ? '-' : `${(e.published / mins).toFixed(e.published / mins < 10 ? 2 : 0)}/min`;
};

export function EventsPage() {
  const es = useApi<ListBody<Resource>>('/api/v1/event-sources/', 3000);
  const ss = useApi<ListBody<Resource>>('/api/v1/sensors/', 3000);
  const error = es.error ?? ss.error;
  if (error && (!es.data || !ss.data))
    return (
      <ErrorState
        error={error}
        retry={() => {
          es.reload();
          ss.reload();
        }}
      />
    );
  if (!es.data || !ss.data) return <Loading what="event sources and sensors" />;
  const sources = es.data.items ?? [];
  const sensors = ss.data.items ?? [];
  return (
    <section>
      <h1>Events</h1>
      <h2>Event sources</h2>
      {sources.length === 0 ? (
        <Empty>
          No EventSources. Create one with <code>weir eventsource create FILE</code>.
        </Empty>
      ) : (
        <table aria-label="Event sources">
          <thead>
            <tr>
              <th>Name</th>
              <th>Namespace</th>
              <th>Event</th>
              <th>Kind</th>
              <th>State</th>
              <th>Published</th>
              <th>Rate</th>
              <th>Last event</th>
              <th>Errors</th>
              <th>Reason</th>
            </tr>
          </thead>
          <tbody>
            {sources.flatMap((s) => {
              const evs = eventsOf(s);
              const href = `/event-sources/${enc(s.metadata.namespace ?? 'default')}/${enc(s.metadata.name)}`;
              if (evs.length === 0)
                return [
                  <tr key={href}>
                    <td>
                      <Link href={href}>{s.metadata.name}</Link>
                    </td>
                    <td>{s.metadata.namespace}</td>
                    <td colSpan={8} class="muted">
                      not running in this server
                    </td>
                  </tr>,
                ];
              return evs.map((e) => (
                <tr key={`${href}/${e.eventName}`} data-event={`${s.metadata.name}/${e.eventName}`}>
                  <td>
                    <Link href={href}>{s.metadata.name}</Link>
                  </td>
                  <td>{s.metadata.namespace}</td>
                  <td>{e.eventName}</td>
                  <td>{e.kind}</td>
                  <td>
                    <StateBadge state={e.state} />
                  </td>
                  <td>{e.published}</td>
                  <td>{rate(e)}</td>
                  <td>{e.lastEventTime ? `${age(e.lastEventTime)} ago` : 'none'}</td>
                  <td>{e.errors + e.failed}</td>
                  <td class="muted" title={e.lastError?.message}>
                    {e.state !== 'running' ? (e.lastError?.message ?? '') : ''}
                  </td>
                </tr>
              ));
            })}
          </tbody>
        </table>
      )}
      <h2>Sensors</h2>
      {sensors.length === 0 ? (
        <Empty>
          No Sensors. Create one with <code>weir sensor create FILE</code>.
        </Empty>
      ) : (
        <table aria-label="Sensors">
          <thead>
            <tr>
              <th>Name</th>
              <th>Namespace</th>
              <th>Dependencies</th>
              <th>Triggers</th>
              <th>Events</th>
              <th>Triggered</th>
              <th>Filtered out</th>
              <th>Errors</th>
              <th>Last event</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {sensors.map((s) => {
              const spec = (s.spec ?? {}) as { dependencies?: { name: string }[]; triggers?: { template?: { name?: string } }[] };
              const live = (s.status?.weir ?? { events: 0, counts: {}, errors: 0 }) as SensorLive;
              return (
                <tr key={s.metadata.uid} data-sensor={s.metadata.name}>
                  <td>
                    <Link href={`/sensors/${enc(s.metadata.namespace ?? 'default')}/${enc(s.metadata.name)}`}>{s.metadata.name}</Link>
                  </td>
                  <td>{s.metadata.namespace}</td>
                  <td>{(spec.dependencies ?? []).map((d) => d.name).join(', ')}</td>
                  <td>{(spec.triggers ?? []).map((t) => t.template?.name ?? '').join(', ')}</td>
                  <td>{live.events}</td>
                  <td>{live.counts.triggered ?? 0}</td>
                  <td>{live.counts['filtered-out'] ?? 0}</td>
                  <td>{live.errors}</td>
                  <td>{live.lastEventTime ? `${age(live.lastEventTime)} ago` : 'none'}</td>
                  <td class="muted" title={live.lastError}>
                    {live.lastError ?? ''}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

interface LogEntry {
  result?: { time?: string; level?: string; msg?: string; eventName?: string; triggerName?: string };
}

/** Live logs of an event source or sensor (argo-server's component log streams). */
export function ComponentLogs({ kind, ns, name }: { kind: 'event-sources' | 'sensors'; ns: string; name: string }) {
  const [lines, setLines] = useState<string[]>([]);
  useStream<LogEntry>(
    `/api/v1/stream/${kind}/${enc(ns)}/logs${qs({ name, 'podLogOptions.follow': 'true', 'podLogOptions.tailLines': '200' })}`,
    (l) => {
      const r = l.result;
      if (!r) return;
      const tag = r.eventName ?? r.triggerName;
      setLines((cur) => [...cur.slice(-999), `${r.time ?? ''} ${(r.level ?? '').toUpperCase()}${tag ? ` [${tag}]` : ''} ${r.msg ?? ''}`]);
    },
  );
  return (
    <pre class="logs" tabIndex={0} aria-label="Logs" data-testid="component-logs">
      {lines.length === 0 ? 'No log records yet.' : lines.join('\n')}
    </pre>
  );
}

export function EventSourcePage({ params }: { params: Record<string, string> }) {
  const r = useApi<Resource>(`/api/v1/event-sources/${enc(params.namespace)}/${enc(params.name)}`, 3000);
  if (r.error && !r.data) return <ErrorState error={r.error} retry={r.reload} />;
  if (!r.data) return <Loading what="event source" />;
  const evs = eventsOf(r.data);
  return (
    <section>
      <h1>
        <Link href="/events">Events</Link> / event source {params.name}
      </h1>
      <table aria-label="Events of this source">
        <thead>
          <tr>
            <th>Event</th>
            <th>Kind</th>
            <th>State</th>
            <th>Published</th>
            <th>Duplicates</th>
            <th>Filtered</th>
            <th>Failed</th>
            <th>Restarts</th>
            <th>Last event</th>
            <th>Last error</th>
          </tr>
        </thead>
        <tbody>
          {evs.map((e) => (
            <tr key={e.eventName}>
              <td>{e.eventName}</td>
              <td>{e.kind}</td>
              <td>
                <StateBadge state={e.state} />
              </td>
              <td>{e.published}</td>
              <td>{e.duplicates}</td>
              <td>{e.filtered}</td>
              <td>{e.failed}</td>
              <td>{e.errors}</td>
              <td>{e.lastEventTime ? `${age(e.lastEventTime)} ago (${e.lastEventId ?? ''})` : 'none'}</td>
              <td class="muted" title={e.lastError?.message}>
                {e.lastError ? `${e.lastError.message} (${age(e.lastError.time)} ago)` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {evs.some((e) => e.state === 'running') && (
        <p>
          <Phase phase="Running" /> receiving events
        </p>
      )}
      <h2>Logs</h2>
      <ComponentLogs kind="event-sources" ns={params.namespace} name={params.name} />
      <h2>Manifest</h2>
      <div style={{ maxHeight: '400px', display: 'flex' }}>
        <YamlView value={r.data} />
      </div>
    </section>
  );
}
