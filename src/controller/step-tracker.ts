// The controller's cache of the steps it follows: handle + (once known) outcome, keyed by workflow uid and node id.
// It is only a cache: the Workflow's status (node.weir.intent / node.weir.handle, see types.ts) is the source of
// truth, and `adoptFrom` rebuilds the cache from it after a restart through executor.adopt().
import type { Logger } from '../core/logger.js';
import type { StepExecutor, StepHandle, StepResult, StepSpec } from '../executor/types.js';
import { isFinished } from './nodes.js';
import { SUB_STEP_SEP, subStepRecord, subStepsOf } from './sub-steps.js';
import { hasStep } from './types.js';
import type { Artifact } from '../api/workflow-io.js';
import type { OutputArtifactPlan, PodOutcome, PodState, WorkflowObject } from './types.js';
import { errorMessage } from '../core/errors.js';
import type * as Readiness from './readiness.js';
import type { ReadinessProbe } from './readiness.js';
import { lazyModule } from '../core/lazy-module.js';

/** Readiness probes (daemon steps that declare one) load with the first such step. */
const readinessModule = lazyModule<typeof Readiness>(import.meta.url, './readiness.js');

interface Tracked {
  handle?: StepHandle;
  outcome?: PodOutcome;
  /** Set while a daemon's readinessProbe runs: false until it first passed. */
  ready?: boolean;
  stopProbe?: () => void;
}

export interface StepTrackerOptions {
  executor: StepExecutor;
  log: Logger;
  /** Called whenever something about a workflow's steps changed (a step finished). */
  changed: (workflowKey: string) => void;
  /** Called once per step this process starts or adopts (log streaming). */
  onFollow?: (info: { workflowKey: string; nodeId: string; handle: StepHandle }) => void;
  /** Saves a finished step's output artifacts (before its outcome is reported). */
  saveArtifacts?: (
    workflowKey: string,
    plan: OutputArtifactPlan,
    result: StepResult,
  ) => Promise<{ artifacts: Artifact[]; errors: string[] }>;
  now: () => number;
}

const k = (uid: string, nodeId: string): string => `${uid}/${nodeId}`;

/** Deleted workflows remembered (by uid) to stop steps whose start was in flight when the delete was seen. */
const GONE_KEPT = 1000;

export class StepTracker {
  private readonly steps = new Map<string, Tracked>();
  /** Steps whose executor.start is in flight: a second pass must not ask the executor again meanwhile. */
  private readonly launching = new Set<string>();
  /** Output files to read when a step finishes, by step key. */
  private readonly outputs = new Map<string, string[]>();
  /** Output artifacts to save when a step finishes, by step key. */
  private readonly artifactPlans = new Map<string, OutputArtifactPlan>();
  /** Workflow key per uid this process started or adopted steps of (a workflow found gone by key is stopped by uid). */
  private readonly keyOfUid = new Map<string, string>();
  /** Uids of deleted workflows (the newest GONE_KEPT): a start or adoption finishing later stops its step at once. */
  private readonly gone = new Set<string>();
  /** Steps asked to stop while their start was in flight (a stop racing the start): the grace of the kill to send. */
  private readonly killOnStart = new Map<string, number>();

  constructor(private readonly o: StepTrackerOptions) {}

  handle(uid: string, nodeId: string): StepHandle | undefined {
    return this.steps.get(k(uid, nodeId))?.handle;
  }

  /** The state `operate` sees for a Pod node: cache first, then the status' own record. */
  podState(wf: WorkflowObject, nodeId: string): PodState | undefined {
    const t = this.steps.get(k(wf.metadata.uid, nodeId));
    if (t?.outcome) return { state: 'done', outcome: t.outcome };
    if (t?.handle) return running(t.handle, t.ready);
    const w = subStepRecord(wf.status?.nodes ?? {}, nodeId) ?? wf.status?.nodes?.[nodeId]?.weir;
    if (w?.handle) return running(w.handle);
    if (w?.intent) return { state: 'starting' };
    return undefined;
  }

  /**
   * Re-attaches to every unfinished Pod node whose handle was saved by another process (or before a restart):
   * running → followed again; exited → outcome collected; lost → an Error outcome with the reason.
   */
  async adoptFrom(wf: WorkflowObject, workflowKey: string): Promise<void> {
    const uid = wf.metadata.uid;
    if (this.gone.has(uid)) return;
    const todo: { id: string; handle: StepHandle; outputFiles?: string[]; outputArtifacts?: OutputArtifactPlan }[] = [];
    for (const n of Object.values(wf.status?.nodes ?? {})) {
      if (!hasStep(n.type) || isFinished(n.phase)) continue;
      if (n.weir?.handle !== undefined && !this.steps.has(k(uid, n.id)))
        todo.push({ id: n.id, handle: n.weir.handle, outputFiles: n.weir.outputFiles, outputArtifacts: n.weir.outputArtifacts });
      for (const s of subStepsOf(n))
        if (s.record.handle !== undefined && !this.steps.has(k(uid, s.stepId))) todo.push({ id: s.stepId, handle: s.record.handle });
    }
    await Promise.all(
      todo.map(async (n) => {
        const handle = n.handle;
        const key = k(uid, n.id);
        let state: string;
        try {
          state = handle.executor === this.o.executor.kind ? await this.o.executor.adopt(handle) : 'lost';
        } catch (e) {
          state = 'lost';
          this.o.log.warn({ workflow: workflowKey, node: n.id, err: errorMessage(e) }, 'cannot adopt step');
        }
        if (this.steps.has(key)) return;
        if (this.gone.has(uid)) return this.stopGone(workflowKey, n.id, handle);
        this.keyOfUid.set(uid, workflowKey);
        if (state === 'lost') {
          const at = new Date(this.o.now()).toISOString();
          this.steps.set(key, {
            handle,
            outcome: {
              exitCode: null,
              stdout: '',
              files: {},
              startedAt: handle.startedAt,
              finishedAt: at,
              message: 'step lost: its process is gone and left no exit status (host restarted, or its files were removed)',
            },
          });
          this.o.changed(workflowKey);
          return;
        }
        this.o.log.info({ workflow: workflowKey, node: n.id, state }, 'adopted step');
        this.outputs.set(key, n.outputFiles ?? []);
        if (n.outputArtifacts) this.artifactPlans.set(key, n.outputArtifacts);
        this.follow(workflowKey, key, n.id, handle);
      }),
    );
  }

  /** Starts (idempotently) a step whose intent is already saved. Never throws: a failure becomes an Error outcome. */
  async start(
    workflowKey: string,
    uid: string,
    nodeId: string,
    spec: StepSpec,
    outputFiles: string[],
    outputArtifacts?: OutputArtifactPlan,
    readiness?: ReadinessProbe,
  ): Promise<void> {
    const key = k(uid, nodeId);
    if (this.steps.has(key) || this.launching.has(key) || this.gone.has(uid)) return;
    this.keyOfUid.set(uid, workflowKey);
    this.launching.add(key);
    this.outputs.set(key, outputFiles);
    if (outputArtifacts) this.artifactPlans.set(key, outputArtifacts);
    let handle: StepHandle;
    try {
      handle = await this.o.executor.start(spec);
    } catch (e) {
      this.killOnStart.delete(key);
      const at = new Date(this.o.now()).toISOString();
      this.steps.set(key, {
        outcome: {
          exitCode: null,
          stdout: '',
          files: {},
          startedAt: at,
          finishedAt: at,
          message: `failed to start step: ${errorMessage(e)}`,
        },
      });
      return;
    } finally {
      this.launching.delete(key);
    }
    if (this.gone.has(uid)) return this.stopGone(workflowKey, nodeId, handle); // deleted while it started
    const t = this.follow(workflowKey, key, nodeId, handle);
    const grace = this.killOnStart.get(key);
    if (grace !== undefined) {
      // Stopped (workflow stop/terminate, a deadline) while it started: its node has ended already.
      this.killOnStart.delete(key);
      this.o.log.info({ workflow: workflowKey, node: nodeId }, 'stopping a step whose stop came while it started');
      void this.o.executor.kill(handle, grace).catch((e: unknown) => {
        this.o.log.warn({ workflow: workflowKey, node: nodeId, err: errorMessage(e) }, 'kill failed');
      });
      return;
    }
    const probe = readiness === undefined ? undefined : readinessModule().compileProbe(readiness);
    if (probe) {
      t.ready = false;
      const ended = new AbortController();
      t.stopProbe = () => ended.abort();
      const ip = handle.details.ip;
      void readinessModule()
        .waitReady(probe, typeof ip === 'string' && ip !== '' ? ip : '127.0.0.1', ended.signal)
        .then((ok) => {
          if (!ok) return;
          t.ready = true;
          this.o.changed(workflowKey);
        });
    }
  }

  /** A kill for a step whose start is in flight: sent once the start returns its handle. False when none is in flight. */
  stopWhenStarted(uid: string, nodeId: string, graceMs: number): boolean {
    const key = k(uid, nodeId);
    if (!this.launching.has(key)) return false;
    this.killOnStart.set(key, graceMs);
    return true;
  }

  /** Records a step that never started (e.g. its command does not exist) with the given outcome. */
  fail(uid: string, nodeId: string, exitCode: number | null, message: string): void {
    const at = new Date(this.o.now()).toISOString();
    this.steps.set(k(uid, nodeId), { outcome: { exitCode, stdout: '', files: {}, startedAt: at, finishedAt: at, message } });
  }

  private follow(workflowKey: string, key: string, nodeId: string, handle: StepHandle): Tracked {
    const t: Tracked = { handle };
    this.steps.set(key, t);
    this.o.onFollow?.({ workflowKey, nodeId, handle });
    void this.o.executor.wait(handle).then(
      async (r) => {
        t.stopProbe?.();
        t.outcome = await this.outcomeOf(workflowKey, key, r);
        this.o.changed(workflowKey);
      },
      (e: unknown) => {
        t.stopProbe?.();
        const at = new Date(this.o.now()).toISOString();
        t.outcome = {
          exitCode: null,
          stdout: '',
          files: {},
          startedAt: handle.startedAt,
          finishedAt: at,
          message: `lost track of step: ${errorMessage(e)}`,
        };
        this.o.changed(workflowKey);
      },
    );
    return t;
  }

  private async outcomeOf(workflowKey: string, key: string, r: StepResult): Promise<PodOutcome> {
    const files: Record<string, string | undefined> = {};
    for (const p of this.outputs.get(key) ?? []) {
      const b = await r.readOutput(p).catch(() => undefined);
      files[p] = b?.toString('utf8');
    }
    const plan = this.artifactPlans.get(key);
    let saved: { artifacts: Artifact[]; errors: string[] } | undefined;
    if (plan && this.o.saveArtifacts) {
      saved = await this.o.saveArtifacts(workflowKey, plan, r).catch((e: unknown) => ({ artifacts: [], errors: [errorMessage(e)] }));
    }
    return {
      exitCode: r.exitCode,
      stdout: r.stdoutTail,
      files,
      startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt.toISOString(),
      ...(r.message !== undefined ? { message: r.message } : {}),
      ...(r.members
        ? {
            members: r.members.map((m) => ({
              ...m,
              startedAt: m.startedAt.toISOString(),
              finishedAt: m.finishedAt.toISOString(),
            })),
          }
        : {}),
      ...(saved ? { artifacts: saved.artifacts, ...(saved.errors.length > 0 ? { artifactErrors: saved.errors } : {}) } : {}),
    };
  }

  /** Handles of followed sub-steps (init containers, sidecars) of a workflow, by step id. */
  subHandles(uid: string): [string, StepHandle][] {
    const out: [string, StepHandle][] = [];
    for (const [key, t] of this.steps) {
      if (!key.startsWith(`${uid}/`) || t.handle === undefined) continue;
      const id = key.slice(uid.length + 1);
      if (id.includes(SUB_STEP_SEP)) out.push([id, t.handle]);
    }
    return out;
  }

  /** Handles of every step of a workflow this process follows (started or adopted), sub-steps included. */
  handlesOf(uid: string): StepHandle[] {
    const out: StepHandle[] = [];
    for (const [key, t] of this.steps) if (key.startsWith(`${uid}/`) && t.handle !== undefined) out.push(t.handle);
    return out;
  }

  /** Whether this process follows the step (started or adopted it). */
  follows(uid: string, nodeId: string): boolean {
    return this.steps.has(k(uid, nodeId));
  }

  /** Drops cache entries of nodes whose outcome is saved (finished in the stored status) or of a gone workflow. */
  forget(uid: string, keep: (nodeId: string) => boolean): void {
    let kept = false;
    for (const key of [...this.steps.keys()]) {
      if (!key.startsWith(`${uid}/`)) continue;
      const nodeId = key.slice(uid.length + 1);
      if (!keep(nodeId)) {
        this.steps.delete(key);
        this.outputs.delete(key);
        this.artifactPlans.delete(key);
      } else kept = true;
    }
    if (!kept) this.keyOfUid.delete(uid);
  }

  /** Uids of `workflowKey` this process follows steps of (a deleted and re-created workflow has two). */
  uidsOf(workflowKey: string): string[] {
    return [...this.keyOfUid].filter(([, key]) => key === workflowKey).map(([uid]) => uid);
  }

  /**
   * The workflow is deleted: returns the handles of the steps followed (the caller stops and frees them) and
   * forgets them; a start or adoption of its steps still in flight, or asked for later, stops its step at once.
   */
  abandon(uid: string): StepHandle[] {
    const handles = this.handlesOf(uid);
    this.gone.add(uid);
    for (const old of this.gone) {
      if (this.gone.size <= GONE_KEPT) break;
      this.gone.delete(old);
    }
    this.forget(uid, () => false);
    return handles;
  }

  private stopGone(workflowKey: string, nodeId: string, handle: StepHandle): void {
    this.o.log.info({ workflow: workflowKey, node: nodeId }, 'stopping a step of a deleted workflow');
    void this.o.executor.cleanup(handle).catch((e: unknown) => {
      this.o.log.warn({ workflow: workflowKey, node: nodeId, err: errorMessage(e) }, 'step cleanup failed');
    });
  }
}

/** A running step's state; `ip` when the executor gave the step its own address (container executor). */
function running(h: StepHandle, ready?: boolean): PodState {
  const ip = h.details.ip;
  return {
    state: 'running',
    startedAt: h.startedAt,
    ...(typeof ip === 'string' && ip !== '' ? { ip } : {}),
    ...(ready !== undefined ? { ready } : {}),
  };
}
