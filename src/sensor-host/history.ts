// The decision log of a sensor: a bounded history of decisions, of the events that produced them, and a status
// summary, kept in a ConfigMap `weir-sensor-<name>` next to the Sensor. A ConfigMap because every store (memory,
// SQLite, Kubernetes) already holds them with optimistic concurrency, they are visible with ordinary tools, and no
// schema change is needed; the bound (entries and bytes) keeps it far below the 1 MiB object limit.
import type { CloudEvent } from '../core/cloudevent.js';
import { isWeirError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ResourceStore } from '../store/types.js';
import type { Decision } from './decisions.js';

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
      return JSON.parse(l) as T;
    } catch {
      return undefined;
    }
  };
  return {
    decisions: lines(data['decisions.jsonl']).map((l) => parse<HistoryRecord>(l)).filter((x): x is HistoryRecord => x !== undefined),
    events: lines(data['events.jsonl']).map((l) => parse<RecordedEvent>(l)).filter((x): x is RecordedEvent => x !== undefined),
    status: parse<SensorStatus>(data['status.json'] ?? '') ?? { events: 0, counts: {}, errors: 0 },
  };
}

function errorOf(d: HistoryRecord): string | undefined {
  if (d.type === 'failed') return d.error;
  if (d.type === 'filtered-out' && d.error) return d.reason;
  return undefined;
}

/** Appends to one sensor's history; writes are serialised and retried on CONFLICT; failures are logged, never thrown. */
export class HistoryWriter {
  private chain: Promise<void> = Promise.resolve();
  private readonly maxDecisions: number;
  private readonly maxEvents: number;
  private readonly maxBytes: number;

  constructor(private readonly opts: HistoryOptions, private readonly namespace: string, private readonly sensor: string) {
    this.maxDecisions = opts.maxDecisions ?? 500;
    this.maxEvents = opts.maxEvents ?? 200;
    this.maxBytes = opts.maxBytes ?? 512 * 1024;
  }

  append(event: RecordedEvent, records: readonly HistoryRecord[]): Promise<void> {
    this.chain = this.chain.then(() => this.write(event, records)).catch((e: unknown) => {
      this.opts.log.warn({ sensor: this.sensor, eventId: event.id, err: (e as Error).message }, 'could not record sensor decisions');
    });
    return this.chain;
  }

  private trim(list: string[], max: number): string[] {
    return list.slice(-max);
  }

  private async write(event: RecordedEvent, records: readonly HistoryRecord[]): Promise<void> {
    const { store } = this.opts;
    const name = historyName(this.sensor);
    for (let attempt = 0; ; attempt++) {
      const cur = await store.get('ConfigMap', this.namespace, name);
      const data = { ...((cur?.data ?? {}) as Record<string, string>) };
      let decisions = this.trim([...lines(data['decisions.jsonl']), ...records.map((r) => JSON.stringify(r))], this.maxDecisions);
      let events = this.trim([...lines(data['events.jsonl']), JSON.stringify(event)], this.maxEvents);
      const size = (): number => decisions.reduce((n, l) => n + l.length + 1, 0) + events.reduce((n, l) => n + l.length + 1, 0);
      while (size() > this.maxBytes && (decisions.length > 1 || events.length > 1)) {
        if (decisions.length >= events.length) decisions = decisions.slice(1);
        else events = events.slice(1);
      }
      let status: SensorStatus;
      try {
        status = JSON.parse(data['status.json'] ?? '') as SensorStatus;
      } catch {
        status = { events: 0, counts: {}, errors: 0 };
      }
      status.events++;
      status.lastEventTime = event.weirreceivedat;
      for (const r of records) {
        status.counts[r.type] = (status.counts[r.type] ?? 0) + 1;
        const err = errorOf(r);
        if (err !== undefined) {
          status.errors++;
          status.lastError = err;
          status.lastErrorTime = r.at;
        }
      }
      data['decisions.jsonl'] = decisions.join('\n') + '\n';
      data['events.jsonl'] = events.join('\n') + '\n';
      data['status.json'] = JSON.stringify(status);
      try {
        if (cur) await store.update('ConfigMap', { ...cur, data });
        else await store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: this.namespace, labels: { [LABEL]: 'true' } }, data });
        return;
      } catch (e) {
        if (!isWeirError(e) || (e.code !== 'CONFLICT' && e.code !== 'ALREADY_EXISTS') || attempt >= 5) throw e;
      }
    }
  }

  /** Resolves when every append so far is written. */
  flush(): Promise<void> {
    return this.chain;
  }
}
