// containerSet templates on the pod executor: the whole set is ONE pod (Argo's model). The template's node is the
// step (one start action, its pod named after the node); the executor orders the containers inside the pod by their
// `dependencies` (pod-agent.ts DEPS_SCRIPT) and reports how each ended (StepResult.members), which becomes the phase
// of each child Container node. The outcome (result, exitCode, output parameters) is the container named `main`, else
// the last one. containerSet.retryStrategy retries a failing container in place, as on the other executors.
import type { Template } from '../api/workflow-template.js';
import type { ContainerSetMember, StepSpec } from '../executor/types.js';
import type { Exec } from './execute.js';
import { isFailed, isFinished } from './nodes.js';
import { substDeep } from './params.js';
import type { Vars } from './params.js';
import { buildStepSpec, finishPod } from './pod-step.js';
import { podSettingsOf } from './pod-settings.js';
import { planStepVolumes } from './pod-volumes.js';
import type { NodeStatus, PodOutcome } from './types.js';
import type { VolumePrep } from './volumes.js';

type CsContainer = NonNullable<Template['containerSet']>['containers'][number];

/** The container whose outcome is the template's: `main`, else the last one. */
export function outcomeContainer(cs: NonNullable<Template['containerSet']>): string {
  return cs.containers.some((c) => c.name === 'main') ? 'main' : (cs.containers.at(-1)?.name ?? 'main');
}

export function executeContainerSetPod(
  ex: Exec,
  node: NodeStatus,
  t: Template,
  vars: Vars,
  children: Map<string, NodeStatus>,
  retry: { retries: number; delaySec: number; wrapper: string },
): NodeStatus {
  const cs = t.containerSet;
  if (!cs) return node;
  const st = ex.ctx.pod(node.id);
  const outcome = outcomeContainer(cs);
  if (st === undefined || st.state === 'starting') {
    const fresh = st === undefined && node.podName === undefined;
    if (fresh && ex.spec.suspend === true) return node;
    if (fresh && ex.spec.parallelism !== undefined && ex.activePods >= ex.spec.parallelism) {
      node.message = 'Waiting for workflow parallelism';
      return node;
    }
    const members: ContainerSetMember[] = [];
    const prepare: VolumePrep[] = [];
    let main: { spec: StepSpec; outputFiles: string[] } | undefined;
    for (const c of cs.containers) {
      const one = memberTemplate(t, c);
      const isOutcome = c.name === outcome;
      if (isOutcome) one.outputs = t.outputs;
      const wfm = ex.wf.metadata;
      const build = buildStepSpec(one, { namespace: wfm.namespace ?? 'default', name: wfm.name, uid: wfm.uid }, node.id, {
        configMap: (x) => ex.ctx.configMap(x),
        secret: (x) => ex.ctx.secret?.(x),
        runsImages: ex.ctx.runsImages,
        hostNetwork: ex.spec.hostNetwork,
      });
      if (build.error || !build.spec) return ex.nodes.mark(node, 'Error', `container ${c.name}: ${build.error ?? 'cannot build step'}`);
      const plan = planStepVolumes(one, ex, node.id);
      if (plan.error) return ex.nodes.mark(node, 'Error', `container ${c.name}: ${plan.error}`);
      build.spec.mounts = plan.mounts;
      if (plan.podVolumes?.length) build.spec.podVolumes = plan.podVolumes;
      prepare.push(...plan.prepare);
      if (c.resources !== undefined) build.spec.pod = { resources: c.resources };
      if (retry.retries > 0) withRetry(build.spec, retry);
      members.push({ name: c.name, spec: build.spec, dependencies: c.dependencies ?? [] });
      if (isOutcome) main = { spec: build.spec, outputFiles: build.outputFiles };
    }
    if (!main) return ex.nodes.mark(node, 'Error', 'containerSet has no containers');
    const errors: string[] = [];
    const patch = ex.spec.podSpecPatch === undefined ? undefined : substDeep(ex.spec.podSpecPatch, vars, errors);
    if (errors.length > 0) return ex.nodes.mark(node, 'Error', errors[0]);
    const podCfg = podSettingsOf(t, { ...ex.spec, podSpecPatch: patch }, { main: true, resources: main.spec.pod?.resources });
    if (podCfg.error) return ex.nodes.mark(node, 'Error', podCfg.error);
    const spec: StepSpec = { ...main.spec, pod: { ...podCfg.settings, containerSet: { members, outcome } } };
    ex.actions.push({
      type: 'start',
      nodeId: node.id,
      spec,
      outputFiles: main.outputFiles,
      ...(prepare.length > 0 ? { prepare: dedupe(prepare) } : {}),
    });
    if (fresh) ex.activePods++;
    if (node.message === 'Waiting for workflow parallelism') delete node.message;
    node.podName = node.id;
    for (const n of children.values()) n.podName = node.id;
    return node;
  }
  if (st.state === 'running') {
    node.phase = 'Running';
    for (const n of children.values()) if (!isFinished(n.phase)) n.phase = 'Running';
    return node;
  }
  const o = st.outcome;
  for (const c of cs.containers) markChild(ex, children.get(c.name) as NodeStatus, o, c.name === outcome);
  const all = [...children.values()];
  const mainNode = children.get(outcome);
  if (mainNode?.phase === 'Succeeded' || mainNode?.phase === 'Failed') node.outputs = finishPod(t, o).outputs;
  node.startedAt = o.startedAt;
  node.finishedAt = Date.parse(o.finishedAt) < Date.parse(o.startedAt) ? o.startedAt : o.finishedAt;
  ex.exportGlobals(node);
  const failed = all.find((n) => isFailed(n.phase));
  if (failed) return ex.nodes.mark(node, failed.phase, `container ${failed.displayName}: ${failed.message ?? failed.phase}`);
  if (all.some((n) => n.phase === 'Omitted')) return ex.nodes.mark(node, 'Error', 'a container was not run');
  return ex.nodes.mark(node, 'Succeeded');
}

/** A child Container node from its member's end in the pod (or, without one, the pod's outcome as an error). */
function markChild(ex: Exec, n: NodeStatus, o: PodOutcome, isOutcome: boolean): void {
  if (isFinished(n.phase)) return;
  const m = o.members?.find((x) => x.name === n.displayName);
  if (!m) {
    ex.nodes.mark(n, 'Error', o.message ?? 'the pod ended without a status for this container');
    return;
  }
  if (m.omitted) {
    ex.nodes.mark(n, 'Omitted', 'a container it depends on did not succeed');
    return;
  }
  const fin = finishPod(
    { name: n.templateName ?? '' },
    {
      exitCode: m.exitCode,
      stdout: isOutcome ? o.stdout : '',
      files: {},
      startedAt: m.startedAt,
      finishedAt: m.finishedAt,
      ...(m.message !== undefined ? { message: m.message } : {}),
    },
  );
  n.outputs = fin.outputs;
  n.startedAt = m.startedAt;
  n.finishedAt = m.finishedAt;
  ex.nodes.mark(n, fin.phase, fin.message);
}

/** One container of the set as a container template (the set's volumeMounts first, the template's volumes). */
function memberTemplate(t: Template, c: CsContainer): Template {
  const { name: _n, dependencies: _d, ...container } = c;
  const vms = [...(t.containerSet?.volumeMounts ?? []), ...(container.volumeMounts ?? [])];
  return { name: t.name, container: { ...container, ...(vms.length > 0 ? { volumeMounts: vms } : {}) }, volumes: t.volumes };
}

/** containerSet.retryStrategy: the member's argv re-run in place by the retry wrapper. */
function withRetry(spec: StepSpec, retry: { retries: number; delaySec: number; wrapper: string }): void {
  const c = spec.container;
  const argv = c ? (c.command?.length ? [...c.command, ...(c.args ?? [])] : undefined) : spec.command;
  if (!argv) return; // no command: the executor refuses the member
  const wrapped = ['sh', '-c', retry.wrapper, 'weir-retry', String(retry.retries), String(retry.delaySec), ...argv];
  if (c) {
    c.command = wrapped;
    c.args = [];
  }
  spec.command = wrapped;
}

/** The same directory prepared once (every member plans the template's volumes). */
function dedupe(prepare: VolumePrep[]): VolumePrep[] {
  const seen = new Set<string>();
  return prepare.filter((p) => {
    const k = JSON.stringify(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
