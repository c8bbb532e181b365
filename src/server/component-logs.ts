// Recent log records of each event source and sensor this process runs, for GET /api/v1/stream/{event-sources,
// sensors}/{ns}/logs: a bounded ring per namespace/name (default 1,000 records, at most 4,096 names, least recently
// written dropped first), fed by a tap on the hosts' logger (the same records the server log shows), plus live
// subscribers. A record keeps its message and a fixed list of fields (ids, error text, retry facts), never the
// rest of the logged object, so nothing reaches the API that the log call did not name in that list.
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import type { LogLevel } from '../core/logger.js';
import type { LogTap } from '../core/log-tap.js';

export interface ComponentLogEntry {
  /** Order of arrival in this book (1, 2, ...). */
  seq: number;
  namespace: string;
  /** The EventSource or Sensor name. */
  name: string;
  level: LogLevel;
  /** RFC 3339. */
  time: string;
  msg: string;
  eventSourceType?: string;
  eventName?: string;
  triggerName?: string;
  dependencyName?: string;
}

export type NewComponentLogEntry = Omit<ComponentLogEntry, 'seq'>;

export interface ComponentLogsOptions {
  /** Records kept per namespace/name. Default 1,000. */
  perName?: number;
  /** Names kept; the least recently written ring is dropped past this. Default 4,096. */
  maxNames?: number;
  /** Longer messages are cut (with an ellipsis). Default 4,096 characters. */
  maxMsgChars?: number;
  /** Milliseconds since the epoch (`now`). Default: the system clock. */
  clock?: Clock;
}

class Ring {
  private readonly buf: ComponentLogEntry[] = [];
  private start = 0;
  constructor(private readonly cap: number) {}

  push(e: ComponentLogEntry): void {
    if (this.buf.length < this.cap) this.buf.push(e);
    else {
      this.buf[this.start] = e;
      this.start = (this.start + 1) % this.cap;
    }
  }

  items(): ComponentLogEntry[] {
    return [...this.buf.slice(this.start), ...this.buf.slice(0, this.start)];
  }
}

export type LogSubscriber = (e: ComponentLogEntry) => void;

/** The rings of one kind of component (one book for event sources, one for sensors). */
export class ComponentLogs {
  readonly perName: number;
  readonly maxNames: number;
  readonly maxMsgChars: number;
  readonly clock: Clock;
  private seq = 0;
  /** Map order is write order: the first key is the least recently written. */
  private readonly rings = new Map<string, Ring>();
  private lastKey: string | undefined;
  private readonly subscribers = new Set<LogSubscriber>();

  constructor(o: ComponentLogsOptions = {}) {
    this.perName = Math.max(1, o.perName ?? 1000);
    this.maxNames = Math.max(1, o.maxNames ?? 4096);
    this.maxMsgChars = Math.max(16, o.maxMsgChars ?? 4096);
    this.clock = o.clock ?? systemClock;
  }

  append(input: NewComponentLogEntry): void {
    const msg = input.msg.length > this.maxMsgChars ? `${input.msg.slice(0, this.maxMsgChars - 1)}…` : input.msg;
    const e: ComponentLogEntry = { ...input, msg, seq: ++this.seq };
    const key = `${e.namespace}/${e.name}`;
    let ring = this.rings.get(key);
    if (ring === undefined) {
      ring = new Ring(this.perName);
      this.rings.set(key, ring);
    } else if (key !== this.lastKey) {
      // Moved to the end (most recently written); a run of records of one name skips the re-insert.
      this.rings.delete(key);
      this.rings.set(key, ring);
    }
    this.lastKey = key;
    ring.push(e);
    if (this.rings.size > this.maxNames) {
      const oldest = this.rings.keys().next().value;
      if (oldest !== undefined) this.rings.delete(oldest);
    }
    for (const s of this.subscribers) {
      try {
        s(e);
      } catch {
        // A broken subscriber must not stop the others or the logger.
      }
    }
  }

  /** Kept records of a namespace (of one name when given), oldest first. */
  snapshot(namespace: string, name?: string): ComponentLogEntry[] {
    if (name !== undefined) return this.rings.get(`${namespace}/${name}`)?.items() ?? [];
    const prefix = `${namespace}/`;
    const out: ComponentLogEntry[] = [];
    for (const [k, r] of this.rings) if (k.startsWith(prefix)) out.push(...r.items());
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Calls `fn` with every record appended from now on; returns the unsubscribe function. */
  subscribe(fn: LogSubscriber): () => void {
    const s: LogSubscriber = (e) => fn(e);
    this.subscribers.add(s);
    return () => void this.subscribers.delete(s);
  }
}

/** Fields of a log call that a record keeps (in this order, plain values only), appended to the message as `(k=v ...)`. */
const KEPT_FIELDS = [
  'eventId',
  'seq',
  'duplicate',
  'duplicates',
  'outcome',
  'workflow',
  'events',
  'code',
  'err',
  'attempt',
  'retryInMs',
  'port',
] as const;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function render(msg: string | undefined, obj: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const k of KEPT_FIELDS) {
    const v = obj[k];
    // Only plain values: an object (a payload, say) is never copied into the ring.
    if (typeof v === 'string' ? v === '' : typeof v !== 'number' && typeof v !== 'boolean') continue;
    parts.push(`${k}=${String(v)}`);
  }
  return `${msg ?? ''}${parts.length > 0 ? ` (${parts.join(' ')})` : ''}`;
}

/** A tap for the event source host's logger: records naming `namespace` and `eventSource` go to `book`. */
export function eventSourceLogTap(book: ComponentLogs): LogTap {
  return (level, obj, msg) => {
    const namespace = str(obj.namespace);
    const name = str(obj.eventSource);
    if (namespace === undefined || name === undefined) return;
    const eventSourceType = str(obj.kind);
    const eventName = str(obj.eventName);
    book.append({
      namespace,
      name,
      level,
      time: new Date(book.clock.now()).toISOString(),
      msg: render(msg, obj),
      ...(eventSourceType !== undefined ? { eventSourceType } : {}),
      ...(eventName !== undefined ? { eventName } : {}),
    });
  };
}

/** A tap for the sensor host's logger: records naming a sensor (`namespace` + `sensor`, or `sensor: "ns/name"`). */
export function sensorLogTap(book: ComponentLogs): LogTap {
  return (level, obj, msg) => {
    let namespace = str(obj.namespace);
    let name = str(obj.sensor);
    if (name === undefined) return;
    const slash = name.indexOf('/');
    if (namespace === undefined && slash > 0) {
      namespace = name.slice(0, slash);
      name = name.slice(slash + 1);
    }
    if (namespace === undefined || name === '') return;
    const triggerName = str(obj.trigger);
    const dependencyName = str(obj.dependency);
    book.append({
      namespace,
      name,
      level,
      time: new Date(book.clock.now()).toISOString(),
      msg: render(msg, obj),
      ...(triggerName !== undefined ? { triggerName } : {}),
      ...(dependencyName !== undefined ? { dependencyName } : {}),
    });
  };
}
