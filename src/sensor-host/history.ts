// The decision log of a sensor: a bounded history of decisions, of the events that produced them, and a status
// summary, kept in a ConfigMap `weir-sensor-<name>` next to the Sensor. A ConfigMap because every store (memory,
// SQLite, Kubernetes) already holds them with optimistic concurrency, they are visible with ordinary tools, and no
// schema change is needed; the bound (entries and bytes) keeps it far below the 1 MiB object limit. Decisions are
// buffered and written in batches (one update per flush interval), so a crash may lose the last unflushed ones.
import type { CloudEvent } from '../core/cloudevent.js';
import { isWeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ResourceStore } from '../store/types.js';
import type { Decision } from './decisions.js';
import { parseJsonLossless } from '../core/json-lossless.js';

export type Stage = 'evaluate' | 'execute';
export type HistoryRecord = Decision & { stage: Stage };

/** A delivered event with the time it was processed (CloudEvents extension attribute `weirreceivedat`). */
export type RecordedEvent = CloudEvent & { weirreceivedat: string };

export interface SensorStatus {
  lastEventTime?: string;
  events: number;
  counts: Partial<Record<Decision['type'], number>>;
  errors: number;
  lastError?: string;
  lastErrorTime?: string;
}

export interface HistoryOptions {
  store: ResourceStore;
  log: Logger;
  /** Decisions kept. Default 500. */
  maxDecisions?: number;
  /** Events kept. Default 200. */
  maxEvents?: number;
  /** Upper bound of decisions + events text. Default 512 KiB. */
  maxBytes?: number;
  /** Longest time a decision waits in memory before it is written. Default 500 ms. */
  flushIntervalMs?: number;
  /** Write at once when this many decisions are buffered. Default maxDecisions. */
  flushEvery?: number;
}

export const historyName = (sensor: string): string => `weir-sensor-${sensor}`.slice(0, 253);
const LABEL = 'events.weir.dev/sensor-history';

const lines = (s: string | undefined): string[] => (s ?? '').split('\n').filter((l) => l !== '');

export interface SensorHistory {
  decisions: HistoryRecord[];
  events: RecordedEvent[];
  status: SensorStatus;
}

/** Reads the history of one sensor (empty when none was recorded). */
export async function readHistory(store: ResourceStore, namespace: string, sensor: string): Promise<SensorHistory> {
  const cm = await store.get('ConfigMap', namespace, historyName(sensor));
  const data = (cm?.data ?? {}) as Record<string, string>;
  const parse = <T>(l: string): T | undefined => {
    try {
      return parseJsonLossless(l) as T;
    } catch {
      return undefined;
    }
  };
  return {
    decisions: lines(data['decisions.jsonl'])
      .map((l) => parse<HistoryRecord>(l))
      .filter((x): x is HistoryRecord => x !== undefined),
    events: lines(data['events.jsonl'])
      .map((l) => parse<RecordedEvent>(l))
      .filter((x): x is RecordedEvent => x !== undefined),
    status: parse<SensorStatus>(data['status.json'] ?? '') ?? { events: 0, counts: {}, errors: 0 },
  };
}

function errorOf(d: HistoryRecord): string | undefined {
  if (d.type === 'failed') return d.error;
  if (d.type === 'filtered-out' && d.error) return d.reason;
  return undefined;
}

/** Decisions and events appended since the last flush, with their contribution to the status summary. */
interface Pending {
  decisions: string[];
  events: string[];
  events0: number;
  lastEventTime?: string;
  counts: Partial<Record<Decision['type'], number>>;
  errors: number;
  lastError?: string;
  lastErrorTime?: string;
}

const emptyPending = (): Pending => ({ decisions: [], events: [], events0: 0, counts: {}, errors: 0 });

/**
 * Appends to one sensor's history. append() only buffers (it is off the ack path); the buffer is written as ONE
 * ConfigMap update every `flushIntervalMs` or once `flushEvery` decisions are pending, and on flush()/close().
 * Writes are serialised and retried on CONFLICT; failures are logged, never thrown. The history is a log for people
 * and `weir sensor test`, not part of the delivery contract: a crash loses at most the decisions not yet flushed.
 */
export class HistoryWriter {
  private chain: Promise<void> = Promise.resolve();
  private pending: Pending = emptyPending();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly maxDecisions: number;
  private readonly maxEvents: number;
  private readonly maxBytes: number;
  private readonly flushIntervalMs: number;
  private readonly flushEvery: number;

  constructor(
    private readonly opts: HistoryOptions,
    private readonly namespace: string,
    private readonly sensor: string,
  ) {
    this.maxDecisions = opts.maxDecisions ?? 500;
    this.maxEvents = opts.maxEvents ?? 200;
    this.maxBytes = opts.maxBytes ?? 512 * 1024;
    this.flushIntervalMs = opts.flushIntervalMs ?? 500;
    this.flushEvery = opts.flushEvery ?? this.maxDecisions;
  }

  /** Buffers one processed event and its decisions; written by the next flush. */
  append(event: RecordedEvent, records: readonly HistoryRecord[]): void {
    const p = this.pending;
    p.events.push(JSON.stringify(event));
    if (p.events.length > this.maxEvents) p.events.splice(0, p.events.length - this.maxEvents);
    for (const r of records) p.decisions.push(JSON.stringify(r));
    if (p.decisions.length > this.maxDecisions) p.decisions.splice(0, p.decisions.length - this.maxDecisions);
    p.events0++;
    p.lastEventTime = event.weirreceivedat;
    for (const r of records) {
      p.counts[r.type] = (p.counts[r.type] ?? 0) + 1;
      const err = errorOf(r);
      if (err !== undefined) {
        p.errors++;
        p.lastError = err;
        p.lastErrorTime = r.at;
      }
    }
    if (p.decisions.length >= this.flushEvery) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      this.timer.unref?.();
    }
  }

  /** Writes what is buffered; resolves when every append so far is written (or its write failed and was logged). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.events0 === 0) return this.chain;
    const batch = this.pending;
    this.pending = emptyPending();
    this.chain = this.chain
      .then(() => this.write(batch))
      .catch((e: unknown) => {
        this.opts.log.warn({ sensor: this.sensor, err: errorMessage(e), events: batch.events0 }, 'could not record sensor decisions');
      });
    return this.chain;
  }

  /** Flushes and stops the timer (the runner stopped). */
  close(): Promise<void> {
    return this.flush();
  }

  private async write(batch: Pending): Promise<void> {
    const { store } = this.opts;
    const name = historyName(this.sensor);
    for (let attempt = 0; ; attempt++) {
      const cur = await store.get('ConfigMap', this.namespace, name);
      const data = { ...((cur?.data ?? {}) as Record<string, string>) };
      let decisions = [...lines(data['decisions.jsonl']), ...batch.decisions].slice(-this.maxDecisions);
      let events = [...lines(data['events.jsonl']), ...batch.events].slice(-this.maxEvents);
      const bytes = (l: string[]): number => l.reduce((n, x) => n + x.length + 1, 0);
      let dBytes = bytes(decisions);
      let eBytes = bytes(events);
      let d0 = 0;
      let e0 = 0;
      while (dBytes + eBytes > this.maxBytes && (decisions.length - d0 > 1 || events.length - e0 > 1)) {
        if (decisions.length - d0 >= events.length - e0) dBytes -= decisions[d0++].length + 1;
        else eBytes -= events[e0++].length + 1;
      }
      decisions = decisions.slice(d0);
      events = events.slice(e0);
      let status: SensorStatus;
      try {
        status = JSON.parse(data['status.json'] ?? '') as SensorStatus;
      } catch {
        status = { events: 0, counts: {}, errors: 0 };
      }
      status.events += batch.events0;
      if (batch.lastEventTime !== undefined) status.lastEventTime = batch.lastEventTime;
      for (const [t, n] of Object.entries(batch.counts))
        status.counts[t as Decision['type']] = (status.counts[t as Decision['type']] ?? 0) + n;
      if (batch.errors > 0) {
        status.errors += batch.errors;
        status.lastError = batch.lastError;
        status.lastErrorTime = batch.lastErrorTime;
      }
      data['decisions.jsonl'] = decisions.join('\n') + '\n';
      data['events.jsonl'] = events.join('\n') + '\n';
      data['status.json'] = JSON.stringify(status);
      try {
        if (cur) await store.update('ConfigMap', { ...cur, data });
        else
          await store.create('ConfigMap', {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name, namespace: this.namespace, labels: { [LABEL]: 'true' } },
            data,
          });
        return;
      } catch (e) {
        if (!isWeirError(e) || (e.code !== 'CONFLICT' && e.code !== 'ALREADY_EXISTS') || attempt >= 5) throw e;
      }
    }
  }
}
