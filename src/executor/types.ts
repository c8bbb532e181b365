// The step executor contract: runs one resolved Pod-type workflow node (container or script template).
// Implementations: host processes (host-executor.ts) and, later, Kubernetes pods. Every implementation
// runs the conformance suite in test/executor/conformance.ts. Handles are plain JSON so the controller
// can persist them and re-adopt running steps after a restart (including kill -9 of the server).
import type { StepHandle } from '../api/workflow-status.js';

/** A fully resolved step: no `{{...}}` placeholders left. */
export interface StepSpec {
  workflow: { namespace: string; name: string; uid: string };
  /** Unique within the workflow (one per retry attempt); with `workflow.uid` it identifies the step. */
  nodeId: string;
  /** Container image; the host executor only records it. */
  image?: string;
  /** argv[0] + args (container command+args, or the script template's command). Never parsed by a shell. */
  command: string[];
  /** Script templates: the executor writes `source` to a file and APPENDS that file's path to `command`. */
  script?: { source: string };
  /** Exactly the variables to set (values are passed byte-for-byte); implementations may add a base env. */
  env: Record<string, string>;
  /** Absolute; defaults to an implementation-chosen private scratch dir (host: `/tmp` of the step's view). */
  workingDir?: string;
  /** Absolute paths (files or dirs) the step writes outputs/artifacts to; read back after exit. */
  outputPaths: string[];
  /** Volumes: `hostPath` is a directory the controller owns (per-workflow for emptyDir/named volumes). */
  mounts: StepMount[];
  /**
   * Kubernetes volumes as the workflow names them (pod executor only; the controller leaves `mounts` empty then):
   * each goes into the pod spec as given, once per name, with its volumeMount.
   */
  podVolumes?: PodVolumeMount[];
  /** Input artifacts, placed into the step's view before it starts (copied; `mode` applied to files). */
  inputFiles?: StepInputFile[];
  /**
   * Container settings, for executors that run images (ignored by the host executor). When present, the
   * executor resolves the command from `command`/`args` and the image's ENTRYPOINT/CMD (Kubernetes rules)
   * instead of using `command` above.
   */
  container?: ContainerSettings;
  /** Settings of the step's Pod (the template's and the workflow's pod-level fields); only the pod executor uses them. */
  pod?: PodSettings;
}

/**
 * Pod-level settings of a step (Argo's template and workflow fields applied to its Pod), JSON as written; the pod
 * executor puts them into the Pod it creates, other executors ignore them.
 */
export interface PodSettings {
  nodeSelector?: Record<string, string>;
  affinity?: unknown;
  tolerations?: unknown[];
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: unknown;
  priorityClassName?: string;
  priority?: number;
  schedulerName?: string;
  imagePullSecrets?: unknown[];
  hostAliases?: unknown[];
  dnsPolicy?: string;
  dnsConfig?: unknown;
  activeDeadlineSeconds?: number;
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** The main container's `resources` as written (requests and limits); replaces the limits of `container`. */
  resources?: unknown;
  /** Strategic merge patches of the pod spec, applied in order (the workflow's `podSpecPatch`, then the template's). */
  podSpecPatches?: Record<string, unknown>[];
  /** The template's init containers (run in order before main) and sidecars (beside main, stopped once it exits). */
  initContainers?: PodMember[];
  sidecars?: PodMember[];
  /** A daemon step: start() returns once the pod has an IP, in the handle's `details.ip` (`{{steps.x.ip}}`). */
  daemon?: boolean;
  /**
   * A containerSet template run as ONE pod (Argo's model): every container of the set, each started once the
   * containers it depends on succeeded (skipped when one did not). The step's own spec is the member whose outcome
   * (exit code, stdout, output files) is the step's: the one named `main`, else the last; its name is `outcome`.
   */
  containerSet?: { members: ContainerSetMember[]; outcome: string };
}

/** One container of a containerSet pod: its name, what it runs, and the names of the containers it waits for. */
export interface ContainerSetMember {
  name: string;
  spec: StepSpec;
  dependencies: string[];
}

/** How one container of a containerSet pod ended (StepResult.members). */
export interface MemberResult {
  name: string;
  /** null when it never ran (the pod was deleted first) or was skipped (`omitted`). */
  exitCode: number | null;
  /** Not run because a container it depends on did not succeed. */
  omitted?: boolean;
  startedAt: Date;
  finishedAt: Date;
  message?: string;
}

/** One more container of the step's Pod: its name and what it runs (a step of its own, resolved the same way). */
export interface PodMember {
  name: string;
  spec: StepSpec;
}

/** What a Kubernetes container spec says beyond argv/env/workingDir (resolved: quantities are numbers). */
export interface ContainerSettings {
  /** Kubernetes `command` (replaces the image's ENTRYPOINT) and `args` (replace its CMD). */
  command?: string[];
  args?: string[];
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  /** Capabilities the step asks for (`securityContext.capabilities.add`); all others are dropped. */
  capabilitiesAdd?: string[];
  /** `resources.limits.memory` in bytes and `resources.limits.cpu` in CPUs. */
  memoryBytes?: number;
  cpus?: number;
  hostNetwork?: boolean;
  /** Pod members (main + sidecars, containerSet containers) name their pod (its node id): they share one network namespace. */
  networkOf?: string;
  /**
   * The step's address is needed while it runs (daemons: `{{steps.X.ip}}`, readinessProbe): the handle carries it as
   * `details.ip`. Otherwise the executor may leave it out (one engine round trip less per step).
   */
  address?: boolean;
}

export interface StepMount {
  containerPath: string;
  hostPath: string;
  readOnly?: boolean;
}

/** One volumeMount of a container and the Kubernetes volume it names (`volume.name === mount.name`). */
export interface PodVolumeMount {
  volume: { name: string } & Record<string, unknown>;
  mount: { name: string; mountPath: string; readOnly?: boolean; subPath?: string } & Record<string, unknown>;
}

export interface StepInputFile {
  containerPath: string;
  /** A file or a directory on the Weir host. */
  hostPath: string;
  mode?: number;
}

export type { JsonScalar, StepHandle } from '../api/workflow-status.js';

export interface StepResult {
  /**
   * Exit code of the step's main process. A process killed by signal N reports 128+N (as Kubernetes does).
   * null when no code could be determined (the step vanished, or the sandbox could not be set up).
   */
  exitCode: number | null;
  /** Set when the executor itself stopped the step (kill) and the step died of that signal. */
  signal?: NodeJS.Signals;
  startedAt: Date;
  finishedAt: Date;
  /** The raw last 256 KiB of stdout (Argo's `result` = this with ONE trailing newline trimmed; the caller trims). */
  stdoutTail: string;
  /** Human-readable reason when something other than the step's own exit code decided the outcome. */
  message?: string;
  /** A containerSet pod (PodSettings.containerSet): how each of its containers ended. */
  members?: MemberResult[];
  /** Contents of a file the step wrote at `containerPath`, or undefined when there is no such file. */
  readOutput(containerPath: string): Promise<Buffer | undefined>;
  /** Copies a file or directory the step wrote at `containerPath` to `hostDest` (created; parent must exist). */
  copyOutput(containerPath: string, hostDest: string): Promise<'file' | 'dir' | undefined>;
}

export interface LogLine {
  time: Date;
  stream: 'stdout' | 'stderr';
  /** One line, without its trailing newline. */
  line: string;
}

export interface LogsOptions {
  /** Keep streaming until the step ends (or `signal` aborts). */
  follow?: boolean;
  /** Only lines stamped at or after this time. */
  since?: Date;
  /** Only the last N lines (of those at or after `since`), found by reading back from the end of the logs. */
  tailLines?: number;
  signal?: AbortSignal;
}

/** What `adopt` found: still running, finished (wait() returns at once), or gone without a trace of its end. */
export type AdoptState = 'running' | 'exited' | 'lost';

export interface StepExecutor {
  /** Which handles this executor accepts (`StepHandle.executor`). */
  readonly kind: string;
  /**
   * Launches the step detached from the caller and returns once it runs. Idempotent per
   * (workflow.uid, nodeId): a second call returns the existing handle instead of launching again.
   */
  start(spec: StepSpec, signal?: AbortSignal): Promise<StepHandle>;
  /** Resolves when the step has finished. Aborting `signal` rejects with CANCELLED; the step keeps running. */
  wait(handle: StepHandle, signal?: AbortSignal): Promise<StepResult>;
  /** Log lines with per-line timestamps, stdout and stderr interleaved in time order. */
  logs(handle: StepHandle, opts?: LogsOptions): AsyncIterable<LogLine>;
  /** SIGTERM to all the step's processes, SIGKILL to whatever is left after `graceMs`. Resolves once all are gone. */
  kill(handle: StepHandle, graceMs: number): Promise<void>;
  /** Re-attaches to a step started by another instance (e.g. before a restart). */
  adopt(handle: StepHandle): Promise<AdoptState>;
  /** Frees everything the step left behind (logs, private dirs). Kills it first if it still runs. */
  cleanup(handle: StepHandle): Promise<void>;
  /**
   * Executors whose steps stay visible after they ended (pods): the step's outcome is saved, drop what held it for
   * the executor (the pod's finalizer) and keep the rest. The controller then deletes it per podGC (cleanup).
   */
  release?(handle: StepHandle): Promise<void>;
  /**
   * Executors with release(): the steps they still keep (every pod, finished or not: the controller tells the finished
   * ones from the saved status), so a restarted controller can release and delete what a crash left behind.
   */
  kept?(signal?: AbortSignal): Promise<KeptStep[]>;
  /**
   * Releases what the executor holds open (the pod executor's watches and connections); steps keep running. Called
   * once its controller has stopped; the executor is not used afterwards.
   */
  close?(): Promise<void> | void;
}

/** A finished step an executor still keeps (see StepExecutor.kept). */
export interface KeptStep {
  handle: StepHandle;
  workflow: { namespace: string; name: string; uid: string };
  nodeId: string;
  /** The executor still holds it for the controller (release() has not run). */
  held: boolean;
}

/** Size of the stdout tail kept for `result` (Argo: 256 KiB). */
export const STDOUT_TAIL_BYTES = 256 * 1024;
