// Early notice of container exits from the engine's event stream (podman). podman's wait endpoint answers only once
// the container is cleaned up, which conmon's exit command (a `podman container cleanup` process) does: about a
// second after the exit on a loaded machine. The `die` event comes as soon as podman has read the exit file, which
// the wait in flight makes it do within its 250 ms poll. An event is a hint only: the executor inspects the
// container and takes the exit when the engine says it is no longer running, and the engine's wait stays the
// authority (it answers anyway when the stream is down or an event was missed). One stream per engine connection,
// opened on first use, reopened after a failure at most every RETRY_MS; its socket does not hold the process open.
import type { IncomingMessage } from 'node:http';
import { query } from './container-api.js';
import type { EngineApi } from './container-api.js';

const RETRY_MS = 5_000;
/** How long a `die` seen before anyone waited for it is kept (a container that exits before its wait begins). */
const RECENT_MS = 60_000;
const RECENT_MAX = 4_096;
/** Longest event line read; a longer one is skipped. */
const MAX_LINE = 1 << 20;

interface DieEvent {
  Action?: unknown;
  status?: unknown;
  Actor?: { Attributes?: Record<string, unknown> | null } | null;
}

export class ExitWatch {
  private res: IncomingMessage | undefined;
  private opening = false;
  private failedAt = 0;
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly recent = new Map<string, number>();

  constructor(
    private readonly api: EngineApi,
    private readonly label: string,
  ) {}

  /** Opens the event stream unless it is open, opening, or failed less than RETRY_MS ago. Never throws. */
  ensure(): void {
    if (this.res || this.opening || Date.now() - this.failedAt < RETRY_MS) return;
    this.opening = true;
    // podman filters by its own event name (`died`) and reports Docker's (`die`); either matches.
    const filters = JSON.stringify({ type: ['container'], event: ['die', 'died'], label: [`${this.label}=true`] });
    this.api.stream({ path: `/events${query({ filters })}` }).then(
      (res) => {
        this.opening = false;
        if (!res) return;
        this.res = res;
        res.socket.unref();
        this.read(res);
      },
      () => {
        this.opening = false;
        this.failedAt = Date.now();
      },
    );
  }

  private read(res: IncomingMessage): void {
    let buf = '';
    let skipping = false;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (skipping) skipping = false;
        else this.line(line);
      }
      if (buf.length > MAX_LINE) {
        buf = '';
        skipping = true;
      }
    });
    const gone = (): void => {
      if (this.res !== res) return;
      this.res = undefined;
      this.failedAt = Date.now();
    };
    res.on('end', gone);
    res.on('error', gone);
    res.on('close', gone);
  }

  private line(line: string): void {
    if (line.trim() === '') return;
    let ev: DieEvent;
    try {
      ev = JSON.parse(line) as DieEvent;
    } catch {
      return;
    }
    const name = ev.Actor?.Attributes?.name;
    if ((ev.Action ?? ev.status) !== 'die' || typeof name !== 'string') return;
    this.recent.delete(name);
    this.recent.set(name, Date.now());
    for (const [n, at] of this.recent) {
      if (this.recent.size <= RECENT_MAX && Date.now() - at < RECENT_MS) break;
      this.recent.delete(n);
    }
    for (const f of this.listeners.get(name) ?? []) f();
  }

  /**
   * Calls `onDie` for each `die` event of the container named `name` from now on, and once at once when one was
   * seen in the last RECENT_MS. Returns the function that stops it.
   */
  watch(name: string, onDie: () => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(onDie);
    const at = this.recent.get(name);
    if (at !== undefined && Date.now() - at < RECENT_MS) queueMicrotask(onDie);
    return () => {
      set.delete(onDie);
      if (set.size === 0 && this.listeners.get(name) === set) this.listeners.delete(name);
    };
  }

  close(): void {
    this.res?.destroy();
    this.res = undefined;
  }
}

const watches = new WeakMap<EngineApi, ExitWatch>();

/** The ExitWatch of an engine connection (containers carrying `label=true`), made on first use. */
export function exitWatchOf(api: EngineApi, label: string): ExitWatch {
  let w = watches.get(api);
  if (!w) watches.set(api, (w = new ExitWatch(api, label)));
  return w;
}
