// The CloudEvents 1.0 envelope every event travels in on the bus. Argo Events' mapping: `source` is the
// EventSource name, `subject` the event name inside it, `type` the event source kind (webhook, calendar, ...).

export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  /** Unique per event; also the bus de-duplication key (Nats-Msg-Id). Deterministic where the source allows. */
  id: string;
  /** EventSource name. */
  source: string;
  /** Event source kind, e.g. "webhook", "calendar", "s3", "kafka". */
  type: string;
  /** Event name within the EventSource. */
  subject: string;
  /** RFC 3339 time the event happened (or was received). */
  time: string;
  datacontenttype: string;
  data: T;
}

export function makeCloudEvent<T>(e: Omit<CloudEvent<T>, 'specversion' | 'datacontenttype'> & { datacontenttype?: string }): CloudEvent<T> {
  return { specversion: '1.0', datacontenttype: e.datacontenttype ?? 'application/json', ...e };
}
