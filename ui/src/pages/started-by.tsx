// "Started by" from a workflow's labels and annotations: the sensor, trigger and events (Weir's lineage
// annotations), the cron workflow with its scheduled time and backfill job, or the (cluster) workflow template.
import type { JSX } from 'preact';
import { enc } from '../api';
import { Link } from '../components/ui';

export function startedBy(
  labels: Record<string, string>,
  ann: Record<string, string>,
  namespace: string,
  short = false,
): JSX.Element | string {
  const ns = ann['events.weir.dev/sensor']?.split('/')[0] ?? namespace;
  const sensor = ann['events.weir.dev/sensor']?.split('/')[1] ?? labels['events.weir.dev/sensor'];
  if (sensor) {
    let events: Record<string, string> = {};
    try {
      events = JSON.parse(ann['events.weir.dev/events'] ?? '{}') as Record<string, string>;
    } catch {
      /* shown without events */
    }
    const trig = ann['events.weir.dev/trigger'] ?? labels['events.weir.dev/trigger'];
    return (
      <span>
        sensor <Link href={`/sensors/${enc(ns || 'default')}/${enc(sensor)}`}>{sensor}</Link>
        {trig ? ` / ${trig}` : ''}
        {!short &&
          Object.entries(events).map(([dep, id]) => (
            <span key={dep}>
              {' '}
              · {dep}: <Link href={`/lineage?q=${enc(id)}`}>{id}</Link>
            </span>
          ))}
      </span>
    );
  }
  const cron = labels['workflows.argoproj.io/cron-workflow'];
  if (cron) {
    const t = ann['workflows.argoproj.io/scheduled-time'];
    const bf = labels['weir.dev/backfill'];
    return (
      <span>
        cron <Link href={`/cron/${enc(ns || 'default')}/${enc(cron)}`}>{cron}</Link>
        {t && !short ? ` at ${t}` : ''}
        {bf ? ` (backfill ${bf})` : ''}
      </span>
    );
  }
  const wt = labels['workflows.argoproj.io/workflow-template'];
  if (wt)
    return (
      <span>
        template <Link href={`/templates/${enc(ns || 'default')}/${enc(wt)}`}>{wt}</Link>
      </span>
    );
  const cwt = labels['workflows.argoproj.io/cluster-workflow-template'];
  if (cwt)
    return (
      <span>
        cluster template <Link href={`/cluster-templates/${enc(cwt)}`}>{cwt}</Link>
      </span>
    );
  return '';
}
