// One reconcile pass over one workflow, as named steps (Argo's operate() with its deferred persist):
//   read → operate → record handles → save → side effects → start → requeue (recording and saving: pass-save.ts).
// Crash safety rests on this order, stated here once: a step's intent (and the handle of a step this process
// already follows) is recorded in the status BEFORE the save, and nothing starts until that save succeeded; so a
// crash after the save makes the restarted controller start the step again, which re-attaches (executor.start is
// idempotent per workflow uid and node id, see WeirNodeState in types.ts), and a crash before it leaves nothing
// running that the store does not know about. A started step is recorded Running with its handle by a small save
// right away (saveStarted), or by the next full pass. A failed or conflicting save ends the pass before any side
// effect: the next pass computes them again.
import { errorMessage } from '../core/errors.js';
import type { StepExecutor } from '../executor/types.js';
import type { StoredWorkflow } from '../api/objects.js';
import { isFinished } from './nodes.js';
import { COMPLETED_LABEL, PHASE_LABEL, operate } from './operate.js';
import { buildContext } from './controller-context.js';
import type { Mutex } from './controller-context.js';
import { withStandInPath } from './image-stand-ins.js';
import {
  missingCommand,
  prepareVolumes,
  releasedLocks,
  withResolvedMounts,
  saveCacheEntry,
  withPythonFallback,
} from './controller-effects.js';
import { splitStepId, subStepRecord } from './sub-steps.js';
import type { ArtifactHost } from './artifact-effects.js';
import type { ControllerRequests } from './controller-requests.js';
import { repositoryOf } from './artifacts.js';
import { podGcPlan } from './pod-gc.js';
import type { PodCollector } from './pod-gc.js';
import type { ClaimEffects } from './claim-effects.js';
import type { HostPathPolicy } from './host-paths.js';
import { recordHandles, recordIntents, save, saveStarted } from './pass-save.js';
import type { PassToSave, SaveDeps, SavedPass, StartAction } from './pass-save.js';
import type { OwnedCopy } from './pass-cache.js';
import type { OperateResult, WorkflowObject } from './types.js';

export const FINAL = new Set(['Succeeded', 'Failed', 'Error']);

/**
 * A pass whose read-operate-save part took at least this long (a big workflow: the cost grows with its node count)
 * makes the next pass of the same workflow wait as long again, so that step completions arriving meanwhile are
 * handled together instead of one pass each (which is quadratic), and the controller leaves at least half of its
 * thread to starting steps. Passes of small workflows stay immediate.
 */
export const EXPENSIVE_PASS_MS = 3;

/** What a pass uses of its controller (SaveDeps: what saving uses, pass-save.ts). */
export interface PassDeps extends SaveDeps {
  executor: StepExecutor;
  maxDepth: number | undefined;
  killGraceMs: number;
  /** Kills in flight: a stopping controller waits for them (a step's SIGKILL comes after its grace). */
  kills: Set<Promise<void>>;
  hostPaths: HostPathPolicy;
  requests: ControllerRequests;
  artifacts: ArtifactHost | undefined;
  /** podGC of the pod executor's pods (pod-gc.ts). */
  podGc: PodCollector;
  /** volumeClaimTemplates' claims: created before steps start, deleted per volumeClaimGC (claim-effects.ts). */
  claims: ClaimEffects;
  syncMutex: Mutex;
  /** Notes already logged, by `<uid>:<note>`. */
  noted: Set<string>;
  /** Keys the controller knows (a released lock wakes the others). */
  known: ReadonlySet<string>;
  volumeRoot(wf: WorkflowObject): string | undefined;
  forgetKey(key: string): void;
}

/** The state of one pass, filled in step by step. */
interface Pass extends PassToSave {
  namespace: string;
  held: { release?: () => void };
}

/** Splits `namespace/name`. */
export function parseKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: 'default', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** Runs one pass over `key`; `held` receives the sync mutex's release when the pass took it. */
export async function runPass(d: PassDeps, key: string, held: { release?: () => void }): Promise<void> {
  const timing = (stage: string): void => d.log.debug({ workflow: key, at: Date.now() }, `step timing: ${stage}`);
  timing('pass begins');
  const read = await readWorkflow(d, key);
  if (!read) return;
  const p: Pass = { ...read, key, held, ...(await operateWorkflow(d, read.wf, key, held)) };
  logNotes(d, p);
  recordHandles(d, p);
  const starts = recordIntents(d, p);
  timing('pass operated');
  const saved = await save(d, p);
  if (!saved) return;
  timing('pass saved');
  await sideEffects(d, p);
  try {
    await startSteps(d, p, starts);
  } finally {
    collectPods(d, p);
  }
  if (starts.length > 0) timing('pass started steps');
  const { status } = p.result;
  if (FINAL.has(String(status.phase)) && !FINAL.has(String(p.wf.status?.phase)))
    await d.artifacts?.collectOnCompletion(key, saved.current, d.log);
  const collected = p.result.collectClaims ? await d.claims.collect(key, saved.current, p.result.collectClaims) : undefined;
  if (collected) d.cache.saved(key, collected, undefined);
  await requeue(d, p, starts, saved);
}

/** Read: the controller's own last save, else the store. Finished or deleted workflows are forgotten. */
async function readWorkflow(
  d: PassDeps,
  key: string,
): Promise<{ namespace: string; obj: StoredWorkflow; wf: WorkflowObject; uid: string; mine: OwnedCopy | undefined } | undefined> {
  const { namespace, name } = parseKey(key);
  let obj: StoredWorkflow | undefined;
  const mine = d.cache.copy(key);
  try {
    obj = mine?.obj ?? (await d.store.get('Workflow', namespace, name));
  } catch (e) {
    d.log.error({ workflow: key, err: errorMessage(e) }, 'cannot read workflow');
    d.enqueue(key, 1000);
    return undefined;
  }
  if (!obj) {
    d.gone(key);
    return undefined;
  }
  const wf: WorkflowObject = obj;
  const uid = wf.metadata.uid;
  d.gone(key, undefined, uid); // steps of an earlier workflow of this name, deleted unseen

  if (FINAL.has(String(wf.status?.phase))) {
    const collected = d.executor.kind === 'pod' ? await d.claims.collectEnded(key, obj) : undefined;
    if (collected) d.cache.saved(key, collected, undefined);
    d.forgetKey(key);
    d.steps.forget(uid, () => false);
    return undefined;
  }
  // Taken: until a save succeeds, the next pass reads the store.
  d.cache.drop(key);
  return { namespace, obj, wf, uid, mine };
}

/** Operate: adopt saved steps, build the context, compute the next status. A throw marks the workflow Error. */
async function operateWorkflow(
  d: PassDeps,
  wf: WorkflowObject,
  key: string,
  held: { release?: () => void },
): Promise<{ result: OperateResult; opMs: number }> {
  try {
    await d.steps.adoptFrom(wf, key);
    const ctx = await buildContext(
      {
        store: d.store,
        now: d.now(),
        maxDepth: d.maxDepth,
        volumeRoot: d.volumeRoot(wf),
        hostPaths: d.hostPaths,
        specText: d.cache.specText(key, wf),
        runsImages: d.executor.kind !== 'host',
        runsPods: d.executor.kind === 'pod',
        steps: d.steps,
        requests: d.requests,
        artifacts: d.artifacts,
        syncMutex: d.syncMutex,
        held,
      },
      wf,
    );
    const t1 = performance.now();
    const result = operate(wf, ctx);
    return { result, opMs: performance.now() - t1 };
  } catch (e) {
    d.log.error({ workflow: key, err: errorMessage(e) }, 'reconcile failed; marking the workflow Error');
    const now = new Date(d.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return {
      result: {
        status: { ...wf.status, phase: 'Error', message: `internal error: ${errorMessage(e)}`, finishedAt: now },
        actions: [],
        notes: [],
        metadata: { labels: { ...wf.metadata.labels, [PHASE_LABEL]: 'Error', [COMPLETED_LABEL]: 'true' } },
      },
      opMs: 0,
    };
  }
}

/** Settings the workflow uses that Weir ignores are logged once per workflow. */
function logNotes(d: PassDeps, p: Pass): void {
  const fresh = p.result.notes.filter((n) => !d.noted.has(`${p.uid}:${n}`));
  if (fresh.length === 0) return;
  for (const n of fresh) d.noted.add(`${p.uid}:${n}`);
  d.log.info({ workflow: p.key, ignored: fresh }, `ignoring Kubernetes-only or unsupported settings: ${fresh.join(', ')}`);
}

/** Side effects of the saved status: waking lock waiters, forgetting finished steps, kills, cache entries, requests. */
async function sideEffects(d: PassDeps, p: Pass): Promise<void> {
  const { key, uid, namespace, result } = p;
  const status = result.status;
  const nodes = status.nodes ?? {};
  // Locks released: other workflows waiting for them may go on now.
  if (releasedLocks(p.wf.status, status)) for (const k of d.known) if (k !== key) d.enqueue(k);
  // Outcomes now saved: the cache need not remember finished steps.
  const killed = new Set(result.actions.filter((a) => a.type === 'kill').map((a) => a.nodeId));
  d.steps.forget(uid, (id) => !killed.has(id) && !FINAL.has(String(status.phase)) && !isFinished(nodes[splitStepId(id).nodeId]?.phase));
  for (const a of result.actions) {
    if (a.type !== 'kill') continue;
    const h = d.steps.handle(uid, a.nodeId) ?? nodes[a.nodeId]?.weir?.handle ?? subStepRecord(nodes, a.nodeId)?.handle;
    if (!h) {
      // Its start is still in flight (a stop right after the start): killed as soon as the start returns.
      if (d.steps.stopWhenStarted(uid, a.nodeId, d.killGraceMs))
        d.log.info({ workflow: key, node: a.nodeId, reason: a.reason }, 'stopping step once its start returns');
      continue;
    }
    d.log.info({ workflow: key, node: a.nodeId, reason: a.reason }, 'stopping step');
    const killing: Promise<void> = d.executor
      .kill(h, d.killGraceMs)
      .catch((e: unknown) => d.log.warn({ workflow: key, node: a.nodeId, err: errorMessage(e) }, 'kill failed'))
      .finally(() => d.kills.delete(killing));
    d.kills.add(killing);
  }
  for (const a of result.actions) {
    if (a.type === 'memoize') await saveCacheEntry(d.store, namespace, a, d.log);
    if (a.type === 'http' || a.type === 'resource' || a.type === 'data-list')
      d.requests.perform(key, namespace, uid, a, repositoryOf(status));
  }
  if (FINAL.has(String(status.phase))) d.requests.forget(uid);
}

/**
 * Pods of steps whose outcome is now saved: released, and deleted per spec.podGC. Sent after the next steps' creates,
 * so that a chain's next pod does not share the API server with the finished pod's read and patch.
 */
function collectPods(d: PassDeps, p: Pass): void {
  if (d.podGc.active) d.podGc.apply(p.key, podGcPlan(p.wf.status, p.result.status, p.result.podGC));
}

/** Start: volumes and input artifacts first (a failure fails the step), then the executor. */
async function startSteps(d: PassDeps, p: Pass, starts: StartAction[]): Promise<void> {
  const { key, uid, namespace } = p;
  const status = p.result.status;
  const onHost = d.executor.kind === 'host';
  const claims = p.result.actions.find((a) => a.type === 'claims');
  const refused = claims && starts.length > 0 ? await d.claims.ensure(key, uid, claims.claims) : undefined;
  if (refused !== undefined) for (const a of starts) d.steps.fail(uid, a.nodeId, null, refused);
  if (refused !== undefined) return;
  await Promise.all(
    starts.map(async (a) => {
      let spec = onHost ? withStandInPath(withPythonFallback(a.spec), process.env.PATH) : a.spec;
      try {
        spec = withResolvedMounts(spec, await prepareVolumes(a.prepare ?? []));
      } catch (e) {
        d.steps.fail(uid, a.nodeId, null, `cannot mount volumes: ${errorMessage(e)}`);
        return;
      }
      if (a.inputArtifacts) {
        try {
          if (!d.artifacts) throw new Error('no artifact repository on this controller');
          const files = await d.artifacts.loadInputs(namespace, a.inputArtifacts, repositoryOf(status));
          spec = { ...spec, inputFiles: [...(spec.inputFiles ?? []), ...files] };
        } catch (e) {
          d.steps.fail(uid, a.nodeId, null, `failed to load input artifacts: ${errorMessage(e)}`);
          return;
        }
      }
      const missing = onHost ? missingCommand(spec) : undefined;
      if (missing === undefined) return d.steps.start(key, uid, a.nodeId, spec, a.outputFiles, a.outputArtifacts, a.readiness);
      d.steps.fail(uid, a.nodeId, 127, missing);
      return Promise.resolve();
    }),
  );
}

/** Requeue: started steps are recorded Running by a small save right away, or, for a big workflow, by its next pass. */
async function requeue(d: PassDeps, p: Pass, starts: StartAction[], saved: SavedPass): Promise<void> {
  if (
    starts.length > 0 &&
    (saved.cost >= EXPENSIVE_PASS_MS ||
      !(await saveStarted(
        d,
        p.key,
        saved.current,
        starts.map((a) => a.nodeId),
      )))
  )
    d.enqueue(p.key);
  else if (p.result.requeueAfterMs !== undefined) d.enqueue(p.key, Math.max(1, p.result.requeueAfterMs));
}
