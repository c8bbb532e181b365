// The pure heart of the controller: given a Workflow (spec + status so far) and an OperateContext (clock, stored
// templates, ConfigMaps, step outcomes) computes the next status and the side effects to perform. Workflow-level
// concerns live here: workflowTemplateRef, global parameters, activeDeadlineSeconds, onExit, phase and progress.
import type { WorkflowSpec } from '../api/workflow.js';
import { envFromFlat, evaluate } from '../expr/expr.js';
import { labelKeyProblem, labelValueProblem } from '../core/labels.js';
import { Exec } from './execute.js';
import { locksOf } from './sync.js';
import type * as Children from './children.js';
import { lazyModule } from '../core/lazy-module.js';
import { killDaemons } from './pod-extras.js';
import { claimManifests, claimVolumes, claimsToCollect, statusClaims } from './pod-volumes.js';
import { NodeMap, isFailed, isFinished } from './nodes.js';
import { fromConfigMap, paramString, substDeep, workflowVars } from './params.js';
import { hasStep } from './types.js';
import type {
  Action,
  NodeStatus,
  OperateContext,
  OperateResult,
  ParamValue,
  WorkflowObject,
  WorkflowPhase,
  WorkflowStatus,
} from './types.js';
import { errorMessage } from '../core/errors.js';

/** Child and hook handling (steps and DAGs load it too) is loaded when a workflow has hooks: most have none. */
const children = lazyModule<typeof Children>(import.meta.url, './children.js');

/** Spec fields the pod executor applies (pod-settings.ts, pod-gc.ts): "ignored" only under other executors. */
const APPLIED_TO_PODS = [
  'nodeSelector',
  'affinity',
  'tolerations',
  'imagePullSecrets',
  'dnsPolicy',
  'dnsConfig',
  'hostAliases',
  'securityContext',
  'schedulerName',
  'podSpecPatch',
  'podPriorityClassName',
  'podPriority',
  'serviceAccountName',
  'automountServiceAccountToken',
  'podMetadata',
  'podGC',
] as const;
const APPLIED_TO_PODS_SET = new Set<string>(APPLIED_TO_PODS);

const KUBERNETES_ONLY_SPEC_FIELDS = [
  ...APPLIED_TO_PODS,
  'hostNetwork',
  'podDisruptionBudget',
  'executor',
  'volumeClaimGC',
  'archiveLogs',
  'ttlStrategy',
  'metrics',
  'priority',
] as const;

export const DEADLINE_MESSAGE = 'Step exceeded its deadline';

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The spec actually run: a workflowTemplateRef's spec with the workflow's own fields on top. */
export function effectiveSpec(wf: WorkflowObject, ctx: OperateContext): WorkflowSpec | { error: string } {
  const ref = wf.spec.workflowTemplateRef;
  if (!ref) return wf.spec;
  const src = ctx.workflowTemplate(ref.name ?? '', ref.clusterScope === true);
  if (!src)
    return { error: `${ref.clusterScope ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate'} ${JSON.stringify(ref.name ?? '')} not found` };
  const merged: WorkflowSpec = { ...src.spec, ...wf.spec };
  const own = wf.spec.arguments?.parameters ?? [];
  const base = src.spec.arguments?.parameters ?? [];
  merged.arguments = {
    ...src.spec.arguments,
    ...wf.spec.arguments,
    parameters: [...base.filter((b) => !own.some((o) => o.name === b.name)), ...own],
  };
  merged.templates = [...(src.spec.templates ?? []), ...(wf.spec.templates ?? [])];
  delete merged.workflowTemplateRef;
  return merged;
}

/** Workflow arguments as resolved global parameters (value, default, configMapKeyRef, enum check). */
export function globalParameters(spec: WorkflowSpec, ctx: OperateContext): { params: ParamValue[]; error?: string } {
  const params: ParamValue[] = [];
  for (const p of spec.arguments?.parameters ?? []) {
    let value = paramString(p.value) ?? paramString(p.default);
    if (value === undefined && p.valueFrom?.configMapKeyRef) {
      const r = fromConfigMap(p.valueFrom.configMapKeyRef, (n) => ctx.configMap(n));
      if (r.error) return { params, error: `spec.arguments.parameters.${p.name}: ${r.error}` };
      value = r.value ?? paramString(p.valueFrom.default);
    }
    const allowed = (p.enum ?? []).map((e) => paramString(e));
    if (value !== undefined && allowed.length > 0 && !allowed.includes(value)) {
      return {
        params,
        error: `spec.arguments.parameters.${p.name}: value ${JSON.stringify(value)} is not one of the enum values ${JSON.stringify(allowed)}`,
      };
    }
    params.push(value === undefined ? { name: p.name } : { name: p.name, value });
  }
  return { params };
}

/**
 * spec.workflowMetadata: fixed labels/annotations and `labelsFrom` expressions (over workflow.* variables) merged onto
 * the Workflow's own metadata. undefined metadata: nothing to set.
 */
export function workflowMetadata(
  wf: WorkflowObject,
  spec: WorkflowSpec,
  status: WorkflowStatus,
  params: ParamValue[],
  now: number,
): { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; error?: string } {
  const wm = spec.workflowMetadata;
  if (!wm) return {};
  const labels: Record<string, string> = { ...wf.metadata.labels, ...wm.labels };
  const annotations: Record<string, string> = { ...(wf.metadata.annotations as Record<string, string> | undefined), ...wm.annotations };
  const env = envFromFlat(workflowVars({ ...wf, metadata: { ...wf.metadata, labels, annotations } }, status, params, now));
  for (const [k, from] of Object.entries(wm.labelsFrom ?? {})) {
    try {
      const v = evaluate(from.expression, env);
      labels[k] = typeof v === 'string' ? v : JSON.stringify(v);
    } catch (e) {
      return { error: `spec.workflowMetadata.labelsFrom.${k}: ${errorMessage(e)}` };
    }
  }
  // The store refuses labels Kubernetes would refuse; say which field made one, instead of failing the save.
  for (const [field, keys] of [
    ['labels', Object.keys(wm.labels ?? {})],
    ['labelsFrom', Object.keys(wm.labelsFrom ?? {})],
  ] as const) {
    for (const k of keys) {
      const why = labelKeyProblem(k) ?? labelValueProblem(labels[k]);
      if (why !== undefined)
        return { error: `spec.workflowMetadata.${field}.${k}: invalid label ${JSON.stringify(k)}=${JSON.stringify(labels[k])}: ${why}` };
    }
  }
  return { metadata: { labels, annotations } };
}

function finish(status: WorkflowStatus, phase: WorkflowPhase, now: number, message?: string): void {
  status.phase = phase;
  status.finishedAt ??= iso(now);
  if (message) status.message = message;
}

function progress(nodes: Record<string, NodeStatus>): string {
  const pods = Object.values(nodes).filter((n) => n.type === 'Pod');
  return `${pods.filter((n) => n.phase === 'Succeeded').length}/${pods.length}`;
}

/** Failed/Errored Pod nodes as Argo's `workflow.failures` JSON. */
export function failuresJson(nodes: Record<string, NodeStatus>): string {
  return JSON.stringify(
    Object.values(nodes)
      .filter((n) => n.type === 'Pod' && isFailed(n.phase))
      .map((n) => ({
        displayName: n.displayName,
        message: n.message ?? '',
        templateName: n.templateName ?? '',
        phase: n.phase,
        podName: n.podName ?? n.id,
        finishedAt: n.finishedAt ?? '',
      })),
  );
}

export const PHASE_LABEL = 'workflows.argoproj.io/phase';
export const COMPLETED_LABEL = 'workflows.argoproj.io/completed';

/**
 * Computes the next status of `wf`. Pure: no I/O, no clock other than `ctx.now`. The result's metadata always
 * carries Argo's `workflows.argoproj.io/phase` and `workflows.argoproj.io/completed` labels for the new phase.
 */
export function operate(wf: WorkflowObject, ctx: OperateContext): OperateResult {
  const eff = effectiveSpec(wf, ctx); // once per pass: the pass and podGC below both read it
  const r = operatePass(wf, ctx, eff);
  const phase = r.status.phase ?? 'Pending';
  const labels = {
    ...(r.metadata?.labels ?? wf.metadata.labels),
    [PHASE_LABEL]: phase,
    [COMPLETED_LABEL]: phase === 'Succeeded' || phase === 'Failed' || phase === 'Error' ? 'true' : 'false',
  };
  r.metadata = { ...r.metadata, labels };
  if (!('error' in eff) && eff.podGC?.strategy) r.podGC = eff.podGC;
  const claims = 'error' in eff ? [] : statusClaims(r.status);
  if (claims.length > 0 && !('error' in eff)) {
    if (r.actions.some((a) => a.type === 'start')) r.actions.push({ type: 'claims', claims: claimManifests(wf, eff, claims) });
    const gc = claimsToCollect(eff, r.status.phase, claims);
    if (gc.length > 0) r.collectClaims = gc;
  }
  return r;
}

function operatePass(wf: WorkflowObject, ctx: OperateContext, eff: WorkflowSpec | { error: string }): OperateResult {
  const status: WorkflowStatus = JSON.parse(JSON.stringify(wf.status ?? {})) as WorkflowStatus; // (faster than structuredClone for this JSON tree)
  const actions: Action[] = [];
  if (status.phase && status.phase !== 'Running' && status.phase !== 'Pending') return { status, actions, notes: [] };
  const now = ctx.now;
  status.phase = 'Running';
  status.startedAt ??= iso(now);
  status.nodes ??= {};
  if ('error' in eff) {
    finish(status, 'Error', now, eff.error);
    return { status, actions, notes: [] };
  }
  // A shutdown outranks spec.suspend (also for workflows stored suspended and stopped before stop cleared it):
  // nothing new starts but the exit handler of a Stop, and the workflow ends.
  const spec = eff.shutdown !== undefined && eff.suspend === true ? { ...eff, suspend: undefined } : eff;
  if (status.artifactRepositoryRef === undefined && ctx.artifactRepository !== undefined) {
    if ('ref' in ctx.artifactRepository) status.artifactRepositoryRef = ctx.artifactRepository.ref;
    else if (spec.artifactRepositoryRef !== undefined) {
      finish(status, 'Error', now, ctx.artifactRepository.error);
      return { status, actions, notes: [] };
    }
  }
  const g = globalParameters(spec, ctx);
  if (g.error) {
    finish(status, 'Error', now, g.error);
    return { status, actions, notes: [] };
  }
  const meta = workflowMetadata(wf, spec, status, g.params, now);
  if (meta.error) {
    finish(status, 'Error', now, meta.error);
    return { status, actions, notes: [] };
  }
  // volumeClaimTemplates (pod executor, Kubernetes store): the claims are named before anything runs, as Argo does;
  // the controller creates them before the first step starts (the `claims` action, see operate()).
  if (
    ctx.runsPods === true &&
    ctx.createsClaims === true &&
    (spec.volumeClaimTemplates ?? []).length > 0 &&
    status.persistentVolumeClaims === undefined
  ) {
    const claims = claimVolumes(wf.metadata.name, spec);
    if ('error' in claims) {
      finish(status, 'Error', now, claims.error);
      return { status, actions, notes: [] };
    }
    status.persistentVolumeClaims = claims;
  }
  const wfView: WorkflowObject = meta.metadata ? { ...wf, metadata: { ...wf.metadata, ...meta.metadata } } : wf;
  const nodes = new NodeMap(wf.metadata.name, status.nodes, () => iso(now));
  const ex = new Exec(wf, spec, status, ctx, nodes, workflowVars(wfView, status, g.params, now));
  for (const f of KUBERNETES_ONLY_SPEC_FIELDS)
    if (
      spec[f] !== undefined &&
      !(ctx.runsPods === true && (APPLIED_TO_PODS_SET.has(f) || (f === 'volumeClaimGC' && ctx.createsClaims === true)))
    )
      ex.notes.add(`spec.${f}`);
  const exitName = `${wf.metadata.name}.onExit`;
  const ads = spec.activeDeadlineSeconds;
  const deadline = ads === undefined ? undefined : Date.parse(status.startedAt) + ads * 1000;
  /** Fails every unfinished node outside the workflow's exit handler and stops its step. */
  const stopAll = (message: string, reason: string): void => {
    for (const n of Object.values(status.nodes ?? {})) {
      if (isFinished(n.phase) || n.name.startsWith(exitName)) continue;
      if (hasStep(n.type) && ctx.pod(n.id) !== undefined && ctx.pod(n.id)?.state !== 'done')
        actions.push({ type: 'kill', nodeId: n.id, reason });
      nodes.mark(n, 'Failed', message);
    }
    status.message = message;
  };
  if (deadline !== undefined && now >= deadline && status.message !== DEADLINE_MESSAGE)
    stopAll(DEADLINE_MESSAGE, 'workflow activeDeadlineSeconds');
  const shutdown = spec.shutdown;
  const shutdownMessage = shutdown ? `Stopped with strategy '${shutdown}'` : undefined;
  if (shutdownMessage !== undefined) stopAll(shutdownMessage, `workflow shutdown (${shutdown})`);
  const forced =
    status.message === DEADLINE_MESSAGE || (shutdownMessage !== undefined && status.message === shutdownMessage)
      ? status.message
      : undefined;
  const entry = spec.entrypoint ?? '';
  if (spec.synchronization && forced === undefined && !nodes.byName(wf.metadata.name)) {
    // Workflow-level locks are taken before anything runs; until then the workflow is Pending and waits.
    const locks = locksOf(spec.synchronization, wf.metadata.namespace ?? 'default', (n) => ctx.configMap(n));
    if ('error' in locks) {
      finish(status, 'Error', now, locks.error);
      return { status, actions, notes: [] };
    }
    const waiting = ex.locks.acquire(locks, ex.holder());
    if (waiting !== undefined) {
      status.phase = 'Pending';
      status.message = waiting;
      return { status, actions, notes: [] };
    }
    if (status.message?.startsWith('Waiting for ')) delete status.message;
  }
  let root: NodeStatus;
  if (forced !== undefined && !nodes.byName(wf.metadata.name)) {
    root = nodes.mark(
      nodes.create({ name: wf.metadata.name, displayName: wf.metadata.name, type: 'Pod', templateName: entry }),
      'Failed',
      forced,
    );
  } else {
    root = ex.executeTemplate({
      name: wf.metadata.name,
      displayName: wf.metadata.name,
      scope: { kind: 'local' },
      depth: 0,
      // As Argo: the entrypoint gets the workflow's arguments, artifacts included (spec.arguments.artifacts).
      call: { template: entry, arguments: { parameters: g.params, artifacts: spec.arguments?.artifacts } },
      ...(spec.retryStrategy ? { retry: spec.retryStrategy } : {}),
    });
  }
  if (deadline !== undefined && now < deadline) ex.requeueAfter(deadline - now);
  let phase: WorkflowPhase | undefined;
  let message: string | undefined;
  const rootPhase = !isFinished(root.phase) ? 'Running' : root.phase === 'Failed' || root.phase === 'Error' ? root.phase : 'Succeeded';
  const hooksDone =
    forced !== undefined ||
    spec.hooks === undefined ||
    children().runHooks(
      ex,
      spec.hooks,
      { name: wf.metadata.name, displayName: wf.metadata.name, id: root.id },
      { ...ex.globals, 'workflow.status': rootPhase, 'workflow.failures': failuresJson(status.nodes) },
      { kind: 'local' },
      0,
    );
  if (isFinished(root.phase) && hooksDone) {
    phase = root.phase === 'Failed' || root.phase === 'Error' ? root.phase : 'Succeeded';
    message = phase === 'Succeeded' ? undefined : (forced ?? root.message);
    const hook = spec.hooks?.exit ?? (spec.onExit ? { template: spec.onExit } : undefined);
    if (hook && shutdown !== 'Terminate') {
      ex.globals = { ...ex.globals, 'workflow.status': phase, 'workflow.failures': failuresJson(status.nodes) };
      // The hook's own arguments (substituted with workflow.status etc.) come first; global parameters fill the rest.
      const errors: string[] = [];
      const own = substDeep(hook.arguments?.parameters ?? [], ex.globals, errors);
      const parameters = [...own, ...g.params.filter((p) => !own.some((o) => o.name === p.name))];
      const ownArts = hook.arguments?.artifacts ?? [];
      const artifacts = [...ownArts, ...(spec.arguments?.artifacts ?? []).filter((a) => !ownArts.some((o) => o.name === a.name))];
      const exitNode =
        errors.length > 0 && !nodes.byName(exitName)
          ? nodes.mark(nodes.create({ name: exitName, displayName: exitName, type: 'Pod' }), 'Error', errors[0])
          : ex.executeTemplate({
              name: exitName,
              displayName: exitName,
              scope: { kind: 'local' },
              depth: 0,
              call: {
                template: hook.template,
                templateRef: hook.templateRef,
                arguments: { parameters, artifacts },
              },
            });
      if (!isFinished(exitNode.phase)) phase = undefined;
      else if (isFailed(exitNode.phase) && phase === 'Succeeded') {
        phase = exitNode.phase === 'Error' ? 'Error' : 'Failed';
        message = exitNode.message;
      }
    }
  }
  if (phase) {
    killDaemons(ex, undefined);
    finish(status, phase, now, message);
    delete status.synchronization; // a finished workflow holds no locks
  }
  status.progress = progress(status.nodes);
  actions.unshift(...ex.actions);
  const out: OperateResult = { status, actions, notes: [...ex.notes] };
  if (meta.metadata) out.metadata = meta.metadata;
  if (!phase && ex.requeueMs !== undefined) out.requeueAfterMs = ex.requeueMs;
  return out;
}
