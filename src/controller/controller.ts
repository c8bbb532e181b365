// The level-triggered workflow controller: a queue of `namespace/name` keys processed one at a time per workflow.
// reconcile(key) reads the Workflow, computes the next status with the pure `operate`, performs its actions through
// the StepExecutor, and saves once with optimistic concurrency. Step completions (wait() resolving) and timers
// only enqueue the key again. An unexpected throw marks the workflow Error; nothing crash-loops.
import { WeirError } from '../core/errors.js';
import { nullLogger } from '../core/logger.js';
import type { Logger } from '../core/logger.js';
import { findOnPath } from '../executor/host-options.js';
import type { StepExecutor, StepHandle, StepSpec } from '../executor/types.js';
import type { ResourceStore, StoredObject } from '../store/types.js';
import { operate } from './operate.js';
import type { OperateContext, OperateResult, PodState, WorkflowObject } from './types.js';

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
  /** Called once per started step (e.g. to stream its logs). */
  onStepStarted?: (info: { workflow: string; nodeId: string; handle: StepHandle; executor: StepExecutor }) => void;
}

interface PodRecord {
  state: PodState;
  handle?: StepHandle;
}

const FINAL = new Set(['Succeeded', 'Failed', 'Error']);

/** Splits `namespace/name`. */
function parseKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: 'default', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export class WorkflowController {
  private readonly pending = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly pods = new Map<string, PodRecord>();
  private readonly noted = new Set<string>();
  private readonly known = new Set<string>();
  private wake: (() => void) | undefined;
  private readonly log: Logger;
  private readonly clock: () => number;

  constructor(private readonly o: WorkflowControllerOptions) {
    this.log = o.logger ?? nullLogger;
    this.clock = o.clock ?? Date.now;
  }

  /** Schedules a reconcile of `namespace/name` now or after `delayMs`. */
  enqueue(key: string, delayMs = 0): void {
    if (delayMs > 0) {
      const prev = this.timers.get(key);
      if (prev) clearTimeout(prev);
      this.timers.set(key, setTimeout(() => {
        this.timers.delete(key);
        this.enqueue(key);
      }, delayMs));
      return;
    }
    this.pending.add(key);
    this.known.add(key);
    this.wake?.();
  }

  /** Processes queued keys until `signal` aborts. Keys are handled one at a time. */
  async run(signal: AbortSignal): Promise<void> {
    const onAbort = (): void => this.wake?.();
    signal.addEventListener('abort', onAbort);
    const resync = setInterval(() => {
      for (const k of this.known) this.enqueue(k);
    }, this.o.resyncMs ?? 30_000);
    try {
      while (!signal.aborted) {
        const next = this.pending.values().next();
        if (next.done) {
          await new Promise<void>((r) => {
            this.wake = r;
          });
          this.wake = undefined;
          continue;
        }
        this.pending.delete(next.value);
        await this.reconcile(next.value);
      }
    } finally {
      clearInterval(resync);
      signal.removeEventListener('abort', onAbort);
      for (const t of this.timers.values()) clearTimeout(t);
      this.timers.clear();
    }
  }

  private podKey(uid: string, nodeId: string): string {
    return `${uid}/${nodeId}`;
  }

  /** The handle of a started step, if this controller started it. */
  handleOf(uid: string, nodeId: string): StepHandle | undefined {
    return this.pods.get(this.podKey(uid, nodeId))?.handle;
  }

  private async context(wf: WorkflowObject): Promise<OperateContext> {
    const s = this.o.store;
    const ns = wf.metadata.namespace ?? 'default';
    const [wts, cwts, cms, secrets] = await Promise.all([
      s.list('WorkflowTemplate', { namespace: ns }),
      s.list('ClusterWorkflowTemplate'),
      s.list('ConfigMap', { namespace: ns }),
      s.list('Secret', { namespace: ns }),
    ]);
    const byName = (items: StoredObject[]): Map<string, StoredObject> => new Map(items.map((i) => [i.metadata.name, i]));
    const wt = byName(wts.items);
    const cwt = byName(cwts.items);
    const cm = byName(cms.items);
    const sec = byName(secrets.items);
    const uid = wf.metadata.uid;
    return {
      now: this.clock(),
      maxDepth: this.o.maxDepth,
      workflowTemplate: (name, cluster) => {
        const o = (cluster ? cwt : wt).get(name);
        return o ? { spec: (o.spec ?? {}) } : undefined;
      },
      configMap: (name) => {
        const o = cm.get(name);
        return o ? Object.fromEntries(Object.entries((o.data ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : undefined;
      },
      secret: (name) => {
        const o = sec.get(name);
        if (!o) return undefined;
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries((o.data ?? {}) as Record<string, string>)) out[k] = Buffer.from(String(v), 'base64').toString('utf8');
        for (const [k, v] of Object.entries((o.stringData ?? {}) as Record<string, string>)) out[k] = String(v);
        return out;
      },
      pod: (nodeId) => this.pods.get(this.podKey(uid, nodeId))?.state,
    };
  }

  /** One level-triggered pass over a workflow. Never throws. */
  async reconcile(key: string): Promise<void> {
    const { namespace, name } = parseKey(key);
    let obj: StoredObject | undefined;
    try {
      obj = await this.o.store.get('Workflow', namespace, name);
    } catch (e) {
      this.log.error({ workflow: key, err: (e as Error).message }, 'cannot read workflow');
      this.enqueue(key, 1000);
      return;
    }
    if (!obj) {
      this.known.delete(key);
      return;
    }
    const wf = obj as unknown as WorkflowObject;
    if (FINAL.has(String(wf.status?.phase))) {
      this.known.delete(key);
      return;
    }
    let result: OperateResult;
    try {
      result = operate(wf, await this.context(wf));
    } catch (e) {
      this.log.error({ workflow: key, err: (e as Error).message }, 'reconcile failed; marking the workflow Error');
      const now = new Date(this.clock()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      result = { status: { ...wf.status, phase: 'Error', message: `internal error: ${(e as Error).message}`, finishedAt: now }, actions: [], notes: [] };
    }
    const fresh = result.notes.filter((n) => !this.noted.has(`${wf.metadata.uid}:${n}`));
    if (fresh.length > 0) {
      for (const n of fresh) this.noted.add(`${wf.metadata.uid}:${n}`);
      this.log.info({ workflow: key, ignored: fresh }, `ignoring Kubernetes-only or unsupported settings: ${fresh.join(', ')}`);
    }
    let started = false;
    for (const a of result.actions) {
      if (a.type === 'start') {
        await this.startStep(key, wf.metadata.uid, a.nodeId, a.spec, a.outputFiles);
        started = true;
      } else {
        const rec = this.pods.get(this.podKey(wf.metadata.uid, a.nodeId));
        if (rec?.handle) {
          this.log.info({ workflow: key, node: a.nodeId, reason: a.reason }, 'stopping step');
          void this.o.executor.kill(rec.handle, this.o.killGraceMs ?? 2000).catch((e: unknown) => {
            this.log.warn({ workflow: key, node: a.nodeId, err: (e as Error).message }, 'kill failed');
          });
        }
      }
    }
    if (JSON.stringify(result.status) !== JSON.stringify(wf.status ?? {})) {
      try {
        await this.o.store.update('Workflow', { ...obj, status: result.status });
      } catch (e) {
        if (e instanceof WeirError && e.code === 'CONFLICT') {
          this.enqueue(key);
          return;
        }
        this.log.error({ workflow: key, err: (e as Error).message }, 'cannot save workflow status');
        this.enqueue(key, 1000);
        return;
      }
    }
    if (started) this.enqueue(key);
    else if (result.requeueAfterMs !== undefined) this.enqueue(key, Math.max(1, result.requeueAfterMs));
  }

  private async startStep(key: string, uid: string, nodeId: string, spec: StepSpec, outputFiles: string[]): Promise<void> {
    const pk = this.podKey(uid, nodeId);
    if (this.pods.has(pk)) return;
    const ex = this.o.executor;
    const now = (): string => new Date(this.clock()).toISOString();
    const done = (exitCode: number | null, message: string): void => {
      this.pods.set(pk, { state: { state: 'done', outcome: { exitCode, stdout: '', files: {}, startedAt: now(), finishedAt: now(), message } } });
      this.enqueue(key);
    };
    let handle: StepHandle;
    try {
      handle = await ex.start(withPythonFallback(spec));
    } catch (e) {
      done(null, `failed to start step: ${(e as Error).message}`);
      return;
    }
    this.pods.set(pk, { state: { state: 'running', startedAt: handle.startedAt }, handle });
    this.o.onStepStarted?.({ workflow: key, nodeId, handle, executor: ex });
    void ex.wait(handle).then(
      async (r) => {
        const files: Record<string, string | undefined> = {};
        for (const p of outputFiles) {
          const b = await r.readOutput(p).catch(() => undefined);
          files[p] = b?.toString('utf8');
        }
        this.pods.set(pk, {
          handle,
          state: {
            state: 'done',
            outcome: {
              exitCode: r.exitCode, stdout: r.stdoutTail, files, startedAt: r.startedAt.toISOString(), finishedAt: r.finishedAt.toISOString(),
              ...(r.message !== undefined ? { message: r.message } : {}),
            },
          },
        });
        this.enqueue(key);
      },
      (e: unknown) => done(null, `lost track of step: ${(e as Error).message}`),
    );
  }
}

/** `python` is often absent on hosts that have `python3`; images are only recorded, so map the name. */
export function withPythonFallback(spec: StepSpec): StepSpec {
  if (spec.command[0] !== 'python' || findOnPath('python', process.env.PATH) !== undefined) return spec;
  if (findOnPath('python3', process.env.PATH) === undefined) return spec;
  return { ...spec, command: ['python3', ...spec.command.slice(1)] };
}

