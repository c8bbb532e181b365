// The Pod of one step, as Argo names and labels it: the workflow label, `completed`, the node id annotation, an
// ownerReference to the Workflow, the main container wrapped by the in-pod agent (pod-agent.ts), a `wait` container
// when the step has output paths, the input files as a Secret, and the template's pod-level fields (PodSettings), with
// the podSpecPatches applied last (as Argo does, after everything else).
import { createHash } from 'node:crypto';
import type { PodSettings, StepSpec } from './types.js';
import { strategicMerge } from './pod-patch.js';
import { AGENT_DIR, INPUTS_DIR, INPUTS_KEY, MAIN_SCRIPT, SCRIPT_ENV, WAIT_SCRIPT } from './pod-agent.js';

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
  /** Name of the Secret holding the input files tar, when the step has inputs. */
  inputsSecret?: string;
  pod?: PodSettings;
  labels?: Record<string, string>;
  /** Seconds the kubelet waits between SIGTERM and SIGKILL when the pod is deleted. */
  terminationGraceSeconds: number;
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
  const volumeMounts: Json[] = [{ name: 'weir-agent', mountPath: AGENT_DIR }];
  const volumes: Json[] = [{ name: 'weir-agent', emptyDir: {} }];
  spec.mounts.forEach((m, n) => {
    volumes.push({ name: `weir-mount-${n}`, hostPath: { path: m.hostPath, type: 'DirectoryOrCreate' } });
    volumeMounts.push({ name: `weir-mount-${n}`, mountPath: m.containerPath, ...(m.readOnly ? { readOnly: true } : {}) });
  });
  if (i.inputsSecret) {
    volumes.push({ name: 'weir-inputs', secret: { secretName: i.inputsSecret, items: [{ key: INPUTS_KEY, path: INPUTS_KEY }] } });
    volumeMounts.push({ name: 'weir-inputs', mountPath: INPUTS_DIR, readOnly: true });
  }
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
  const main: Json = {
    name: 'main',
    image: i.image,
    ...(argv
      ? {
          command: [
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
    ...(c?.imagePullPolicy ? { imagePullPolicy: c.imagePullPolicy } : {}),
    ...(Object.keys(securityContext).length ? { securityContext } : {}),
    ...(i.pod?.resources !== undefined ? { resources: i.pod.resources } : Object.keys(limits).length ? { resources: { limits } } : {}),
  };
  const containers: Json[] = [main];
  if (argv && spec.outputPaths.length > 0)
    containers.push({
      name: 'wait',
      image: i.agentImage,
      command: ['sh', '-c', escapeDollars(WAIT_SCRIPT)],
      volumeMounts: [{ name: 'weir-agent', mountPath: AGENT_DIR }],
    });
  const p = i.pod ?? {};
  const podSpec: Json = {
    restartPolicy: 'Never',
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
  if (c?.hostNetwork) podSpec.hostNetwork = true;
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
      ownerReferences: [
        { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', name: spec.workflow.name, uid: spec.workflow.uid, controller: true },
      ],
    },
    spec: finalSpec,
  };
}
