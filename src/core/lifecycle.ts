// The explicit lifecycle of a long-lived service (event-source host, sensor host, cron controller, workflow
// controller): new → starting → running → draining → stopped, or failed when the body throws before it was told
// to stop. A service runs once: a second run() or a run() after stop() is refused with CONFLICT. stop() may be
// called at any time and any number of times (before run(): the service is stopped without ever starting). The
// run signal and stop() both abort the body's signal; drain() runs after the body, in both cases.
import { WeirError } from './errors.js';

export type LifecycleState = 'new' | 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

export interface LifecycleRun {
  /** The service's work until `signal` aborts (or until it fails). */
  body(signal: AbortSignal): Promise<void>;
  /** Releases what the body left (runners, sockets, timers); runs once, after the body. */
  drain?(): Promise<void>;
}

export class Lifecycle {
  private current: LifecycleState = 'new';
  private readonly ac = new AbortController();
  private resolveClosed: () => void = () => undefined;
  /** Settles when the service has stopped (or failed), or at once when it was stopped before it started. */
  readonly closed: Promise<void>;

  /** `what` names the service in errors ("the event source host"). */
  constructor(private readonly what: string) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  get state(): LifecycleState {
    return this.current;
  }

  /** Aborts when the service is told to stop (its run signal or stop()). */
  get signal(): AbortSignal {
    return this.ac.signal;
  }

  /** True from the moment the service is told to stop. */
  get stopping(): boolean {
    return this.ac.signal.aborted || this.current === 'stopped' || this.current === 'failed';
  }

  /** The body reports it is serving (e.g. after its first list). Ignored unless starting. */
  markRunning(): void {
    if (this.current === 'starting') this.current = 'running';
  }

  /** Runs the service once until `signal` aborts or stop() is called; rethrows a failure of the body. */
  async run(signal: AbortSignal, r: LifecycleRun): Promise<void> {
    if (this.current !== 'new') {
      const why = this.current === 'stopped' || this.current === 'failed' ? 'was stopped' : 'is already running';
      throw new WeirError('CONFLICT', `${this.what} ${why}; a service runs once`);
    }
    this.current = 'starting';
    const onAbort = (): void => this.ac.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    let failure: { e: unknown } | undefined;
    try {
      await r.body(this.ac.signal);
    } catch (e) {
      if (!this.ac.signal.aborted) failure = { e };
    } finally {
      this.current = failure ? 'failed' : 'draining';
      signal.removeEventListener('abort', onAbort);
      this.ac.abort();
      try {
        await r.drain?.();
      } finally {
        if (this.current === 'draining') this.current = 'stopped';
        this.resolveClosed();
      }
    }
    if (failure) throw failure.e;
  }

  /** Tells the service to stop and waits until it has; idempotent. Before run(): stopped at once. */
  async stop(): Promise<void> {
    this.ac.abort();
    if (this.current === 'new') {
      this.current = 'stopped';
      this.resolveClosed();
    }
    await this.closed;
  }
}
