// CronController: the background service that runs CronWorkflows. Level-triggered: a queue of `namespace/name`
// keys fed by a list+watch of CronWorkflows, a watch of their child Workflows (phase changes), and one timer loop
// that sleeps (abortably, on the injected clock) until the earliest next tick or resync. Each key is reconciled
// by reconcileCron (one at a time); errors are logged and retried after a second, never fatal.
import { pause, systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { Lifecycle } from '../core/lifecycle.js';
import type { LifecycleState } from '../core/lifecycle.js';
import { nullLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import type { ResourceStore, StoredObject } from '../store/types.js';
import { reconcileCron } from './reconcile.js';
import { CRON_WORKFLOW_LABEL } from './ticks.js';
import { errorMessage } from '../core/errors.js';

export interface CronControllerOptions {
  store: ResourceStore;
  /** Default: the system clock. */
  clock?: Clock;
  logger?: Logger;
  /** Look at every CronWorkflow at least this often (ms). Default 30,000. */
  resyncMs?: number;
  /** Entries kept in status.history. Default 200. */
  historyLimit?: number;
  /**
   * Ticks before this instant (ms) count as missed while Weir was down (catch-up rules). Default: the clock's time
   * when run() starts (or when the controller is built, for direct reconcile() calls).
   */
  liveSince?: number;
}

const keyOf = (o: StoredObject): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
const FINAL = new Set(['Succeeded', 'Failed', 'Error']);

export class CronController {
  readonly name = 'cron-controller';
  private readonly clock: Clock;
  private readonly log: Logger;
  private liveSince: number;
  private readonly queue = new Set<string>();
  private readonly wake = new Map<string, number>();
  private kick: AbortController | undefined;
  private readonly life = new Lifecycle('the cron controller');
  /** Last phase seen per child workflow key: only changes wake the CronWorkflow. */
  private readonly childPhase = new Map<string, string>();
  /** Per key: ticks up to this instant are decided by this process (see ReconcileDeps.checkedUntil). */
  private readonly checked = new Map<string, number>();

  constructor(private readonly o: CronControllerOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.logger ?? nullLogger;
    this.liveSince = o.liveSince ?? this.clock.now();
  }

  get state(): LifecycleState {
    return this.life.state;
  }

  enqueue(key: string): void {
    this.queue.add(key);
    this.kick?.abort();
  }

  /** Reconciles one CronWorkflow now; returns when to look again (ms) and whether to go again at once. */
  async reconcile(key: string): Promise<{ nextWakeMs?: number; again?: boolean }> {
    const [ns, name] = key.split('/');
    const r = await reconcileCron(
      {
        store: this.o.store,
        clock: this.clock,
        log: this.log,
        liveSince: this.liveSince,
        historyLimit: this.o.historyLimit,
        checkedUntil: this.checked.get(key),
      },
      ns,
      name,
    );
    if (r.checkedUntil !== undefined) this.checked.set(key, r.checkedUntil);
    return r;
  }

  /** Reconciles every stored CronWorkflow once (tests, and the first pass of run()). */
  async reconcileAll(): Promise<void> {
    for (const key of await this.listKeys()) {
      for (let i = 0; i < 5 && (await this.reconcile(key)).again; i++);
    }
  }

  private async listKeys(): Promise<string[]> {
    const keys: string[] = [];
    let cont: string | undefined;
    do {
      const page = await this.o.store.list('CronWorkflow', { limit: 500, ...(cont ? { continue: cont } : {}) });
      keys.push(...page.items.map(keyOf));
      cont = page.continue;
    } while (cont);
    return keys;
  }

  /** Schedules until `signal` aborts or stop(); a controller runs once (a second run() is refused). */
  run(signal: AbortSignal): Promise<void> {
    let watches: Promise<void>[] = [];
    return this.life.run(signal, {
      body: async (inner) => {
        if (this.o.liveSince === undefined) this.liveSince = this.clock.now();
        this.life.markRunning();
        watches = [this.watchCrons(inner), this.watchChildren(inner)];
        await this.schedule(inner);
      },
      drain: async () => {
        await Promise.allSettled(watches);
      },
    });
  }

  /** Stops the controller and waits until its loops have ended; idempotent, and allowed before run(). */
  stop(): Promise<void> {
    return this.life.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.life.stop();
  }

  /** The timer loop: reconciles queued keys, then sleeps until the earliest wake-up, a resync or an enqueue. */
  private async schedule(signal: AbortSignal): Promise<void> {
    const resyncMs = this.o.resyncMs ?? 30_000;
    while (!signal.aborted) {
      const key = this.queue.values().next().value;
      if (key !== undefined) {
        this.queue.delete(key);
        const now = this.clock.now();
        let next = now + resyncMs;
        try {
          const r = await this.reconcile(key);
          if (r.again) this.queue.add(key);
          if (r.nextWakeMs !== undefined) next = Math.min(next, r.nextWakeMs);
        } catch (e) {
          this.log.error({ cronWorkflow: key, err: errorMessage(e) }, 'cron reconcile failed; retrying in 1s');
          next = now + 1000;
        }
        this.wake.set(key, next);
        continue;
      }
      const now = this.clock.now();
      let earliest = now + resyncMs;
      for (const [k, t] of this.wake) {
        if (t <= now) {
          this.wake.delete(k);
          this.queue.add(k);
        } else earliest = Math.min(earliest, t);
      }
      if (this.queue.size > 0) continue;
      this.kick = new AbortController();
      const woken = AbortSignal.any([signal, this.kick.signal]);
      await pause(this.clock, earliest - now, woken);
      this.kick = undefined;
    }
  }

  private async watchCrons(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const page = await this.o.store.list('CronWorkflow');
        for (const o of page.items) this.enqueue(keyOf(o));
        for await (const ev of this.o.store.watch('CronWorkflow', { signal, sinceResourceVersion: page.resourceVersion })) {
          if (ev.type === 'DELETED') {
            this.wake.delete(keyOf(ev.object));
            this.checked.delete(keyOf(ev.object));
          } else this.enqueue(keyOf(ev.object));
        }
      } catch (e) {
        if (signal.aborted) return;
        this.log.warn({ err: errorMessage(e) }, 'cron workflow watch failed; listing again in 1s');
        await pause(this.clock, 1000, signal);
      }
    }
  }

  private async watchChildren(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        for await (const ev of this.o.store.watch('Workflow', { signal, labelSelector: CRON_WORKFLOW_LABEL })) {
          const wf = ev.object;
          const k = keyOf(wf);
          const phase = ev.type === 'DELETED' ? 'Deleted' : String((wf.status as { phase?: string } | undefined)?.phase ?? 'Pending');
          if (this.childPhase.get(k) === phase) continue;
          if (ev.type === 'DELETED' || FINAL.has(phase)) this.childPhase.delete(k);
          else this.childPhase.set(k, phase);
          const owner = wf.metadata.labels?.[CRON_WORKFLOW_LABEL];
          if (owner) this.enqueue(`${wf.metadata.namespace ?? 'default'}/${owner}`);
        }
      } catch (e) {
        if (signal.aborted) return;
        this.log.warn({ err: errorMessage(e) }, 'cron child watch failed; watching again in 1s');
        await pause(this.clock, 1000, signal);
      }
    }
  }
}
