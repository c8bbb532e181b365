// Lineage search: one box for an S3 key, a Kafka topic:partition:offset, a webhook Idempotency-Key or an event id;
// shows each matching event — found on the bus (the server's lineage index, every source) or in a sensor's history —
// with its source, id and payload excerpt, the sensors' decisions about it and the workflows it started.
import { useState } from 'preact/hooks';
import { enc } from '../api';
import { Empty, ErrorState, Link, Loading, Phase } from '../components/ui';
import { useApi } from '../hooks';
import { navigate, qs } from '../router';
import type { Loc } from '../router';
import type { Decision, RecordedEvent, WorkflowSummary } from '../types';
import { DecisionBadge, describe } from './sensor';

interface Hit {
  /** '' for an event found on the bus that no sensor decided about. */
  sensor: string;
  namespace: string;
  event: Omit<RecordedEvent, 'weirreceivedat'> & { weirreceivedat?: string };
  onBus?: { seq: number };
  decisions: Decision[];
  workflows: WorkflowSummary[];
}

export function LineagePage({ loc }: { loc: Loc }) {
  const q = loc.query.get('q') ?? '';
  const [text, setText] = useState(q);
  const r = useApi<{ hits: Hit[] }>(q.length >= 2 ? `/api/v1/ui/lineage${qs({ q })}` : undefined);
  return (
    <section>
      <h1>Lineage</h1>
      <form
        class="row card"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/lineage${qs({ q: text.trim() })}`);
        }}
      >
        <label style={{ flex: 1 }}>
          Event id, S3 key, Kafka topic:partition:offset or Idempotency-Key
          <input
            type="search"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            placeholder="e.g. incoming/report.csv or orders:0:42"
          />
        </label>
        <button class="primary" type="submit">
          Search
        </button>
      </form>
      {q.length < 2 ? (
        <Empty>Type at least two characters to search the events on the bus and those the sensors recorded.</Empty>
      ) : r.error ? (
        <ErrorState error={r.error} retry={r.reload} />
      ) : !r.data ? (
        <Loading what="lineage" />
      ) : r.data.hits.length === 0 ? (
        <Empty>No recorded event matches “{q}”.</Empty>
      ) : (
        <div data-testid="lineage-results">
          {r.data.hits.map((h) => {
            const data = typeof h.event.data === 'string' ? h.event.data : JSON.stringify(h.event.data ?? null);
            return (
              <article class="card" key={`${h.sensor}/${h.event.id}`}>
                <h2 style={{ marginTop: 0 }}>
                  {h.event.source}/{h.event.subject} <span class="muted mono">{h.event.id}</span>
                </h2>
                <p>
                  {h.event.weirreceivedat ?? h.event.time}
                  {h.onBus && <> · on the bus at position {h.onBus.seq}</>}
                  {h.sensor !== '' ? (
                    <>
                      {' '}
                      · sensor <Link href={`/sensors/${enc(h.namespace)}/${enc(h.sensor)}`}>{h.sensor}</Link>
                    </>
                  ) : (
                    <> · no sensor decided about this event (none subscribes to it, or its decisions rolled over)</>
                  )}
                </p>
                <pre tabIndex={0}>{data.length > 600 ? `${data.slice(0, 600)}…` : data}</pre>
                <h2>Decisions</h2>
                {h.decisions.length === 0 && <p class="muted">none</p>}
                <ul>
                  {h.decisions.map((d, i) => (
                    <li key={i}>
                      <DecisionBadge type={d.type} /> {describe(d)}
                    </li>
                  ))}
                </ul>
                <h2>Workflows started</h2>
                {h.workflows.length === 0 ? (
                  <p class="muted">none</p>
                ) : (
                  <ul>
                    {h.workflows.map((w) => (
                      <li key={w.uid}>
                        <Phase phase={w.phase} /> <Link href={`/workflows/${enc(w.namespace)}/${enc(w.name)}`}>{w.name}</Link>
                      </li>
                    ))}
                  </ul>
                )}
              </article>
            );
          })}
        </div>
      )}
    </section>
  );
}
