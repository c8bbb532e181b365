// The level-triggered workflow controller: a queue of `namespace/name` keys processed one at a time per workflow.
// reconcile(key) reads the Workflow, computes the next status with the pure `operate`, saves it once with
// optimistic concurrency, and only then performs side effects through the executor. Crash safety: a step's intent is
// saved before it is started and its handle in the same save that records it Running; a restarted controller lists
// all Workflows and re-adopts their steps from the saved handles (see WeirNodeState in types.ts). Step completions,
// watch events and timers only enqueue the key again. An unexpected throw marks the workflow Error.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WeirError, errorMessage } from '../core/errors.js';
import { nullLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import { safeName } from '../executor/node-dir.js';
import type { StepExecutor, StepHandle } from '../executor/types.js';
import type { ResourceStore, StoredObject } from '../store/types.js';
import type { StoredWorkflow } from '../api/objects.js';
import { isFinished } from './nodes.js';
import { COMPLETED_LABEL, PHASE_LABEL, operate } from './operate.js';
import { StepTracker } from './step-tracker.js';
import { PassCache } from './pass-cache.js';
import { Mutex, buildContext } from './controller-context.js';
import { withStandInPath } from './image-stand-ins.js';
import {
  missingCommand,
  prepareVolumes,
  releasedLocks,
  withResolvedMounts,
  saveCacheEntry,
  withPythonFallback,
  withWorkflowMetadata,
} from './controller-effects.js';
import { splitStepId, subStepRecord, subStepsOf } from './sub-steps.js';
import { ArtifactHost } from './artifact-effects.js';
import { ControllerRequests } from './controller-requests.js';
import type { ArtifactHostOptions } from './artifact-effects.js';
import { repositoryOf } from './artifacts.js';
import { hasStep } from './types.js';
import { NO_HOST_PATHS } from './host-paths.js';
import type { HostPathPolicy } from './host-paths.js';
import type { Action, NodeStatus, OperateResult, WorkflowObject, WorkflowStatus } from './types.js';

export interface WorkflowControllerOptions {
  store: ResourceStore;
  executor: StepExecutor;
  logger?: Logger;
  /** Milliseconds since the epoch. Default: Date.now. */
  clock?: () => number;
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

const FINAL = new Set(['Succeeded', 'Failed', 'Error']);

/**
 * A pass whose read-operate-save part took at least this long (a big workflow: the cost grows with its node count)
 * makes the next pass of the same workflow wait as long again, so that step completions arriving meanwhile are
 * handled together instead of one pass each (which is quadratic), and the controller leaves at least half of its
 * thread to starting steps. Passes of small workflows stay immediate.
 */
const EXPENSIVE_PASS_MS = 3;

/** Artifact settings of the controller (see WorkflowControllerOptions.artifacts). */
export type ArtifactHostSettings = Partial<Omit<ArtifactHostOptions, 'store'>>;

/** Splits `namespace/name`. */
function parseKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: 'default', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

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
  private readonly known = new Set<string>();
  /** Last saved objects, newest versions seen, own writes, spec texts (see pass-cache.ts). */
  private readonly cache: PassCache;
  private wake: (() => void) | undefined;
  /** Set by wakeUp(): something changed since the run loop last looked. */
  private woken = false;
  /** Held by passes that read other workflows' lock holdings, until they end: two must not both take a lock. */
  private readonly syncMutex = new Mutex();
  private stopped = false;
  /** Reconcile passes so far (benchmarks and tests read it). */
  passes = 0;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly steps: StepTracker;
  private readonly volumesDir: string | undefined;
  private readonly hostPaths: HostPathPolicy;
  /** Requests of http nodes, by `<uid>/<node id>` (in memory: one in flight at a restart is sent again). */
  private readonly requests: ControllerRequests;
  private readonly artifacts: ArtifactHost | undefined;

  constructor(private readonly o: WorkflowControllerOptions) {
    this.log = o.logger ?? nullLogger;
    this.cache = new PassCache(o.watch !== false);
    this.clock = o.clock ?? Date.now;
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
      now: this.clock,
      changed: (key) => this.enqueue(key),
      saveArtifacts: (wfKey, plan, r) =>
        this.artifacts
          ? this.artifacts.saveOutputs(parseKey(wfKey).namespace, plan, r)
          : Promise.resolve({ artifacts: [], errors: ['no artifact repository on this controller'] }),
      onFollow: o.onStepStarted
        ? ({ workflowKey, nodeId, handle }) => o.onStepStarted?.({ workflow: workflowKey, nodeId, handle, executor: o.executor })
        : undefined,
    });
  }

  /** Schedules a reconcile of `namespace/name` now or after `delayMs`. */
  enqueue(key: string, delayMs = 0): void {
    if (delayMs > 0) {
      if (this.stopped) return;
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
   * Processes queued keys until `signal` aborts, up to `workers` keys at a time and one pass per key at a time.
   * Unless `watch: false`, first enqueues every non-final Workflow in the store (a restarted controller continues
   * them) and follows the store's changes.
   */
  async run(signal: AbortSignal): Promise<void> {
    const resync = setInterval(() => {
      for (const k of this.known) this.enqueue(k);
    }, this.o.resyncMs ?? 30_000);
    const onAbort = (): void => {
      this.stopped = true;
      this.requests.close();
      clearInterval(resync);
      this.artifacts?.close();
      for (const t of this.timers.values()) clearTimeout(t);
      this.timers.clear();
      for (const t of this.gapTimers.values()) clearTimeout(t);
      this.gapTimers.clear();
      this.wake?.();
    };
    signal.addEventListener('abort', onAbort);
    this.stopped = false;
    const watching = this.o.watch === false ? Promise.resolve() : this.watchStore(signal);
    const workers = Math.max(1, this.o.workers ?? 16);
    const inFlight = new Map<string, Promise<void>>();
    try {
      while (!signal.aborted) {
        this.woken = false;
        for (const key of this.pending) {
          if (inFlight.size >= workers) break;
          if (inFlight.has(key)) continue; // its pass in flight runs it again when done (the key stays pending)
          this.pending.delete(key);
          const wait = (this.notBefore.get(key) ?? 0) - performance.now();
          if (wait > 0) {
            if (!this.gapTimers.has(key)) {
              this.gapTimers.set(
                key,
                setTimeout(() => {
                  this.gapTimers.delete(key);
                  this.enqueue(key);
                }, Math.ceil(wait)),
              );
            }
            continue;
          }
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
    }
  }

  /** Lists all Workflows (enqueueing the unfinished ones), then follows changes; retries after store errors. */
  private async watchStore(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        let rv: string | undefined;
        let cont: string | undefined;
        do {
          const page = await this.o.store.list('Workflow', { limit: 500, continue: cont });
          rv ??= page.resourceVersion;
          for (const o of page.items) if (!FINAL.has(String(o.status?.phase))) this.enqueue(keyOf(o));
          cont = page.continue;
        } while (cont !== undefined && !signal.aborted);
        for await (const ev of this.o.store.watch('Workflow', { signal, sinceResourceVersion: rv, shared: true })) {
          const key = keyOf(ev.object);
          const own = this.cache.observed(key, ev.object.metadata.resourceVersion);
          if (ev.type === 'DELETED') {
            this.onDeleted(key, ev.object);
            continue;
          }
          if (own) continue;
          if (!FINAL.has(String(ev.object.status?.phase))) this.enqueue(key);
        }
      } catch (e) {
        if (signal.aborted) return;
        this.log.warn({ err: errorMessage(e) }, 'workflow watch failed; listing again in 1s');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  /** A deleted Workflow: forget it and free its steps' files (logs included; they are kept until now on purpose). */
  private onDeleted(key: string, obj: StoredWorkflow): void {
    this.forgetKey(key);
    const wf: WorkflowObject = obj;
    this.steps.forget(wf.metadata.uid, () => false);
    const root = this.volumeRoot(wf);
    if (root) void rm(root, { recursive: true, force: true }).catch(() => undefined);
    void this.artifacts?.collect(wf, 'deletion').then(
      (r) => {
        for (const f of r?.failed ?? [])
          this.log.warn({ workflow: key, node: f.record.nodeId, err: f.message }, 'artifact garbage collection failed');
      },
      (e: unknown) => this.log.warn({ workflow: key, err: errorMessage(e) }, 'artifact garbage collection failed'),
    );
    const handles = Object.values(wf.status?.nodes ?? {}).flatMap((n) =>
      [n.weir?.handle, ...subStepsOf(n).map((x) => x.record.handle)].map((h) => ({ n, h })),
    );
    for (const { n, h } of handles) {
      if (!h || h.executor !== this.o.executor.kind) continue;
      void this.o.executor.cleanup(h).catch((e: unknown) => {
        this.log.warn({ workflow: key, node: n.id, err: errorMessage(e) }, 'step cleanup failed');
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

  /** One level-triggered pass over a workflow. Never throws. */
  async reconcile(key: string): Promise<void> {
    const held: { release?: () => void } = {};
    try {
      await this.pass(key, held);
    } finally {
      held.release?.();
    }
  }

  private async pass(key: string, held: { release?: () => void }): Promise<void> {
    this.passes++;
    const { namespace, name } = parseKey(key);
    let obj: StoredWorkflow | undefined;
    const mine = this.cache.copy(key);
    try {
      obj = mine?.obj ?? (await this.o.store.get('Workflow', namespace, name));
    } catch (e) {
      this.log.error({ workflow: key, err: errorMessage(e) }, 'cannot read workflow');
      this.enqueue(key, 1000);
      return;
    }
    if (!obj) {
      this.forgetKey(key);
      return;
    }
    const wf: WorkflowObject = obj;
    const uid = wf.metadata.uid;
    if (FINAL.has(String(wf.status?.phase))) {
      this.forgetKey(key);
      this.steps.forget(uid, () => false);
      return;
    }
    // Taken: until a save succeeds, the next pass reads the store.
    this.cache.drop(key);
    let result: OperateResult;
    let opMs = 0;
    try {
      await this.steps.adoptFrom(wf, key);
      const ctx = await buildContext(
        {
          store: this.o.store,
          now: this.clock(),
          maxDepth: this.o.maxDepth,
          volumeRoot: this.volumeRoot(wf),
          hostPaths: this.hostPaths,
          specText: this.cache.specText(key, wf),
          runsImages: this.o.executor.kind !== 'host',
          steps: this.steps,
          requests: this.requests,
          artifacts: this.artifacts,
          syncMutex: this.syncMutex,
          held,
        },
        wf,
      );
      const t1 = performance.now();
      result = operate(wf, ctx);
      opMs = performance.now() - t1;
    } catch (e) {
      this.log.error({ workflow: key, err: errorMessage(e) }, 'reconcile failed; marking the workflow Error');
      const now = new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      result = {
        status: { ...wf.status, phase: 'Error', message: `internal error: ${errorMessage(e)}`, finishedAt: now },
        actions: [],
        notes: [],
        metadata: { labels: { ...wf.metadata.labels, [PHASE_LABEL]: 'Error', [COMPLETED_LABEL]: 'true' } },
      };
    }
    const fresh = result.notes.filter((n) => !this.noted.has(`${uid}:${n}`));
    if (fresh.length > 0) {
      for (const n of fresh) this.noted.add(`${uid}:${n}`);
      this.log.info({ workflow: key, ignored: fresh }, `ignoring Kubernetes-only or unsupported settings: ${fresh.join(', ')}`);
    }
    const status = result.status;
    const nodes = status.nodes ?? {};
    // Handles of steps this process follows go into the same save that records the node Running (or finished).
    for (const n of Object.values(nodes)) {
      const h = hasStep(n.type) ? this.steps.handle(uid, n.id) : undefined;
      if (h && n.weir?.handle === undefined) {
        n.weir = { ...n.weir, handle: h };
        delete n.weir.intent;
      }
    }
    for (const [stepId, h] of this.steps.subHandles(uid)) {
      const rec = subStepRecord(nodes, stepId, true);
      if (rec && rec.handle === undefined) {
        rec.handle = h;
        delete rec.intent;
      }
    }
    // Intents are saved before anything starts: a crash after this save repeats the (idempotent) start.
    const starts = result.actions.filter(
      (a): a is Extract<Action, { type: 'start' }> => a.type === 'start' && !this.steps.follows(uid, a.nodeId),
    );
    const at = new Date(this.clock()).toISOString();
    for (const a of starts) {
      const sub = subStepRecord(nodes, a.nodeId, true);
      if (sub) sub.intent ??= at;
      const n = nodes[a.nodeId];
      if (n) {
        n.weir = {
          ...n.weir,
          intent: n.weir?.intent ?? at,
          ...(a.outputFiles.length > 0 ? { outputFiles: a.outputFiles } : {}),
          ...(a.outputArtifacts ? { outputArtifacts: a.outputArtifacts } : {}),
        };
      }
    }
    let current: StoredWorkflow = obj;
    const metadata = withWorkflowMetadata(obj.metadata, result.metadata);
    const t2 = performance.now();
    const statusJson = JSON.stringify(status);
    // What the pass cost this thread: operate, and serialising the status (about what the store's save costs again).
    const cost = opMs + 2 * (performance.now() - t2);
    if (statusJson !== (mine?.statusJson ?? JSON.stringify(wf.status ?? {})) || metadata !== obj.metadata) {
      try {
        current = await this.o.store.update('Workflow', { ...obj, metadata, status }, { handOver: true });
        this.cache.saved(key, current, statusJson);
      } catch (e) {
        if (e instanceof WeirError && e.code === 'CONFLICT') {
          this.enqueue(key);
          return;
        }
        this.log.error({ workflow: key, err: errorMessage(e) }, 'cannot save workflow status');
        this.enqueue(key, 1000);
        return;
      }
    } else this.cache.unchanged(key, { obj, statusJson }); // still the stored version
    this.costs.set(key, cost);
    // Locks released: other workflows waiting for them may go on now.
    if (releasedLocks(wf.status, status)) for (const k of this.known) if (k !== key) this.enqueue(k);
    // Outcomes now saved: the cache need not remember finished steps.
    const killed = new Set(result.actions.filter((a) => a.type === 'kill').map((a) => a.nodeId));
    this.steps.forget(
      uid,
      (id) => !killed.has(id) && !FINAL.has(String(status.phase)) && !isFinished(nodes[splitStepId(id).nodeId]?.phase),
    );
    for (const a of result.actions) {
      if (a.type !== 'kill') continue;
      const h = this.steps.handle(uid, a.nodeId) ?? nodes[a.nodeId]?.weir?.handle ?? subStepRecord(nodes, a.nodeId)?.handle;
      if (!h) continue;
      this.log.info({ workflow: key, node: a.nodeId, reason: a.reason }, 'stopping step');
      void this.o.executor.kill(h, this.o.killGraceMs ?? 2000).catch((e: unknown) => {
        this.log.warn({ workflow: key, node: a.nodeId, err: errorMessage(e) }, 'kill failed');
      });
    }
    for (const a of result.actions) {
      if (a.type === 'memoize') await saveCacheEntry(this.o.store, namespace, a, this.log);
      if (a.type === 'http' || a.type === 'resource' || a.type === 'data-list')
        this.requests.perform(key, namespace, uid, a, repositoryOf(status));
    }
    if (FINAL.has(String(status.phase))) this.requests.forget(uid);
    await Promise.all(
      starts.map(async (a) => {
        const onHost = this.o.executor.kind === 'host';
        let spec = onHost ? withStandInPath(withPythonFallback(a.spec), process.env.PATH) : a.spec;
        try {
          spec = withResolvedMounts(spec, await prepareVolumes(a.prepare ?? []));
        } catch (e) {
          this.steps.fail(uid, a.nodeId, null, `cannot mount volumes: ${errorMessage(e)}`);
          return;
        }
        if (a.inputArtifacts) {
          try {
            if (!this.artifacts) throw new Error('no artifact repository on this controller');
            const files = await this.artifacts.loadInputs(namespace, a.inputArtifacts, repositoryOf(status));
            spec = { ...spec, inputFiles: [...(spec.inputFiles ?? []), ...files] };
          } catch (e) {
            this.steps.fail(uid, a.nodeId, null, `failed to load input artifacts: ${errorMessage(e)}`);
            return;
          }
        }
        const missing = onHost ? missingCommand(spec) : undefined;
        if (missing === undefined) return this.steps.start(key, uid, a.nodeId, spec, a.outputFiles, a.outputArtifacts);
        this.steps.fail(uid, a.nodeId, 127, missing);
        return Promise.resolve();
      }),
    );
    if (FINAL.has(String(status.phase)) && !FINAL.has(String(wf.status?.phase)))
      await this.artifacts?.collectOnCompletion(key, current, this.log);
    // Started steps are recorded Running by a small save right away, or, for a big workflow, by its next pass.
    if (
      starts.length > 0 &&
      (cost >= EXPENSIVE_PASS_MS ||
        !(await this.saveStarted(
          key,
          current,
          starts.map((a) => a.nodeId),
        )))
    )
      this.enqueue(key);
    else if (result.requeueAfterMs !== undefined) this.enqueue(key, Math.max(1, result.requeueAfterMs));
  }

  /**
   * Records freshly started steps as Running with their handles, without a full pass. Returns false when a full
   * pass is needed instead (a step already finished or failed to start, or the save conflicted).
   */
  private async saveStarted(key: string, obj: StoredWorkflow, nodeIds: string[]): Promise<boolean> {
    const wf: WorkflowObject = obj;
    const uid = wf.metadata.uid;
    // `obj` is the store's (read-only): the nodes changed are copied, the rest of the status is shared.
    const nodes = { ...(wf.status?.nodes ?? {}) };
    const copied = new Set<string>();
    for (const id of nodeIds) {
      const nodeKey = splitStepId(id).nodeId;
      const n0 = nodes[nodeKey];
      const st = this.steps.podState(wf, id);
      const h = this.steps.handle(uid, id);
      if (!n0 || !h || st?.state !== 'running' || isFinished(n0.phase)) return false;
      if (!copied.has(nodeKey)) {
        nodes[nodeKey] = JSON.parse(JSON.stringify(n0)) as NodeStatus;
        copied.add(nodeKey);
      }
      const n = nodes[nodeKey];
      n.phase = 'Running';
      const sub = subStepRecord(nodes, id, true);
      if (sub) {
        sub.handle = h;
        delete sub.intent;
        continue;
      }
      n.weir = { ...n.weir, handle: h };
      delete n.weir.intent;
    }
    const next: WorkflowStatus = { ...wf.status, nodes };
    try {
      const saved = await this.o.store.update('Workflow', { ...obj, status: next }, { handOver: true });
      this.cache.saved(key, saved, undefined);
      return true;
    } catch (e) {
      if (!(e instanceof WeirError && e.code === 'CONFLICT'))
        this.log.warn({ workflow: key, err: errorMessage(e) }, 'cannot save started steps');
      return false;
    }
  }
}
