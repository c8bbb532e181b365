// The level-triggered workflow controller: a queue of `namespace/name` keys processed one at a time per workflow.
// reconcile(key) runs one pass (controller-pass.ts: read, operate, record handles, save, side effects, start,
// requeue; its header states the crash-safety ordering). A restarted controller lists all Workflows and re-adopts
// their steps from the saved handles (see WeirNodeState in types.ts). Step completions, watch events and timers only
// enqueue the key again. An unexpected throw marks the workflow Error. Lifecycle: src/core/lifecycle.ts.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pause, systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { errorMessage } from '../core/errors.js';
import { Lifecycle } from '../core/lifecycle.js';
import type { LifecycleState } from '../core/lifecycle.js';
import { nullLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import { safeName } from '../executor/node-dir.js';
import type { StepExecutor, StepHandle } from '../executor/types.js';
import type { ResourceStore, StoredObject } from '../store/types.js';
import type { StoredWorkflow } from '../api/objects.js';
import { StepTracker } from './step-tracker.js';
import { PassCache } from './pass-cache.js';
import { Mutex } from './controller-context.js';
import { subStepsOf } from './sub-steps.js';
import { ArtifactHost } from './artifact-effects.js';
import { ControllerRequests } from './controller-requests.js';
import type { ArtifactHostOptions } from './artifact-effects.js';
import { NO_HOST_PATHS } from './host-paths.js';
import type { HostPathPolicy } from './host-paths.js';
import { EXPENSIVE_PASS_MS, FINAL, parseKey, runPass } from './controller-pass.js';
import type { PassDeps } from './controller-pass.js';
import type { WorkflowObject } from './types.js';
import { ClaimEffects } from './claim-effects.js';
import { PodCollector } from './pod-gc.js';

export interface WorkflowControllerOptions {
  store: ResourceStore;
  executor: StepExecutor;
  logger?: Logger;
  /** Milliseconds since the epoch (`now`) and the controller's waits (`sleep`). Default: the system clock. */
  clock?: Clock;
  /** Grace period between SIGTERM and SIGKILL when a step is stopped. Default 2000 ms. */
  killGraceMs?: number;
  /** Template nesting limit. Default 100. */
  maxDepth?: number;
  /** Every known workflow is reconciled again this often (level-triggered healing). Default 30000 ms. */
  resyncMs?: number;
  /**
   * Workflows reconciled at the same time (never one workflow twice at once). Default 16: passes of different
   * workflows then share the store's group commits instead of waiting for one commit each.
   */
  workers?: number;
  /** Root of per-workflow volume directories. Default: `<executor dataDir>/volumes` for the host executor, else unset. */
  volumesDir?: string;
  /**
   * Host paths that hostPath volumes may mount. Default: none (hostPath volumes fail their step); the host
   * executor's data dir is always added to `deny`.
   */
  hostPaths?: HostPathPolicy;
  /** List all Workflows at start and watch the store for new and changed ones. Default true. */
  watch?: boolean;
  /**
   * Artifacts: `dataDir` holds the local repository (default: the host executor's data dir), `defaultRepository`
   * is used when the namespace has no artifact-repositories ConfigMap (default `{ local: {} }`). false: no artifact
   * support (input artifacts other than raw data and output artifacts fail their step).
   */
  artifacts?: ArtifactHostSettings | false;
  /** Called once per step this process starts or adopts (e.g. to stream its logs). */
  onStepStarted?: (info: { workflow: string; nodeId: string; handle: StepHandle; executor: StepExecutor }) => void;
}

/** Artifact settings of the controller (see WorkflowControllerOptions.artifacts). */
export type ArtifactHostSettings = Partial<Omit<ArtifactHostOptions, 'store'>>;

const keyOf = (o: StoredObject): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;

export class WorkflowController {
  private readonly pending = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Cost (ms) of the last pass's read-operate-save part, per key. */
  private readonly costs = new Map<string, number>();
  /** performance.now() before which the key's next pass waits (see EXPENSIVE_PASS_MS), and its timers. */
  private readonly notBefore = new Map<string, number>();
  private readonly gapTimers = new Map<string, NodeJS.Timeout>();
  private readonly noted = new Set<string>();
  /** Uids of deleted workflows whose volumes and artifacts were collected (the newest 1000). */
  private readonly collected = new Set<string>();
  private readonly known = new Set<string>();
  /** Last saved objects, newest versions seen, own writes, spec texts (see pass-cache.ts). */
  private readonly cache: PassCache;
  private wake: (() => void) | undefined;
  /** Set by wakeUp(): something changed since the run loop last looked. */
  private woken = false;
  /** Held by passes that read other workflows' lock holdings, until they end: two must not both take a lock. */
  private readonly syncMutex = new Mutex();
  private readonly life = new Lifecycle('the workflow controller');
  /** Reconcile passes so far (benchmarks and tests read it). */
  passes = 0;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly steps: StepTracker;
  private readonly volumesDir: string | undefined;
  private readonly hostPaths: HostPathPolicy;
  /** Requests of http nodes, by `<uid>/<node id>` (in memory: one in flight at a restart is sent again). */
  private readonly requests: ControllerRequests;
  private readonly artifacts: ArtifactHost | undefined;
  private readonly passDeps: PassDeps;
  private readonly podGc: PodCollector;

  constructor(private readonly o: WorkflowControllerOptions) {
    this.log = o.logger ?? nullLogger;
    this.cache = new PassCache(o.watch !== false);
    this.clock = o.clock ?? systemClock;
    const exDir = (o.executor as { options?: { dataDir?: unknown } }).options?.dataDir;
    this.volumesDir = o.volumesDir ?? (typeof exDir === 'string' ? join(exDir, 'volumes') : undefined);
    const policy = o.hostPaths ?? NO_HOST_PATHS;
    this.hostPaths = Object.freeze({ allow: policy.allow, deny: [...policy.deny, ...(typeof exDir === 'string' ? [exDir] : [])] });
    const artDir = o.artifacts === false ? undefined : (o.artifacts?.dataDir ?? (typeof exDir === 'string' ? exDir : undefined));
    if (o.artifacts !== false && artDir !== undefined)
      this.artifacts = new ArtifactHost({
        store: o.store,
        dataDir: artDir,
        defaultRepository: o.artifacts?.defaultRepository,
        drivers: o.artifacts?.drivers,
      });
    this.requests = new ControllerRequests({ store: o.store, artifacts: this.artifacts, done: (key) => this.enqueue(key) });
    this.steps = new StepTracker({
      executor: o.executor,
      log: this.log,
      now: () => this.clock.now(),
      changed: (key) => this.enqueue(key),
      saveArtifacts: (wfKey, plan, r) =>
        this.artifacts
          ? this.artifacts.saveOutputs(parseKey(wfKey).namespace, plan, r)
          : Promise.resolve({ artifacts: [], errors: ['no artifact repository on this controller'] }),
      onFollow: o.onStepStarted
        ? ({ workflowKey, nodeId, handle }) => o.onStepStarted?.({ workflow: workflowKey, nodeId, handle, executor: o.executor })
        : undefined,
    });
    this.podGc = new PodCollector({ executor: o.executor, log: this.log });
    this.passDeps = {
      store: o.store,
      executor: o.executor,
      log: this.log,
      now: () => this.clock.now(),
      maxDepth: o.maxDepth,
      killGraceMs: o.killGraceMs ?? 2000,
      kills: new Set(),
      hostPaths: this.hostPaths,
      cache: this.cache,
      steps: this.steps,
      requests: this.requests,
      artifacts: this.artifacts,
      podGc: this.podGc,
      claims: new ClaimEffects(o.store, this.log),
      syncMutex: this.syncMutex,
      noted: this.noted,
      known: this.known,
      costs: this.costs,
      volumeRoot: (wf) => this.volumeRoot(wf),
      enqueue: (key, delayMs) => this.enqueue(key, delayMs),
      forgetKey: (key) => this.forgetKey(key),
      gone: (key, obj, keepUid) => this.workflowGone(key, obj, keepUid),
    };
  }

  state(): LifecycleState {
    return this.life.state;
  }

  /** Schedules a reconcile of `namespace/name` now or after `delayMs`. */
  enqueue(key: string, delayMs = 0): void {
    if (delayMs > 0) {
      if (this.life.stopping) return;
      const prev = this.timers.get(key);
      if (prev) clearTimeout(prev);
      this.timers.set(
        key,
        setTimeout(() => {
          this.timers.delete(key);
          this.enqueue(key);
        }, delayMs),
      );
      return;
    }
    this.pending.add(key);
    this.known.add(key);
    this.wakeUp();
  }

  private wakeUp(): void {
    this.woken = true;
    this.wake?.();
  }

  /** Same as run(): lists the stored Workflows, watches for changes and reconciles until `signal` aborts. */
  start(signal: AbortSignal): Promise<void> {
    return this.run(signal);
  }

  /**
   * Processes queued keys until `signal` aborts or stop(), up to `workers` keys at a time and one pass per key at a
   * time. Unless `watch: false`, first enqueues every non-final Workflow in the store (a restarted controller
   * continues them) and follows the store's changes. A controller runs once (a second run() is refused).
   */
  run(signal: AbortSignal): Promise<void> {
    return this.life.run(signal, {
      body: async (inner) => {
        this.life.markRunning();
        await this.serve(inner);
      },
    });
  }

  /** Stops the controller and waits for passes in flight; idempotent, and allowed before run(). */
  stop(): Promise<void> {
    return this.life.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.life.stop();
  }

  private async serve(signal: AbortSignal): Promise<void> {
    const resync = setInterval(() => {
      for (const k of this.known) this.enqueue(k);
    }, this.o.resyncMs ?? 30_000);
    const onAbort = (): void => {
      this.requests.close();
      clearInterval(resync);
      this.artifacts?.close();
      this.podGc.close();
      for (const t of this.timers.values()) clearTimeout(t);
      this.timers.clear();
      for (const t of this.gapTimers.values()) clearTimeout(t);
      this.gapTimers.clear();
      this.wake?.();
    };
    signal.addEventListener('abort', onAbort);
    const watching = this.o.watch === false ? Promise.resolve() : this.watchStore(signal);
    if (this.podGc.active) this.podGc.startSweep(this.o.store, this.clock.now(), signal);
    const workers = Math.max(1, this.o.workers ?? 16);
    const inFlight = new Map<string, Promise<void>>();
    try {
      while (!signal.aborted) {
        this.woken = false;
        for (const key of this.pending) {
          if (inFlight.size >= workers) break;
          if (inFlight.has(key)) continue; // its pass in flight runs it again when done (the key stays pending)
          this.pending.delete(key);
          if (this.waitForGap(key)) continue;
          inFlight.set(
            key,
            this.reconcile(key).finally(() => {
              inFlight.delete(key);
              const cost = this.costs.get(key) ?? 0;
              if (cost >= EXPENSIVE_PASS_MS) this.notBefore.set(key, performance.now() + cost);
              else this.notBefore.delete(key);
              this.wakeUp();
            }),
          );
        }
        if (this.woken) continue;
        await new Promise<void>((r) => {
          this.wake = r;
        });
        this.wake = undefined;
      }
      await Promise.all(inFlight.values());
    } finally {
      onAbort();
      signal.removeEventListener('abort', onAbort);
      await watching;
      // Steps being stopped get their SIGKILL (after the grace) before the controller reports itself stopped.
      await Promise.allSettled([...this.passDeps.kills]);
    }
  }

  /** True when the key's next pass must wait (see EXPENSIVE_PASS_MS); a timer enqueues it then. */
  private waitForGap(key: string): boolean {
    const wait = (this.notBefore.get(key) ?? 0) - performance.now();
    if (wait <= 0) return false;
    if (!this.gapTimers.has(key)) {
      this.gapTimers.set(
        key,
        setTimeout(() => {
          this.gapTimers.delete(key);
          this.enqueue(key);
        }, Math.ceil(wait)),
      );
    }
    return true;
  }

  /** Lists all Workflows (enqueueing the unfinished ones), then follows changes; retries after store errors. */
  private async watchStore(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        let rv: string | undefined;
        let cont: string | undefined;
        const listed = new Set<string>();
        do {
          const page = await this.o.store.list('Workflow', { limit: 500, continue: cont });
          rv ??= page.resourceVersion;
          for (const o of page.items) {
            listed.add(keyOf(o));
            if (!FINAL.has(String(o.status?.phase))) this.enqueue(keyOf(o));
          }
          cont = page.continue;
        } while (cont !== undefined && !signal.aborted);
        // Known workflows missing from a list again (after a failed watch) were deleted meanwhile: their next pass
        // finds them gone and stops their steps (no DELETED event will come for them).
        for (const k of this.known) if (!listed.has(k)) this.enqueue(k);
        for await (const ev of this.o.store.watch('Workflow', { signal, sinceResourceVersion: rv, shared: true })) {
          const key = keyOf(ev.object);
          const own = this.cache.observed(key, ev.object.metadata.resourceVersion);
          if (ev.type === 'DELETED') {
            this.workflowGone(key, ev.object);
            continue;
          }
          if (own) continue;
          if (FINAL.has(String(ev.object.status?.phase))) continue;
          this.cache.seen(key, ev.object); // the pass needs no read of what the event carries
          this.enqueue(key);
        }
      } catch (e) {
        if (signal.aborted) return;
        this.log.warn({ err: errorMessage(e) }, 'workflow watch failed; listing again in 1s');
        await pause(this.clock, 1000, signal);
      }
    }
  }

  /**
   * A Workflow gone from the store: from the watch's DELETED event, or a pass that found it missing (a read, or a
   * save answered NOT_FOUND; a watch that had to list again never reports the delete). The controller forgets it,
   * stops its steps through the executor (those it follows, also ones whose start is still in flight, and those
   * recorded in `obj`'s status) and frees their files, its volumes and, given the object, its artifacts (deletion
   * strategy). Without `obj` the steps this process follows under `key` are stopped (but not those of `keepUid`,
   * the workflow now stored under that name). Once per uid for the parts that need `obj`.
   */
  private workflowGone(key: string, obj?: StoredWorkflow, keepUid?: string): void {
    if (obj === undefined) {
      if (keepUid === undefined) this.forgetKey(key);
      for (const uid of this.steps.uidsOf(key)) if (uid !== keepUid) this.stopSteps(key, uid, []);
      return;
    }
    this.forgetKey(key);
    const wf: WorkflowObject = obj;
    const uid = wf.metadata.uid;
    this.requests.forget(uid);
    const handles = Object.values(wf.status?.nodes ?? {}).flatMap((n) =>
      [n.weir?.handle, ...subStepsOf(n).map((x) => x.record.handle)].flatMap((h) => (h ? [{ node: n.id, h }] : [])),
    );
    this.stopSteps(key, uid, handles);
    if (this.collected.has(uid)) return;
    this.collected.add(uid);
    for (const old of this.collected) {
      if (this.collected.size <= 1000) break;
      this.collected.delete(old);
    }
    const root = this.volumeRoot(wf);
    if (root) void rm(root, { recursive: true, force: true }).catch(() => undefined);
    void this.artifacts?.collect(wf, 'deletion').then(
      (r) => {
        for (const f of r?.failed ?? [])
          this.log.warn({ workflow: key, node: f.record.nodeId, err: f.message }, 'artifact garbage collection failed');
      },
      (e: unknown) => this.log.warn({ workflow: key, err: errorMessage(e) }, 'artifact garbage collection failed'),
    );
  }

  /** Stops (SIGKILL) and frees the steps of a deleted workflow: those followed, and `recorded` (from its status). */
  private stopSteps(key: string, uid: string, recorded: { node: string; h: StepHandle }[]): void {
    // Steps this process follows too: their handles may not have reached the stored status yet.
    const followed = this.steps.abandon(uid).map((h) => ({ node: h.id, h }));
    const seen = new Set<string>();
    for (const { node, h } of [...recorded, ...followed]) {
      if (h.executor !== this.o.executor.kind || seen.has(h.id)) continue;
      seen.add(h.id);
      if (seen.size === 1) this.log.info({ workflow: key }, 'workflow deleted; stopping its steps');
      void this.o.executor.cleanup(h).catch((e: unknown) => {
        this.log.warn({ workflow: key, node, err: errorMessage(e) }, 'step cleanup failed');
      });
    }
  }

  private forgetKey(key: string): void {
    this.known.delete(key);
    this.cache.forget(key);
    this.costs.delete(key);
    this.notBefore.delete(key);
  }

  /** The handle of a step this controller follows (started or adopted). */
  handleOf(uid: string, nodeId: string): StepHandle | undefined {
    return this.steps.handle(uid, nodeId);
  }

  private volumeRoot(wf: WorkflowObject): string | undefined {
    return this.volumesDir === undefined ? undefined : join(this.volumesDir, safeName(wf.metadata.uid));
  }

  /** One level-triggered pass over a workflow (controller-pass.ts). Never throws. */
  async reconcile(key: string): Promise<void> {
    this.passes++;
    const held: { release?: () => void } = {};
    try {
      await runPass(this.passDeps, key, held);
    } finally {
      held.release?.();
    }
  }
}
