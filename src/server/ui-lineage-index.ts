// The lineage index: a durable bus consumer (every source, every event name, from the oldest retained event) that
// records each event in the bus's key-value store, bucket `weir-lineage`, so lineage search finds events of any
// source — also those no sensor subscribes to or whose sensor history has rolled over:
//   e.<sha(id)>    the event: id, source, subject, type, time, bus position and a payload excerpt (2 KiB)
//   l.<sha(id)>    full ids of the events whose source-given id is this (the host stores `<ns>/<source>/<name>/<id>`)
//   s3.<sha(key)>  ids of the events about an S3 object key (S3-notification-shaped payloads, key decoded), newest last
//   r.<slot>       a ring of the newest RING ids: the id a slot held is forgotten when the slot is reused (bounded size)
// Events are found by their full id or the id their source gave them (Kafka: `topic:partition:offset`), webhook
// events also by the Idempotency-Key (`idem-` + its hash, the webhook's own id rule). Keys are hashes: JetStream KV keys allow only [-/_=.a-zA-Z0-9].
import { createHash } from 'node:crypto';
import type { EventBus, KeyValueStore } from '../bus/types.js';
import type { CloudEvent } from '../core/cloudevent.js';
import { errorMessage, isWeirError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export const LINEAGE_BUCKET = 'weir-lineage';
export const LINEAGE_CONSUMER = 'weir-ui-lineage';
const RING = 50_000;
const EXCERPT_BYTES = 2048;
const MAX_IDS_PER_KEY = 20;

export interface IndexedEvent {
  id: string;
  source: string;
  subject: string;
  type: string;
  time: string;
  /** Position in the bus's log. */
  seq: number;
  /** The payload as JSON, cut at 2 KiB (then `truncated`). */
  excerpt: string;
  truncated?: boolean;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 40);

/** The id the webhook event source gives an event sent with this Idempotency-Key (eventsources/webhook.ts). */
export const webhookIdFor = (idempotencyKey: string): string =>
  `idem-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 32)}`;

function decodeS3Key(k: string): string {
  try {
    return decodeURIComponent(k.replace(/\+/g, ' '));
  } catch {
    return k;
  }
}

/** The id the event source gave the event: the host stores it as `<namespace>/<source>/<event name>/<id>`. */
export function sourceIdOf(e: Pick<CloudEvent, 'id' | 'source' | 'subject'>): string | undefined {
  const marker = `/${e.source}/${e.subject}/`;
  const i = e.id.indexOf(marker);
  if (i <= 0 || e.id.slice(0, i).includes('/')) return undefined;
  const local = e.id.slice(i + marker.length);
  return local === '' ? undefined : local;
}

/** Object keys of S3-notification-shaped payloads (`{notification|Records: [{s3: {object: {key}}}]}`), decoded. */
export function s3KeysOf(data: unknown): string[] {
  const out = new Set<string>();
  const d = data as { notification?: unknown; Records?: unknown } | null;
  for (const list of [d?.notification, d?.Records]) {
    if (!Array.isArray(list)) continue;
    for (const r of list.slice(0, 10)) {
      const key = (r as { s3?: { object?: { key?: unknown } } } | null)?.s3?.object?.key;
      if (typeof key === 'string' && key !== '' && key.length <= 1024) out.add(decodeS3Key(key));
    }
  }
  return [...out];
}

async function getJson<T>(kv: KeyValueStore, key: string): Promise<{ value: T; revision: number } | undefined> {
  const e = await kv.get(key);
  if (!e) return undefined;
  try {
    return { value: JSON.parse(e.value) as T, revision: e.revision };
  } catch {
    return undefined;
  }
}

/** Appends `id` to the list under `key` (compare-and-set, retried on a concurrent write). */
async function appendId(kv: KeyValueStore, key: string, id: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const cur = await getJson<string[]>(kv, key);
    const ids = (cur?.value ?? []).filter((x) => x !== id);
    ids.push(id);
    try {
      await kv.put(key, JSON.stringify(ids.slice(-MAX_IDS_PER_KEY)), { expectedRevision: cur?.revision ?? 0 });
      return;
    } catch (e) {
      if (attempt >= 5 || !isWeirError(e) || e.code !== 'CONFLICT') throw e;
    }
  }
}

export class LineageIndex {
  #kv: Promise<KeyValueStore> | undefined;
  constructor(private readonly o: { bus: EventBus; logger: Logger }) {}

  #store(): Promise<KeyValueStore> {
    return (this.#kv ??= this.o.bus.kv(LINEAGE_BUCKET));
  }

  /** Records one event (idempotent: a redelivered event is recorded again in place). */
  async record(event: CloudEvent, seq: number): Promise<void> {
    const kv = await this.#store();
    const json = JSON.stringify(event.data ?? null) ?? 'null';
    const rec: IndexedEvent = {
      id: event.id,
      source: event.source,
      subject: event.subject,
      type: event.type,
      time: event.time,
      seq,
      excerpt: json.length > EXCERPT_BYTES ? json.slice(0, EXCERPT_BYTES) : json,
      ...(json.length > EXCERPT_BYTES ? { truncated: true } : {}),
    };
    const slot = `r.${seq % RING}`;
    const old = await kv.get(slot);
    if (old && old.value !== event.id) await kv.delete(`e.${sha(old.value)}`);
    await kv.put(`e.${sha(event.id)}`, JSON.stringify(rec));
    await kv.put(slot, event.id);
    const local = sourceIdOf(event);
    if (local !== undefined) await appendId(kv, `l.${sha(local)}`, event.id);
    for (const key of s3KeysOf(event.data)) await appendId(kv, `s3.${sha(key)}`, event.id);
  }

  /** Follows the bus until `signal` aborts; an event that cannot be recorded is retried a few times, then skipped. */
  async run(signal: AbortSignal): Promise<void> {
    const messages = this.o.bus.consume({
      durableName: LINEAGE_CONSUMER,
      filters: [{ eventSourceName: '*', eventName: '*' }],
      deliverPolicy: 'all',
      maxDeliver: 5,
      signal,
    });
    for await (const m of messages) {
      try {
        await this.record(m.event, m.seq);
        await m.ack();
      } catch (e) {
        if (signal.aborted) return;
        this.o.logger.warn({ err: errorMessage(e), eventId: m.event.id }, 'lineage index: cannot record the event');
        await m.nak(1000).catch(() => undefined);
      }
    }
  }

  /** Events whose id is `q`, whose webhook Idempotency-Key is `q`, or that concern the S3 object key `q`. */
  async lookup(q: string): Promise<IndexedEvent[]> {
    const kv = await this.#store();
    const ids = new Set<string>([q]);
    for (const key of [`l.${sha(q)}`, `l.${sha(webhookIdFor(q))}`, `s3.${sha(q)}`])
      for (const id of (await getJson<string[]>(kv, key))?.value ?? []) ids.add(id);
    const out: IndexedEvent[] = [];
    for (const id of ids) {
      const e = await getJson<IndexedEvent>(kv, `e.${sha(id)}`);
      if (e && e.value.id === id) out.push(e.value);
    }
    return out.sort((a, b) => b.seq - a.seq);
  }
}
