// Pod-type nodes (container and script templates): building the executor's StepSpec from a substituted template,
// and turning a recorded outcome into the node's phase, message and outputs (result, exitCode, parameters).
import type { StepSpec } from '../executor/types.js';
import type { Template } from '../api/workflow-template.js';
import { fromConfigMap, paramString } from './params.js';
import { imageCmd, imageEntrypoint } from './image-stand-ins.js';
import { containerSettings, envFromSources } from './container-settings.js';
import type { NodeOutputs, NodePhase, PodOutcome } from './types.js';

/** Pod settings that only mean something on Kubernetes; accepted and ignored by the host executor. */
export const KUBERNETES_ONLY_TEMPLATE_FIELDS = [
  'nodeSelector',
  'affinity',
  'tolerations',
  'schedulerName',
  'priorityClassName',
  'priority',
  'serviceAccountName',
  'automountServiceAccountToken',
  'executor',
  'hostAliases',
  'securityContext',
  'podSpecPatch',
  'metadata',
  'archiveLocation',
  'metrics',
] as const;

/** Fields that change what a step does and that no executor can honour yet (none at the moment). */
export function unsupportedPodFeature(t: Template): string | undefined {
  void t;
  return undefined;
}

export interface StepBuild {
  spec?: StepSpec;
  outputFiles: string[];
  error?: string;
}

/** Builds the executor spec for a substituted container/script template. */
export function buildStepSpec(
  t: Template,
  wf: { namespace: string; name: string; uid: string },
  nodeId: string,
  lookups: {
    configMap: (name: string) => Record<string, string> | undefined;
    secret: (name: string) => Record<string, string> | undefined;
    /** The executor runs images (container executor): the image's ENTRYPOINT/CMD are known there, no stand-ins. */
    runsImages?: boolean;
    /** The workflow's spec.hostNetwork. */
    hostNetwork?: boolean;
  },
): StepBuild {
  const c = t.container ?? t.script;
  if (!c) return { outputFiles: [], error: 'template has no container or script' };
  const from = envFromSources(c.envFrom ?? [], lookups);
  if (from.error) return { outputFiles: [], error: from.error };
  const env: Record<string, string> = { ...from.env };
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.configMapKeyRef) {
      const r = fromConfigMap(e.valueFrom.configMapKeyRef, lookups.configMap);
      if (r.error) return { outputFiles: [], error: `env ${e.name}: ${r.error}` };
      if (r.value !== undefined) env[e.name] = r.value;
    } else if (e.valueFrom?.secretKeyRef) {
      const r = fromConfigMap(e.valueFrom.secretKeyRef, lookups.secret);
      if (r.error) return { outputFiles: [], error: `env ${e.name}: ${r.error.replace(/^ConfigMap/, 'Secret')}` };
      if (r.value !== undefined) env[e.name] = r.value;
    } else if (e.valueFrom?.fieldRef || e.valueFrom?.resourceFieldRef) {
      continue;
    } else env[e.name] = '';
  }
  if (lookups.runsImages) return imageStepSpec(t, wf, nodeId, env, lookups.hostNetwork);
  const entrypoint = c.command === undefined || c.command.length === 0 ? imageEntrypoint(c.image) : undefined;
  const noArgs = (c.args ?? []).length === 0 && entrypoint === undefined && (c.command ?? []).length === 0;
  const args = noArgs && !t.script ? (imageCmd(c.image) ?? []) : (c.args ?? []);
  let command = [...(c.command ?? entrypoint ?? []), ...(t.script ? [] : args)];
  // Script templates run `command` + args + the script's path; with no command Argo uses the image's entrypoint.
  if (t.script) command = [...(c.command ?? entrypoint ?? ['sh']), ...(c.args ?? [])];
  if (command.length === 0)
    return { outputFiles: [], error: 'container has neither command nor args (image entrypoints are not known on the host executor)' };
  const { outputFiles, outputPaths } = outputPathsOf(t);
  const spec: StepSpec = { workflow: wf, nodeId, command, env, outputPaths, mounts: [] };
  if (c.image) spec.image = c.image;
  if (c.workingDir) spec.workingDir = c.workingDir;
  // An entrypoint-run script without source (argosay + args) has nothing to append: the args are the whole call.
  if (t.script && !(entrypoint !== undefined && (t.script.source ?? '') === '')) spec.script = { source: t.script.source ?? '' };
  return { spec, outputFiles };
}

function outputPathsOf(t: Template): { outputFiles: string[]; outputPaths: string[] } {
  const outputFiles = (t.outputs?.parameters ?? [])
    .map((p) => p.valueFrom?.path)
    .filter((p): p is string => typeof p === 'string' && p !== '');
  const artifactPaths = (t.outputs?.artifacts ?? []).map((a) => a.path).filter((p): p is string => typeof p === 'string' && p !== '');
  return { outputFiles: [...new Set(outputFiles)], outputPaths: [...new Set([...outputFiles, ...artifactPaths])] };
}

/** The spec for an executor that runs images: command/args as written, the rest in `spec.container`. */
function imageStepSpec(
  t: Template,
  wf: StepSpec['workflow'],
  nodeId: string,
  env: Record<string, string>,
  hostNetwork: boolean | undefined,
): StepBuild {
  const c = (t.container ?? t.script) as NonNullable<Template['container']>;
  const cs = containerSettings(c, t.securityContext, hostNetwork);
  if (cs.error) return { outputFiles: [], error: cs.error };
  const { outputFiles, outputPaths } = outputPathsOf(t);
  const spec: StepSpec = {
    workflow: wf,
    nodeId,
    command: [...(c.command ?? []), ...(c.args ?? [])],
    env,
    outputPaths,
    mounts: [],
    container: cs.settings,
  };
  if (c.image) spec.image = c.image;
  if (c.workingDir) spec.workingDir = c.workingDir;
  if (t.script) spec.script = { source: t.script.source ?? '' };
  return { spec, outputFiles };
}

/** Argo's `result` (and file-based output parameters): the text with ONE trailing newline trimmed. */
export function resultOf(stdout: string): string {
  if (stdout.endsWith('\r\n')) return stdout.slice(0, -2);
  return stdout.endsWith('\n') ? stdout.slice(0, -1) : stdout;
}

export interface PodFinish {
  phase: NodePhase;
  message?: string;
  outputs: NodeOutputs;
}

/** Node phase and outputs from a finished step. */
export function finishPod(t: Template, o: PodOutcome): PodFinish {
  const outputs: NodeOutputs = {};
  if (o.exitCode !== null) outputs.exitCode = String(o.exitCode);
  outputs.result = resultOf(o.stdout);
  let phase: NodePhase = o.exitCode === 0 ? 'Succeeded' : o.exitCode === null ? 'Error' : 'Failed';
  let message: string | undefined =
    o.exitCode === 0
      ? undefined
      : o.exitCode === null
        ? (o.message ?? 'step vanished without an exit code')
        : `Error (exit code ${o.exitCode})${o.message ? `: ${o.message}` : ''}`;
  const params = [];
  for (const p of t.outputs?.parameters ?? []) {
    const vf = p.valueFrom;
    let value: string | undefined;
    if (vf?.path) {
      const raw = o.files[vf.path];
      value = raw === undefined ? undefined : resultOf(raw);
    } else if (p.value !== undefined) value = paramString(p.value);
    if (value === undefined && vf?.default !== undefined) value = paramString(vf.default);
    if (value === undefined && vf?.path && phase === 'Succeeded') {
      phase = 'Error';
      message = `output parameter ${p.name}: open ${vf.path}: no such file or directory`;
    }
    const out: { name: string; value?: string; globalName?: string } = { name: p.name };
    if (value !== undefined) out.value = value;
    if (p.globalName) out.globalName = p.globalName;
    params.push(out);
  }
  if (params.length > 0) outputs.parameters = params;
  // Saved artifacts (status form, with their locations) when the controller saved them; else what was declared.
  const arts = o.artifacts ?? (t.outputs?.artifacts ?? []).map((a) => ({ name: a.name, ...(a.path ? { path: a.path } : {}) }));
  if (arts.length > 0) outputs.artifacts = arts;
  if (phase === 'Succeeded' && (o.artifactErrors ?? []).length > 0) {
    phase = 'Error';
    message = `failed to save outputs: ${(o.artifactErrors ?? []).join('; ')}`;
  }
  return { phase, ...(message !== undefined ? { message } : {}), outputs };
}
