// containerSet templates: several containers of one "pod", ordered by their `dependencies`. The template's node is
// a Pod node; each container is a child node of type Container (`<pod>.<container>`) run by the executor as its own
// step, all sharing the template's volumes (planned once per pod node). The pod's result and output files come from
// the container named `main`, else the last one; containerSet.retryStrategy retries a failing container in place
// (same scratch dir). The pod executor runs the whole set as one pod instead (container-set-pod.ts).
import { parseGoDuration } from '../core/duration.js';
import type { Template } from '../api/workflow-template.js';
import type { Exec } from './execute.js';
import { isFailed, isFinished } from './nodes.js';
import { substDeep } from './params.js';
import type { Vars } from './params.js';
import { buildStepSpec, finishPod } from './pod-step.js';
import { paramString } from './params.js';
import { planMounts } from './volumes.js';
import type { NodeStatus } from './types.js';
import { errorMessage } from '../core/errors.js';
import { executeContainerSetPod, outcomeContainer } from './container-set-pod.js';

/** Re-runs `"$@"` up to N more times, sleeping D seconds between tries, in the same process context. */
const RETRY_WRAPPER =
  'n=$1; d=$2; shift 2; i=0; while :; do "$@"; c=$?; [ "$c" -eq 0 ] && exit 0; i=$((i+1)); [ "$i" -gt "$n" ] && exit "$c"; sleep "$d"; done';

type CsContainer = NonNullable<Template['containerSet']>['containers'][number];

export function executeContainerSet(ex: Exec, node: NodeStatus, tmpl: Template, vars: Vars): NodeStatus {
  const errors: string[] = [];
  const t = substDeep({ ...tmpl, steps: undefined, dag: undefined }, { ...vars, 'pod.name': node.id }, errors);
  if (errors.length > 0) return ex.nodes.mark(node, 'Error', errors[0]);
  const cs = t.containerSet;
  if (!cs) return node;
  const names = new Set(cs.containers.map((c) => c.name));
  for (const c of cs.containers) {
    for (const d of c.dependencies ?? [])
      if (!names.has(d))
        return ex.nodes.mark(node, 'Error', `container ${JSON.stringify(c.name)} depends on unknown container ${JSON.stringify(d)}`);
  }
  node.phase = 'Running';
  const byName = new Map<string, NodeStatus>();
  for (const c of cs.containers) {
    const name = `${node.name}.${c.name}`;
    const n =
      ex.nodes.byName(name) ??
      ex.nodes.create({ name, displayName: c.name, type: 'Container', boundaryID: node.boundaryID, templateName: node.templateName });
    ex.nodes.addChild(node.id, n.id);
    byName.set(c.name, n);
  }
  const retries = Number(paramString(cs.retryStrategy?.retries) ?? '0');
  let retryDelay = 0;
  if (cs.retryStrategy?.duration) {
    try {
      retryDelay = parseGoDuration(cs.retryStrategy.duration) / 1000;
    } catch (e) {
      return ex.nodes.mark(node, 'Error', `containerSet.retryStrategy.duration: ${errorMessage(e)}`);
    }
  }
  const safeRetries = Number.isFinite(retries) ? Math.max(0, retries) : 0;
  if (ex.ctx.runsPods === true)
    return executeContainerSetPod(ex, node, t, vars, byName, { retries: safeRetries, delaySec: retryDelay, wrapper: RETRY_WRAPPER });
  const visited = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const c of cs.containers) {
      const n = byName.get(c.name) as NodeStatus;
      if (isFinished(n.phase) || visited.has(c.name)) continue;
      const deps = (c.dependencies ?? []).map((d) => byName.get(d) as NodeStatus);
      if (deps.some((d) => isFailed(d.phase) || d.phase === 'Omitted')) {
        ex.nodes.mark(n, 'Omitted', 'a container it depends on did not succeed');
        changed = true;
        continue;
      }
      if (!deps.every((d) => d.phase === 'Succeeded')) continue;
      visited.add(c.name);
      const before = n.phase;
      const r = runContainer(ex, node, n, t, c, { retries: safeRetries, delaySec: retryDelay });
      if (r !== undefined) return ex.nodes.mark(node, 'Error', r);
      if (n.phase !== before && isFinished(n.phase)) changed = true;
    }
  }
  const all = [...byName.values()];
  if (!all.every((n) => isFinished(n.phase))) return node;
  const main = byName.get(outcomeContainer(cs));
  const mainOutcome = main ? ex.ctx.pod(main.id) : undefined;
  if (mainOutcome?.state === 'done') {
    const fin = finishPod(t, mainOutcome.outcome);
    node.outputs = fin.outputs;
  }
  ex.exportGlobals(node);
  const failed = all.find((n) => isFailed(n.phase));
  if (failed) return ex.nodes.mark(node, failed.phase, `container ${failed.displayName}: ${failed.message ?? failed.phase}`);
  return ex.nodes.mark(node, 'Succeeded');
}

/** Starts or advances one container; returns an error message that fails the whole pod. */
function runContainer(
  ex: Exec,
  pod: NodeStatus,
  n: NodeStatus,
  t: Template,
  c: CsContainer,
  retry: { retries: number; delaySec: number },
): string | undefined {
  const st = ex.ctx.pod(n.id);
  if (st === undefined || st.state === 'starting') {
    if (st === undefined && ex.spec.suspend === true) return undefined;
    const { name: _n, dependencies: _d, ...container } = c;
    const vms = [...(t.containerSet?.volumeMounts ?? []), ...(container.volumeMounts ?? [])];
    const one: Template = {
      name: t.name,
      container: { ...container, ...(vms.length > 0 ? { volumeMounts: vms } : {}) },
      volumes: t.volumes,
    };
    if (c.name === outcomeContainer(t.containerSet ?? { containers: [] })) one.outputs = t.outputs;
    const wfm = ex.wf.metadata;
    const build = buildStepSpec(one, { namespace: wfm.namespace ?? 'default', name: wfm.name, uid: wfm.uid }, n.id, {
      configMap: (x) => ex.ctx.configMap(x),
      secret: (x) => ex.ctx.secret?.(x),
      runsImages: ex.ctx.runsImages,
      hostNetwork: ex.spec.hostNetwork,
    });
    if (build.error || !build.spec) return `container ${c.name}: ${build.error ?? 'cannot build step'}`;
    // Volumes belong to the pod: every container sees the same template-level volume dirs.
    const plan = planMounts(one, ex.spec, pod.id, ex.ctx.volumeRoot, {
      configMap: (x) => ex.ctx.configMap(x),
      secret: (x) => ex.ctx.secret?.(x),
      hostPaths: ex.ctx.hostPaths,
    });
    if (plan.error) return `container ${c.name}: ${plan.error}`;
    build.spec.mounts = plan.mounts;
    if (build.spec.container) build.spec.container.networkOf = pod.id; // the set's containers share one network namespace
    if (retry.retries > 0)
      build.spec.command = ['sh', '-c', RETRY_WRAPPER, 'weir-retry', String(retry.retries), String(retry.delaySec), ...build.spec.command];
    ex.actions.push({
      type: 'start',
      nodeId: n.id,
      spec: build.spec,
      outputFiles: build.outputFiles,
      ...(plan.prepare.length > 0 ? { prepare: plan.prepare } : {}),
    });
    if (st === undefined) ex.activePods++;
    n.podName = pod.id;
    return undefined;
  }
  if (st.state === 'running') {
    n.phase = 'Running';
    return undefined;
  }
  const fin = finishPod({ name: t.name }, st.outcome);
  n.outputs = fin.outputs;
  n.startedAt = st.outcome.startedAt;
  n.finishedAt = st.outcome.finishedAt;
  ex.nodes.mark(n, fin.phase, fin.message);
  return undefined;
}
