// The Pod of one step, as Argo names and labels it: the workflow label, `completed`, the node id annotation, an
// ownerReference to the Workflow (when it is a cluster object), the workflow's volumes as Kubernetes volumes, the main container wrapped by the in-pod agent (pod-agent.ts), a `wait` container
// when the step has output paths, the input files as Secrets (one per chunk), and the template's pod-level fields (PodSettings), with
// the podSpecPatches applied last (as Argo does, after everything else).
import { createHash } from 'node:crypto';
import type { PodMember, PodSettings, PodVolumeMount, StepMount, StepSpec } from './types.js';
import { strategicMerge } from './pod-patch.js';
import { AGENT_DIR, DEPS_SCRIPT, INPUTS_DIR, INPUTS_KEY, MAIN_SCRIPT, SCRIPT_ENV, SIDECAR_SCRIPT, WAIT_SCRIPT } from './pod-agent.js';

export const LABEL_WORKFLOW = 'workflows.argoproj.io/workflow';
export const LABEL_COMPLETED = 'workflows.argoproj.io/completed';
export const LABEL_UID = 'weir.io/workflow-uid';
export const ANNOTATION_NODE_ID = 'workflows.argoproj.io/node-id';
/** The step's output paths (JSON), in the order the agent numbers their copies. */
export const ANNOTATION_OUTPUTS = 'weir.io/output-paths';
/** Set by kill(): the signal the executor stopped the step with. */
export const ANNOTATION_KILLED = 'weir.io/killed';
/** Keeps a stopped pod (status, logs) until the executor has read it; removed by cleanup(). */
export const FINALIZER = 'weir.io/step';

export type { PodSettings } from './types.js';

/** The volume of the inputs tar's chunk `n` (`weir-inputs`, then `weir-inputs-1`, ...). */
export function inputsVolume(n: number): string {
  return n === 0 ? 'weir-inputs' : `weir-inputs-${n}`;
}

/** Whether a pod volume is one of the inputs Secrets (pods made before the chunks had only `weir-inputs`). */
export function isInputsVolume(name: string): boolean {
  return name === 'weir-inputs' || /^weir-inputs-[0-9]+$/.test(name);
}

/** A pod name for the step: its node id when that is a valid DNS label, else a hash (stable per uid + node id). */
export function podName(spec: Pick<StepSpec, 'workflow' | 'nodeId'>): string {
  if (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(spec.nodeId)) return spec.nodeId;
  const h = createHash('sha256').update(`${spec.workflow.uid}\0${spec.nodeId}`).digest('hex').slice(0, 16);
  return `${
    spec.workflow.name
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 40)
      .replace(/^-+|-+$/g, '') || 'weir'
  }-${h}`;
}

/** Kubernetes expands `$(VAR)` in command, args and env values; `$$` is a literal `$`. */
export function escapeDollars(s: string): string {
  return s.replaceAll('$', () => '$$');
}

export interface ManifestInput {
  spec: StepSpec;
  name: string;
  image: string;
  /** Image of the `wait` container (needs sh, tar and base64). */
  agentImage: string;
  startedAt: string;
  /** Names of the Secrets holding the input files tar, chunk by chunk, when the step has inputs. */
  inputsSecrets?: readonly string[];
  pod?: PodSettings;
  labels?: Record<string, string>;
  /** Seconds the kubelet waits between SIGTERM and SIGKILL when the pod is deleted. */
  terminationGraceSeconds: number;
  /**
   * Whether the Workflow is an object of the cluster (Kubernetes store): only then is the pod owned by it (an owner
   * that does not exist makes the garbage collector delete the pod at once). Default true.
   */
  owned?: boolean;
}

/** The ownerReferences of a step's pod or Secret: the Workflow, when it is a cluster object. */
export function workflowOwner(spec: StepSpec, owned: boolean | undefined, controller: boolean): Json {
  if (owned === false) return {};
  const ref = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name: spec.workflow.name, uid: spec.workflow.uid };
  return { ownerReferences: [controller ? { ...ref, controller: true } : ref] };
}

type Json = Record<string, unknown>;

/**
 * The argv the agent runs: `command` + `args` (Kubernetes rules), or undefined when the template names no command,
 * so the image's ENTRYPOINT must run (the pod then runs unwrapped: the executor does not look images up).
 */
export function agentArgv(spec: StepSpec): string[] | undefined {
  const c = spec.container;
  if (!c) return spec.command;
  if (c.command?.length) return [...c.command, ...(c.args ?? [])];
  if (spec.script) return ['sh', ...(c.args ?? [])];
  return undefined;
}

export function podManifest(i: ManifestInput): Json {
  const { spec } = i;
  const argv = agentArgv(spec);
  const env = Object.entries(spec.env).map(([name, value]) => ({ name, value: escapeDollars(value) }));
  if (spec.script) env.push({ name: SCRIPT_ENV, value: escapeDollars(spec.script.source) });
  const vols = new PodVolumes();
  const volumeMounts: Json[] = [AGENT_MOUNT, ...vols.mountsOf(spec)];
  const volumes = vols.list;
  for (const [n, secretName] of (i.inputsSecrets ?? []).entries()) {
    volumes.push({ name: inputsVolume(n), secret: { secretName, items: [{ key: INPUTS_KEY, path: INPUTS_KEY }] } });
    volumeMounts.push({ name: inputsVolume(n), mountPath: `${INPUTS_DIR}/${n}`, readOnly: true });
  }
  const cs = i.pod?.containerSet;
  const main: Json = {
    name: cs?.outcome ?? 'main',
    image: i.image,
    ...(argv
      ? {
          command: [
            ...(cs ? depsPrefix(cs, cs.outcome) : []),
            'sh',
            '-c',
            ...[MAIN_SCRIPT, 'weir-agent', String(spec.outputPaths.length), ...spec.outputPaths, ...argv].map(escapeDollars),
          ],
        }
      : { args: (spec.container?.args ?? []).map(escapeDollars) }),
    env,
    volumeMounts,
    terminationMessagePolicy: 'File',
    ...(spec.workingDir ? { workingDir: spec.workingDir } : {}),
    ...containerSettings(spec, i.pod?.resources),
  };
  const containers: Json[] = cs
    ? cs.members.map((m) => (m.name === cs.outcome ? main : setContainer(m, depsPrefix(cs, m.name), vols, i.image)))
    : [main];
  const p = i.pod ?? {};
  for (const m of p.sidecars ?? []) containers.push(memberContainer(m, 'sidecar', vols, i.image));
  const initContainers = (p.initContainers ?? []).map((m) => memberContainer(m, 'init', vols, i.image));
  if (argv && spec.outputPaths.length > 0)
    containers.push({
      name: 'wait',
      image: i.agentImage,
      command: ['sh', '-c', escapeDollars(WAIT_SCRIPT)],
      volumeMounts: [{ name: 'weir-agent', mountPath: AGENT_DIR }],
    });
  const podSpec: Json = {
    restartPolicy: 'Never',
    ...(initContainers.length > 0 ? { initContainers } : {}),
    containers,
    volumes,
    terminationGracePeriodSeconds: i.terminationGraceSeconds,
    automountServiceAccountToken: p.automountServiceAccountToken ?? false,
    enableServiceLinks: false,
  };
  for (const k of [
    'nodeSelector',
    'affinity',
    'tolerations',
    'serviceAccountName',
    'securityContext',
    'priorityClassName',
    'priority',
    'schedulerName',
    'imagePullSecrets',
    'hostAliases',
    'dnsPolicy',
    'dnsConfig',
    'activeDeadlineSeconds',
  ] as const)
    if (p[k] !== undefined) podSpec[k] = p[k];
  if (spec.container?.hostNetwork) podSpec.hostNetwork = true;
  let finalSpec: Json = podSpec;
  for (const patch of p.podSpecPatches ?? []) finalSpec = strategicMerge(finalSpec, patch) as Json;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: i.name,
      namespace: spec.workflow.namespace,
      labels: {
        ...p.metadata?.labels,
        ...i.labels,
        [LABEL_WORKFLOW]: spec.workflow.name,
        [LABEL_COMPLETED]: 'false',
        [LABEL_UID]: spec.workflow.uid,
      },
      annotations: {
        ...p.metadata?.annotations,
        [ANNOTATION_NODE_ID]: spec.nodeId,
        'weir.io/started-at': i.startedAt,
        ...(spec.outputPaths.length ? { [ANNOTATION_OUTPUTS]: JSON.stringify(spec.outputPaths) } : {}),
      },
      finalizers: [FINALIZER],
      ...workflowOwner(spec, i.owned, true),
    },
    spec: finalSpec,
  };
}

const AGENT_MOUNT: Json = { name: 'weir-agent', mountPath: AGENT_DIR };

/**
 * The pod's volumes: the agent's emptyDir, one hostPath volume per host directory any container mounts, and the
 * workflow's Kubernetes volumes as given (once per name: the first container naming it brings it).
 */
class PodVolumes {
  readonly list: Json[] = [{ name: 'weir-agent', emptyDir: {} }];
  private readonly byPath = new Map<string, string>();
  private readonly named = new Set<string>();

  /** The volumeMounts of a step's container: its host mounts, then its Kubernetes volumes. */
  mountsOf(s: StepSpec): Json[] {
    return [...s.mounts.map((m) => this.mount(m)), ...(s.podVolumes ?? []).map((v) => this.podVolume(v))];
  }

  podVolume(v: PodVolumeMount): Json {
    if (!this.named.has(v.volume.name)) {
      this.named.add(v.volume.name);
      this.list.push(structuredClone(v.volume));
    }
    return { ...v.mount };
  }

  mount(m: StepMount): Json {
    let name = this.byPath.get(m.hostPath);
    if (name === undefined) {
      name = `weir-mount-${this.byPath.size}`;
      this.byPath.set(m.hostPath, name);
      this.list.push({ name, hostPath: { path: m.hostPath, type: 'DirectoryOrCreate' } });
    }
    return { name, mountPath: m.containerPath, ...(m.readOnly ? { readOnly: true } : {}) };
  }
}

/** A container's imagePullPolicy, securityContext and resources (as written when given, else the parsed limits). */
function containerSettings(spec: StepSpec, resources: unknown): Json {
  const c = spec.container;
  const securityContext: Json = {};
  if (c?.runAsUser !== undefined) securityContext.runAsUser = c.runAsUser;
  if (c?.runAsGroup !== undefined) securityContext.runAsGroup = c.runAsGroup;
  if (c?.runAsNonRoot !== undefined) securityContext.runAsNonRoot = c.runAsNonRoot;
  if (c?.readOnlyRootFilesystem !== undefined) securityContext.readOnlyRootFilesystem = c.readOnlyRootFilesystem;
  if (c?.privileged !== undefined) securityContext.privileged = c.privileged;
  if (c?.capabilitiesAdd?.length) securityContext.capabilities = { add: c.capabilitiesAdd };
  const limits: Json = {};
  if (c?.memoryBytes !== undefined) limits.memory = String(c.memoryBytes);
  if (c?.cpus !== undefined) limits.cpu = `${Math.max(1, Math.round(c.cpus * 1000))}m`;
  return {
    ...(c?.imagePullPolicy ? { imagePullPolicy: c.imagePullPolicy } : {}),
    ...(Object.keys(securityContext).length ? { securityContext } : {}),
    ...(resources !== undefined ? { resources } : Object.keys(limits).length ? { resources: { limits } } : {}),
  };
}

/** `sh -c DEPS weir-deps NAME OUTCOME N deps...`: the wrapper that orders a containerSet member after its dependencies. */
function depsPrefix(cs: NonNullable<PodSettings['containerSet']>, name: string): string[] {
  const deps = cs.members.find((m) => m.name === name)?.dependencies ?? [];
  return [
    'sh',
    '-c',
    ...[DEPS_SCRIPT, 'weir-deps', name, name === cs.outcome ? '1' : '0', String(deps.length), ...deps].map(escapeDollars),
  ];
}

/** A containerSet member other than the outcome one: its argv behind the dependency wrapper (the executor refuses one without a command). */
function setContainer(m: { name: string; spec: StepSpec }, prefix: string[], vols: PodVolumes, image: string): Json {
  const s = m.spec;
  return {
    name: m.name,
    image: s.image ?? image,
    command: [...prefix, ...(agentArgv(s) ?? []).map(escapeDollars)],
    env: Object.entries(s.env).map(([name, value]) => ({ name, value: escapeDollars(value) })),
    volumeMounts: [AGENT_MOUNT, ...vols.mountsOf(s)],
    terminationMessagePolicy: 'File',
    ...(s.workingDir ? { workingDir: s.workingDir } : {}),
    ...containerSettings(s, s.pod?.resources),
  };
}

/**
 * An init container (its command as written) or a sidecar (wrapped by the agent's SIDECAR script, which stops it once
 * main has exited; the executor refuses a sidecar without a command, which nothing could stop).
 */
function memberContainer(m: PodMember, kind: 'init' | 'sidecar', vols: PodVolumes, image: string): Json {
  const s = m.spec;
  const argv = agentArgv(s);
  const run =
    kind === 'sidecar' && argv
      ? { command: ['sh', '-c', ...[SIDECAR_SCRIPT, 'weir-sidecar', ...argv].map(escapeDollars)] }
      : argv
        ? { command: argv.map(escapeDollars) }
        : { args: (s.container?.args ?? []).map(escapeDollars) };
  return {
    name: m.name,
    image: s.image ?? image,
    ...run,
    env: Object.entries(s.env).map(([name, value]) => ({ name, value: escapeDollars(value) })),
    volumeMounts: [...(kind === 'sidecar' ? [AGENT_MOUNT] : []), ...vols.mountsOf(s)],
    ...(s.workingDir ? { workingDir: s.workingDir } : {}),
    ...containerSettings(s, s.pod?.resources),
  };
}
