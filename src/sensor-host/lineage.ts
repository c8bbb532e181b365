// Lineage of created resources: the deterministic firing key (short hash of sensor, trigger and the ids of the
// events that fired it), Kubernetes-safe label values, and the labels/annotations put on every created resource.
import { createHash } from 'node:crypto';

export const LABEL_SENSOR = 'events.weir.dev/sensor';
export const LABEL_TRIGGER = 'events.weir.dev/trigger';
export const ANNOTATION_SENSOR = 'events.weir.dev/sensor';
export const ANNOTATION_TRIGGER = 'events.weir.dev/trigger';
export const ANNOTATION_EVENTS = 'events.weir.dev/events';
export const ANNOTATION_FIRING_KEY = 'events.weir.dev/firing-key';
const ARGO_LABEL_SENSOR = 'events.argoproj.io/sensor';
const ARGO_LABEL_TRIGGER = 'events.argoproj.io/trigger';

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** 10 hex chars of sha256 over namespace/sensor, trigger and sorted dependency=eventId pairs. */
export function firingKey(sensor: { namespace: string; name: string }, trigger: string, events: Record<string, string>): string {
  const pairs = Object.keys(events)
    .sort()
    .map((d) => `${d}=${events[d]}`);
  return sha([`${sensor.namespace}/${sensor.name}`, trigger, ...pairs].join('\n')).slice(0, 10);
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A valid label value (≤63 chars, alphanumeric ends, `-_.` inside); altered values get a hash suffix. */
export function labelValue(s: string): string {
  if (s.length <= 63 && LABEL_VALUE.test(s)) return s;
  const suffix = sha(s).slice(0, 8);
  const cleaned = s
    .replace(/[^-A-Za-z0-9_.]/g, '-')
    .slice(0, 54)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return cleaned === '' ? suffix : `${cleaned}-${suffix}`;
}

export function lineageOf(
  sensor: { namespace: string; name: string },
  trigger: string,
  events: Record<string, string>,
  key: string,
): { labels: Record<string, string>; annotations: Record<string, string> } {
  return {
    labels: {
      [LABEL_SENSOR]: labelValue(sensor.name),
      [LABEL_TRIGGER]: labelValue(trigger),
      [ARGO_LABEL_SENSOR]: labelValue(sensor.name),
      [ARGO_LABEL_TRIGGER]: labelValue(trigger),
    },
    annotations: {
      [ANNOTATION_SENSOR]: `${sensor.namespace}/${sensor.name}`,
      [ANNOTATION_TRIGGER]: trigger,
      [ANNOTATION_EVENTS]: JSON.stringify(
        Object.fromEntries(
          Object.keys(events)
            .sort()
            .map((d) => [d, events[d]]),
        ),
      ),
      [ANNOTATION_FIRING_KEY]: key,
    },
  };
}
