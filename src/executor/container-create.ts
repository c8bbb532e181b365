// The container executor's translation of a StepSpec into an engine `POST /containers/create` body: Kubernetes'
// command rules against the image's ENTRYPOINT/CMD, env, working dir, user, bind mounts, limits and the security
// defaults (all capabilities dropped unless asked for, never privileged unless asked, no new privileges, an init
// process as PID 1 so SIGTERM reaches the step, bridge network unless hostNetwork, where any port may be bound).
import { createHash } from 'node:crypto';
import type { ImageInspect } from './container-api.js';
import type { StepSpec } from './types.js';

/** Labels Weir puts on every container it creates (found again after a restart by name). */
export const LABEL_MANAGED = 'io.weir.managed';
export const LABEL_WORKFLOW = 'io.weir.workflow';
export const LABEL_UID = 'io.weir.workflow-uid';
export const LABEL_NODE = 'io.weir.node';
export const LABEL_STARTED = 'io.weir.started-at';

/**
 * Any port may be bound without CAP_NET_BIND_SERVICE inside a step's own network namespace, as Docker (20.10+) and
 * containerd's CRI set it: every capability is dropped here, and a server on port 80 (nginx) must still start.
 * Containers joining a pod's namespace get it from the pod's infra container.
 */
export const UNPRIVILEGED_PORTS = { 'net.ipv4.ip_unprivileged_port_start': '0' } as const;

/** Where a script template's source is mounted (Argo mounts it under /argo/staging too). */
export const SCRIPT_PATH = '/argo/staging/script';

/** The container's name: stable per (workflow uid, node id), so a second start finds the first container. */
export function containerName(spec: Pick<StepSpec, 'workflow' | 'nodeId'>): string {
  return `weir-${createHash('sha256').update(`${spec.workflow.uid}\0${spec.nodeId}`).digest('hex').slice(0, 24)}`;
}

/**
 * argv per Kubernetes: `command` replaces ENTRYPOINT (and then the image's CMD is dropped), `args` replace CMD.
 * Script templates run command + args + the script's path. Without `spec.container`, `spec.command` is argv.
 */
export function resolveArgv(spec: StepSpec, image: ImageInspect | undefined): string[] {
  const c = spec.container;
  let argv: string[];
  if (!c) argv = [...spec.command];
  else {
    const entry = c.command !== undefined && c.command.length > 0 ? c.command : (image?.Config?.Entrypoint ?? []);
    const args =
      c.args !== undefined && c.args.length > 0
        ? c.args
        : (c.command !== undefined && c.command.length > 0) || spec.script
          ? []
          : (image?.Config?.Cmd ?? []);
    argv = [...entry, ...args];
    if (argv.length === 0 && spec.script) argv = ['sh'];
  }
  if (spec.script) argv.push(SCRIPT_PATH);
  return argv;
}

export interface CreateInput {
  spec: StepSpec;
  argv: string[];
  name: string;
  startedAt: string;
  /** Host file holding the script source (mounted read-only at SCRIPT_PATH). */
  scriptHostPath?: string;
  /** Container id whose network namespace this one joins. */
  networkContainer?: string;
  /** podman: k8s-file logs (nanosecond stamps on disk); Docker: json-file. */
  logDriver: string;
}

export function createBody(i: CreateInput): Record<string, unknown> {
  const { spec } = i;
  const c = spec.container ?? {};
  const mounts: Record<string, unknown>[] = spec.mounts.map((m) => ({
    Type: 'bind',
    Source: m.hostPath,
    Target: m.containerPath,
    ReadOnly: m.readOnly === true,
  }));
  if (i.scriptHostPath) mounts.push({ Type: 'bind', Source: i.scriptHostPath, Target: SCRIPT_PATH, ReadOnly: true });
  const user =
    c.runAsUser !== undefined
      ? `${c.runAsUser}${c.runAsGroup !== undefined ? `:${c.runAsGroup}` : ''}`
      : c.runAsGroup !== undefined
        ? `0:${c.runAsGroup}`
        : undefined;
  const host: Record<string, unknown> = {
    Init: true,
    LogConfig: { Type: i.logDriver, Config: {} },
    Mounts: mounts,
    ReadonlyRootfs: c.readOnlyRootFilesystem === true,
    Privileged: c.privileged === true,
    CapDrop: c.privileged === true ? [] : ['ALL'],
    CapAdd: c.privileged === true ? [] : (c.capabilitiesAdd ?? []).map((x) => (x.startsWith('CAP_') ? x : `CAP_${x}`)),
    SecurityOpt: c.privileged === true ? [] : ['no-new-privileges'],
    NetworkMode: i.networkContainer ? `container:${i.networkContainer}` : c.hostNetwork === true ? 'host' : 'bridge',
  };
  if (host.NetworkMode === 'bridge') host.Sysctls = UNPRIVILEGED_PORTS;
  if (c.memoryBytes !== undefined) {
    host.Memory = c.memoryBytes;
    host.MemorySwap = c.memoryBytes; // no swap on top: exceeding the limit is an OOM kill, as on Kubernetes
  }
  if (c.cpus !== undefined) host.NanoCpus = Math.max(1, Math.round(c.cpus * 1e9));
  const body: Record<string, unknown> = {
    Image: spec.image,
    Entrypoint: i.argv.slice(0, 1),
    Cmd: i.argv.slice(1),
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [LABEL_MANAGED]: 'true',
      [LABEL_WORKFLOW]: `${spec.workflow.namespace}/${spec.workflow.name}`,
      [LABEL_UID]: spec.workflow.uid,
      [LABEL_NODE]: spec.nodeId,
      [LABEL_STARTED]: i.startedAt,
    },
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    HostConfig: host,
  };
  if (spec.workingDir) body.WorkingDir = spec.workingDir;
  if (user !== undefined) body.User = user;
  return body;
}

/** Image references Docker-style: a short name means docker.io/library/NAME, a missing tag means :latest. */
export function normalImage(ref: string): string {
  let name = ref;
  const at = name.indexOf('@');
  const digest = at === -1 ? '' : name.slice(at);
  if (at !== -1) name = name.slice(0, at);
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  if (!hasRegistry) name = `docker.io/${slash === -1 ? `library/${name}` : name}`;
  if (digest === '' && !/:[^/]*$/.test(name)) name += ':latest';
  return name + digest;
}
