// Pod nodes (container and script templates) in the pure engine: starting the step (parallelism, spec.suspend,
// init containers first, sidecars with main, raw and repository input artifacts, output artifact plans), deadlines
// while it runs (activeDeadlineSeconds, timeout), and the node's phase and outputs once it has exited.
import { parseGoDuration } from '../core/duration.js';
import type { Template } from '../api/workflow-template.js';
import type { Exec } from './execute.js';
import { keyFormatVars, outputPlan, repositoryOf, stagingDir } from './artifacts.js';
import { substDeep } from './params.js';
import type { InputArtifact, Vars } from './params.js';
import { buildStepSpec, finishPod, unsupportedPodFeature } from './pod-step.js';
import { podMembers, runInitContainers, sidecarFailures, sidecarsStarting, startSidecars, stopSidecars } from './pod-extras.js';
import { rawArtifactFiles } from './volumes.js';
import { planStepVolumes } from './pod-volumes.js';
import { podSettingsOf } from './pod-settings.js';
import type { Action, NodeStatus } from './types.js';
import { errorMessage } from '../core/errors.js';

export function executePod(ex: Exec, node: NodeStatus, tmpl: Template, vars: Vars, arts: readonly InputArtifact[] = []): NodeStatus {
  const pod = ex.ctx.pod(node.id);
  const errors: string[] = [];
  const t = substDeep({ ...tmpl, steps: undefined, dag: undefined }, { ...vars, 'pod.name': node.id }, errors);
  if (errors.length > 0) return ex.nodes.mark(node, 'Error', errors[0]);
  if (pod === undefined || pod.state === 'starting') {
    const unsupported = unsupportedPodFeature(t);
    if (unsupported) return ex.nodes.mark(node, 'Error', `not supported yet: ${unsupported}`);
    const fresh = pod === undefined && node.podName === undefined;
    if (fresh && ex.spec.suspend === true) return node; // spec.suspend: nothing new starts
    if (fresh && ex.spec.parallelism !== undefined && ex.activePods >= ex.spec.parallelism) {
      node.message = 'Waiting for workflow parallelism';
      return node;
    }
    if ((t.initContainers ?? []).length > 0 && ex.ctx.runsPods !== true) {
      const init = runInitContainers(ex, node, t);
      if (init !== 'done') {
        if (fresh) ex.activePods++;
        if (node.message === 'Waiting for workflow parallelism') delete node.message;
        return init;
      }
    }
    const wfm = ex.wf.metadata;
    const build = buildStepSpec(t, { namespace: wfm.namespace ?? 'default', name: wfm.name, uid: wfm.uid }, node.id, {
      configMap: (n) => ex.ctx.configMap(n),
      secret: (n) => ex.ctx.secret?.(n),
      runsImages: ex.ctx.runsImages,
      hostNetwork: ex.spec.hostNetwork,
    });
    if (build.error || !build.spec) return ex.nodes.mark(node, 'Error', build.error ?? 'cannot build step');
    const plan = planStepVolumes(t, ex, node.id);
    if (plan.error) return ex.nodes.mark(node, 'Error', plan.error);
    build.spec.mounts = plan.mounts;
    if (plan.podVolumes?.length) build.spec.podVolumes = plan.podVolumes;
    const patch = ex.spec.podSpecPatch === undefined ? undefined : substDeep(ex.spec.podSpecPatch, vars, errors);
    if (errors.length > 0) return ex.nodes.mark(node, 'Error', errors[0]);
    const podCfg = podSettingsOf(t, { ...ex.spec, podSpecPatch: patch }, { main: true, resources: (t.container ?? t.script)?.resources });
    if (podCfg.error) return ex.nodes.mark(node, 'Error', podCfg.error);
    if (podCfg.settings) build.spec.pod = podCfg.settings;
    const podLabels = podCfg.settings?.metadata?.labels;
    if (ex.ctx.runsPods === true && ex.spec.podGC?.labelSelector !== undefined && podLabels)
      node.weir = { ...node.weir, podLabels: { ...podLabels } };
    if (ex.ctx.runsPods === true && t.daemon === true) build.spec.pod = { ...build.spec.pod, daemon: true };
    if (ex.ctx.runsPods === true && ((t.initContainers ?? []).length > 0 || (t.sidecars ?? []).length > 0)) {
      const members = podMembers(ex, node, t);
      if (typeof members === 'string') return ex.nodes.mark(node, 'Error', members);
      build.spec.pod = { ...build.spec.pod, initContainers: members.initContainers, sidecars: members.sidecars };
      plan.prepare.push(...members.prepare);
    }
    // With sidecars or init containers the main container joins the pod's shared network namespace.
    if (build.spec.container && ((t.sidecars ?? []).length > 0 || (t.initContainers ?? []).length > 0))
      build.spec.container.networkOf = node.id;
    if (build.spec.container && t.daemon === true) build.spec.container.address = true; // {{steps.X.ip}}, readiness
    const raws = arts.flatMap((a) => (a.raw !== undefined ? [{ name: a.name, path: a.path, mode: a.mode, raw: a.raw.data }] : []));
    if (raws.length > 0) {
      const raw = rawArtifactFiles(raws, node.id, ex.ctx.volumeRoot);
      if (raw.error) return ex.nodes.mark(node, 'Error', raw.error);
      plan.prepare.push(...raw.prepare);
      build.spec.inputFiles = raw.inputFiles;
    }
    const io = artifactPlans(ex, node, t, vars, arts);
    if (typeof io === 'string') return ex.nodes.mark(node, 'Error', io);
    const readiness = t.daemon === true ? (t.container ?? t.script)?.readinessProbe : undefined;
    ex.actions.push({
      type: 'start',
      nodeId: node.id,
      spec: build.spec,
      outputFiles: build.outputFiles,
      ...(plan.prepare.length > 0 ? { prepare: plan.prepare } : {}),
      ...(readiness ? { readiness } : {}),
      ...io,
    });
    const sidecarError = ex.ctx.runsPods === true ? undefined : startSidecars(ex, node, t);
    if (sidecarError) {
      ex.actions.pop();
      return ex.nodes.mark(node, 'Error', sidecarError);
    }
    if (fresh) ex.activePods++;
    if (t.daemon === true) ex.requeueAfter(0); // look again once it runs: dependants go on then
    delete node.message;
    node.podName = node.id;
    return node;
  }
  if (pod.state === 'running') {
    node.phase = 'Running';
    // A daemon with a readinessProbe holds its dependants back until the probe passed (the tracker requeues then).
    if (t.daemon === true && pod.ready !== false) {
      if (node.daemoned !== true) ex.requeueAfter(0); // dependants may start now
      node.daemoned = true;
      node.podIP = pod.ip ?? '127.0.0.1';
    }
    const ads = Number(t.activeDeadlineSeconds ?? NaN);
    let timeoutMs = NaN;
    if (typeof t.timeout === 'string' && t.timeout !== '') {
      try {
        timeoutMs = parseGoDuration(t.timeout);
      } catch (e) {
        return ex.nodes.mark(node, 'Error', `timeout: ${errorMessage(e)}`);
      }
    }
    const limitMs = Math.min(Number.isFinite(ads) ? ads * 1000 : Infinity, Number.isFinite(timeoutMs) ? timeoutMs : Infinity);
    if (limitMs !== Infinity) {
      const deadline = Date.parse(pod.startedAt) + limitMs;
      if (ex.now >= deadline) {
        ex.actions.push({ type: 'kill', nodeId: node.id, reason: 'template activeDeadlineSeconds' });
        return ex.nodes.mark(node, 'Failed', 'Pod was active on the node longer than the specified deadline');
      }
      ex.requeueAfter(deadline - ex.now);
    }
    return node;
  }
  if (sidecarsStarting(ex, node, t)) {
    ex.requeueAfter(100);
    return node;
  }
  stopSidecars(ex, node, t);
  const fin = finishPod(t, pod.outcome);
  node.outputs = fin.outputs;
  node.startedAt = pod.outcome.startedAt;
  // Exit times come from filesystem stamps (coarser clock): never before the start.
  node.finishedAt = Date.parse(pod.outcome.finishedAt) < Date.parse(pod.outcome.startedAt) ? pod.outcome.startedAt : pod.outcome.finishedAt;
  ex.exportGlobals(node);
  const sidecarNotes = fin.phase === 'Succeeded' ? [] : sidecarFailures(ex, node, t);
  return ex.nodes.mark(node, fin.phase, [fin.message, ...sidecarNotes].filter((x) => x !== undefined && x !== '').join('; '));
}

/** Load/save plans of a pod's non-raw input artifacts and its output artifacts; a message when impossible. */
function artifactPlans(
  ex: Exec,
  node: NodeStatus,
  t: Template,
  vars: Vars,
  arts: readonly InputArtifact[],
): Pick<Extract<Action, { type: 'start' }>, 'inputArtifacts' | 'outputArtifacts'> | string {
  const root = ex.ctx.volumeRoot;
  const inputs = arts.filter((a) => a.raw === undefined && a.path !== undefined && a.path !== '');
  const repository = repositoryOf(ex.status);
  const out = outputPlan(t.outputs?.artifacts, keyFormatVars(vars, node.id, repository));
  if (inputs.length === 0 && out === undefined) return {};
  if (root === undefined) return 'artifacts need a volume directory (controller option volumesDir)';
  const r: Pick<Extract<Action, { type: 'start' }>, 'inputArtifacts' | 'outputArtifacts'> = {};
  if (inputs.length > 0) r.inputArtifacts = { artifacts: inputs, stagingDir: stagingDir(root, node.id, 'inputs') };
  if (out) r.outputArtifacts = { ...out, stagingDir: stagingDir(root, node.id, 'outputs'), ...(repository ? { repository } : {}) };
  return r;
}
