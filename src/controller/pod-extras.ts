// The parts of a Pod node beyond its main container: `initContainers` (run one after another to completion before
// main), `sidecars` (started with main, sharing the node's volumes, stopped once main exits; the node's result is
// main's) and daemons (`daemon: true`: the node stays Running with `daemoned: true` once started, and is stopped and
// marked Succeeded when the steps/DAG template that holds it ends, as Argo's killDaemonedChildren does).
// Init containers and sidecars are sub-steps of the node (sub-steps.ts).
import type { Template } from '../api/workflow-template.js';
import type { UserContainer } from '../api/k8s.js';
import type { Exec } from './execute.js';
import { isFinished } from './nodes.js';
import { buildStepSpec } from './pod-step.js';
import { subStepId } from './sub-steps.js';
import { planStepVolumes } from './pod-volumes.js';
import { podSettingsOf } from './pod-settings.js';
import type { NodeStatus } from './types.js';
import type { VolumePrep } from './volumes.js';
import type { PodMember, StepSpec } from '../executor/types.js';

/** Sub-step name of an init container or sidecar. */
const subName = (kind: 'init' | 'sidecar', c: UserContainer): string => `${kind}-${c.name}`;

/** The step of one extra container of `node` (same volumes as main); an error message when it cannot run. */
function buildExtra(
  ex: Exec,
  node: NodeStatus,
  t: Template,
  c: UserContainer,
  stepId: string,
): { spec: StepSpec; prepare: VolumePrep[] } | string {
  const main = t.container ?? t.script;
  const { mirrorVolumeMounts, ...container } = c as UserContainer & { mirrorVolumeMounts?: boolean };
  const vms = [...(mirrorVolumeMounts === true ? (main?.volumeMounts ?? []) : []), ...(container.volumeMounts ?? [])];
  const one: Template = { name: t.name, container: { ...container, ...(vms.length > 0 ? { volumeMounts: vms } : {}) }, volumes: t.volumes };
  const wfm = ex.wf.metadata;
  const lookups = { configMap: (x: string) => ex.ctx.configMap(x), secret: (x: string) => ex.ctx.secret?.(x) };
  const build = buildStepSpec(one, { namespace: wfm.namespace ?? 'default', name: wfm.name, uid: wfm.uid }, stepId, {
    ...lookups,
    runsImages: ex.ctx.runsImages,
    hostNetwork: ex.spec.hostNetwork,
  });
  if (build.error || !build.spec) return `container ${c.name}: ${build.error ?? 'cannot build step'}`;
  const plan = planStepVolumes(one, ex, node.id);
  if (plan.error) return `container ${c.name}: ${plan.error}`;
  build.spec.mounts = plan.mounts;
  if (plan.podVolumes?.length) build.spec.podVolumes = plan.podVolumes;
  const pod = podSettingsOf(t, ex.spec, { main: false, resources: container.resources });
  if (pod.settings) build.spec.pod = pod.settings;
  if (build.spec.container) build.spec.container.networkOf = node.id; // one pod: main and extras share localhost
  return { spec: build.spec, prepare: plan.prepare };
}

/** The start action of one extra container of `node`; an error message when it cannot run. */
function startExtra(ex: Exec, node: NodeStatus, t: Template, c: UserContainer, stepId: string): string | undefined {
  const b = buildExtra(ex, node, t, c, stepId);
  if (typeof b === 'string') return b;
  ex.actions.push({
    type: 'start',
    nodeId: stepId,
    spec: b.spec,
    outputFiles: [],
    ...(b.prepare.length > 0 ? { prepare: b.prepare } : {}),
  });
  return undefined;
}

/**
 * Under the pod executor the init containers and sidecars are containers of the node's own Pod (Argo's layout), not
 * steps of their own: their specs for PodSettings, and the volume preparations they need.
 */
export function podMembers(
  ex: Exec,
  node: NodeStatus,
  t: Template,
): { initContainers: PodMember[]; sidecars: PodMember[]; prepare: VolumePrep[] } | string {
  const out = { initContainers: [] as PodMember[], sidecars: [] as PodMember[], prepare: [] as VolumePrep[] };
  for (const [kind, list] of [
    ['init', t.initContainers ?? []],
    ['sidecar', t.sidecars ?? []],
  ] as const)
    for (const c of list) {
      const b = buildExtra(ex, node, t, c, subStepId(node.id, subName(kind, c)));
      if (typeof b === 'string') return `${kind} ${b}`;
      (kind === 'init' ? out.initContainers : out.sidecars).push({
        name: c.name ?? `${kind}-${out.sidecars.length + out.initContainers.length}`,
        spec: b.spec,
      });
      out.prepare.push(...b.prepare);
    }
  return out;
}

/**
 * Advances the init containers of a node whose main container has not started. Returns 'done' once all succeeded;
 * otherwise the node (Pending/Running while one runs, Failed/Error when one failed).
 */
export function runInitContainers(ex: Exec, node: NodeStatus, t: Template): 'done' | NodeStatus {
  for (const c of t.initContainers ?? []) {
    const id = subStepId(node.id, subName('init', c));
    const st = ex.ctx.pod(id);
    if (st === undefined || st.state === 'starting') {
      const err = startExtra(ex, node, t, c, id);
      if (err) return ex.nodes.mark(node, 'Error', `init ${err}`);
      node.podName = node.id;
      return node;
    }
    if (st.state === 'running') {
      node.phase = 'Running';
      return node;
    }
    const code = st.outcome.exitCode;
    if (code === 0) continue;
    const why =
      code === null
        ? (st.outcome.message ?? 'vanished without an exit code')
        : `Error (exit code ${code})${st.outcome.message ? `: ${st.outcome.message}` : ''}`;
    return ex.nodes.mark(node, code === null ? 'Error' : 'Failed', `init container ${c.name}: ${why}`);
  }
  return 'done';
}

/** Start actions for the node's sidecars that have not started yet; an error message when one cannot run. */
export function startSidecars(ex: Exec, node: NodeStatus, t: Template): string | undefined {
  for (const c of t.sidecars ?? []) {
    const id = subStepId(node.id, subName('sidecar', c));
    const st = ex.ctx.pod(id);
    if (st !== undefined && st.state !== 'starting') continue;
    const err = startExtra(ex, node, t, c, id);
    if (err) return `sidecar ${err}`;
  }
  return undefined;
}

/**
 * Sidecars that could not start or ended before main (with an error), for the message of a node whose main
 * container failed: main waiting for a service that never came up is otherwise a bare exit code.
 */
export function sidecarFailures(ex: Exec, node: NodeStatus, t: Template): string[] {
  const out: string[] = [];
  for (const c of t.sidecars ?? []) {
    const st = ex.ctx.pod(subStepId(node.id, subName('sidecar', c)));
    if (st?.state !== 'done' || st.outcome.exitCode === 0) continue;
    const o = st.outcome;
    const last = o.stdout.trimEnd().split('\n').pop()?.slice(0, 200) ?? '';
    if (o.exitCode === null) out.push(`sidecar ${c.name}: ${o.message ?? 'vanished without an exit code'}`);
    else out.push(`sidecar ${c.name} exited early (exit code ${o.exitCode})${last !== '' ? `: ${last}` : ''}`);
  }
  return out;
}

/**
 * Whether a sidecar's start is still in flight. A Pod's containers are all started (or failed to) before its status
 * reports main's end, so the node waits for them: its message can then say why a sidecar never ran.
 */
export function sidecarsStarting(ex: Exec, node: NodeStatus, t: Template): boolean {
  return (t.sidecars ?? []).some((c) => ex.ctx.pod(subStepId(node.id, subName('sidecar', c)))?.state === 'starting');
}

/** Stops the node's sidecars that still run (main has exited). */
export function stopSidecars(ex: Exec, node: NodeStatus, t: Template): void {
  for (const c of t.sidecars ?? []) {
    const id = subStepId(node.id, subName('sidecar', c));
    const st = ex.ctx.pod(id);
    if (st !== undefined && st.state !== 'done') ex.actions.push({ type: 'kill', nodeId: id, reason: 'main container exited' });
  }
}

/**
 * Stops the daemons whose boundary is `boundaryID` (every daemon when undefined: the workflow ends) and marks them
 * Succeeded, no longer daemoned.
 */
export function killDaemons(ex: Exec, boundaryID: string | undefined): void {
  for (const n of Object.values(ex.nodes.nodes)) {
    if (n.daemoned !== true || (boundaryID !== undefined && n.boundaryID !== boundaryID)) continue;
    delete n.daemoned;
    if (isFinished(n.phase)) continue;
    if (ex.ctx.pod(n.id) !== undefined)
      ex.actions.push({ type: 'kill', nodeId: n.id, reason: 'daemon no longer needed: its template ended' });
    ex.nodes.mark(n, 'Succeeded');
  }
}
