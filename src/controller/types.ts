// Status shapes of Argo Workflows (status.nodes, NodeStatus, outputs) and the inputs/outputs of the pure
// `operate` step: what the controller knows (clock, stored templates, ConfigMaps, step outcomes) and what it must do.
import type { StepHandle, StepSpec } from '../executor/types.js';
import type { Template } from '../api/workflow-template.js';
import type { WorkflowSpec } from '../api/workflow.js';
import type { Artifact } from '../api/workflow-io.js';
import type { ArtifactRepository } from '../artifacts/repository-config.js';
import type { StatusArtifact } from '../artifacts/service.js';
import type { ArtifactRepositoryRefStatus } from './artifacts.js';
import type { VolumePrep } from './volumes.js';
import type { HostPathPolicy } from './host-paths.js';
import type { HttpRequestSpec, HttpState } from './http-step.js';
import type { ResourceRequest, ResourceState } from './resource-step.js';
import type { DataListState } from './data-step.js';

export type NodePhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Skipped' | 'Omitted';
export type WorkflowPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error';
export type NodeType = 'Pod' | 'Container' | 'Steps' | 'StepGroup' | 'DAG' | 'TaskGroup' | 'Retry' | 'Skipped' | 'Suspend' | 'HTTP';

/** Node types whose work is a step run by the executor (a Pod, or one container of a containerSet). */
export const hasStep = (t: NodeType): boolean => t === 'Pod' || t === 'Container';

export interface ParamValue {
  name: string;
  value?: string;
  [key: string]: unknown;
}

export interface NodeOutputs {
  parameters?: ParamValue[];
  artifacts?: StatusArtifact[];
  result?: string;
  exitCode?: string;
}

export interface NodeStatus {
  id: string;
  name: string;
  displayName: string;
  type: NodeType;
  templateName?: string;
  templateRef?: { name?: string; template?: string; clusterScope?: boolean };
  templateScope?: string;
  phase: NodePhase;
  message?: string;
  startedAt?: string;
  finishedAt?: string;
  boundaryID?: string;
  children?: string[];
  outboundNodes?: string[];
  inputs?: { parameters?: ParamValue[]; artifacts?: StatusArtifact[] };
  outputs?: NodeOutputs;
  progress?: string;
  podName?: string;
  memoizationStatus?: { hit: boolean; key: string; cacheName: string };
  /** A daemon step that is up (Running): dependants go on; it is stopped when its steps/DAG template ends. */
  daemoned?: boolean;
  /** The step's address (`{{steps.X.ip}}`): the container's IP with the container executor, else 127.0.0.1. */
  podIP?: string;
  /** Weir's own bookkeeping (Argo clients ignore it); see WeirNodeState. */
  weir?: WeirNodeState;
}

/**
 * Suspend/resume contract (used by manual-ops): a Suspend node without `duration` stays Running until its phase is set
 * to Succeeded (resume) or Failed (stop) in the stored status; the next reconcile then continues after it. With a
 * duration it succeeds by itself once the duration since its startedAt has passed (or earlier when resumed).
 * `spec.suspend: true` starts no new step or child (running steps go on) until it is cleared. `spec.shutdown:
 * Terminate` stops running steps and fails every unfinished node with "Stopped with strategy 'Terminate'", no exit
 * handler runs; `Stop` does the same but the workflow's exit handler still runs.
 *
 * Crash-safety record of a Pod node, saved in the Workflow itself so a restarted controller can continue:
 * `intent` is saved BEFORE the executor is asked to start the step (executor.start is idempotent per
 * (workflow uid, node id), so repeating it after a crash re-attaches instead of running twice); `handle` is saved in
 * the same update that records the node Running (or, for very short steps, finished). Handles of finished steps are
 * kept so logs stay readable; the step's files are cleaned up when the Workflow is deleted.
 */
export interface WeirNodeState {
  /** When the controller decided to start the step (ISO-8601). */
  intent?: string;
  /** Container paths of output files to read back when the step ends (saved with the intent). */
  outputFiles?: string[];
  /** The executor's handle, verbatim (plain JSON). */
  handle?: StepHandle;
  /** Output artifacts to save when the step ends (saved with the intent; see artifacts.ts). */
  outputArtifacts?: OutputArtifactPlan;
  /** Records of the node's init containers and sidecars, by sub-step name (see sub-steps.ts). */
  steps?: Record<string, { intent?: string; handle?: StepHandle }>;
  /**
   * A Skipped/Omitted node: its template's output parameters that declare `valueFrom.default`, which references to
   * the node's outputs resolve to (Argo: outputs of skipped and omitted nodes).
   */
  absentDefaults?: Record<string, string>;
}

/** Input artifacts to load on the host before a step starts (artifacts.ts). */
export interface InputArtifactPlan {
  /** Declarations merged with their arguments, each with a location (or key) and a `path`. */
  artifacts: Artifact[];
  /** Host directory where they are staged (then copied into the step's view). */
  stagingDir: string;
}

/** What to do with a step's output artifacts once it exits (artifacts.ts). */
export interface OutputArtifactPlan {
  /** The template's outputs.artifacts, placeholders resolved. */
  artifacts: Artifact[];
  /** Key format variables (workflow.name, pod.name, ...). */
  keyVars: Record<string, string>;
  /** The workflow's repository (status.artifactRepositoryRef), for unlocated and key-only outputs. */
  repository?: ArtifactRepository;
  /** Host directory where outputs are copied out of the step before they are saved. */
  stagingDir?: string;
}

export interface WorkflowStatus {
  phase?: WorkflowPhase;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
  progress?: string;
  nodes?: Record<string, NodeStatus>;
  outputs?: { parameters?: ParamValue[]; artifacts?: StatusArtifact[] };
  [key: string]: unknown;
}

export interface WorkflowObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    creationTimestamp?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  spec: WorkflowSpec;
  status?: WorkflowStatus;
}

/** What happened to a started step, as the controller recorded it (files already read). */
export interface PodOutcome {
  exitCode: number | null;
  /** Raw stdout tail. */
  stdout: string;
  /** Output files by container path; undefined when the step did not write it. */
  files: Record<string, string | undefined>;
  startedAt: string;
  finishedAt: string;
  message?: string;
  /** Output artifacts saved after exit (status form), when the step had any to save. */
  artifacts?: Artifact[];
  /** `<name>: <message>` per output artifact that could not be saved. */
  artifactErrors?: string[];
}

/**
 * What the controller knows about a Pod node's step: `starting` (an intent was saved but no handle yet: start it again,
 * idempotently), `running`, or `done` with the recorded outcome. undefined: never started.
 */
export type PodState =
  { state: 'starting' } | { state: 'running'; startedAt: string; ip?: string } | { state: 'done'; outcome: PodOutcome };

export interface TemplateSource {
  /** Spec of a WorkflowTemplate (namespaced) or ClusterWorkflowTemplate. */
  spec: WorkflowSpec;
}

/** Everything `operate` may read besides the workflow itself; all lookups are synchronous and side-effect free. */
export interface OperateContext {
  /** Milliseconds since the epoch. */
  now: number;
  workflowTemplate(name: string, clusterScope: boolean): TemplateSource | undefined;
  configMap(name: string): Record<string, string> | undefined;
  /** Decoded Secret data. */
  secret?(name: string): Record<string, string> | undefined;
  pod(nodeId: string): PodState | undefined;
  /** This workflow's volume directory on the host (volumes.ts lays it out); undefined: volumeMounts are an error. */
  volumeRoot?: string;
  /** Host paths hostPath volumes may mount (default: none). */
  hostPaths?: HostPathPolicy;
  /** The state of an http node's request (undefined: never sent by this controller). */
  http?(nodeId: string): HttpState | undefined;
  /** The state of a resource node's request (undefined: never sent by this controller). */
  resource?(nodeId: string): ResourceState | undefined;
  /** The state of a data node's artifact listing (undefined: never asked for by this controller). */
  dataList?(nodeId: string): DataListState | undefined;
  /** How many holders OTHER unfinished workflows have on a lock key (synchronization). Default: none. */
  lockHolders?(key: string): number;
  /** The workflow's artifact repository, resolved by the controller while status.artifactRepositoryRef is unset. */
  artifactRepository?: { ref: ArtifactRepositoryRefStatus } | { error: string };
  /** Maximum template nesting (recursion guard). Default 100. */
  maxDepth?: number;
  /** The executor runs images (container executor): commands come from the images, not host stand-ins. */
  runsImages?: boolean;
}

export type Action =
  /**
   * Start a step. `nodeId` is the node's id, or a sub-step id `<node>::<sub>` (sub-steps.ts). Input artifacts are
   * loaded on the host first (a failure fails the step); output artifacts are saved when it exits.
   */
  | {
      type: 'start';
      nodeId: string;
      spec: StepSpec;
      outputFiles: string[];
      prepare?: VolumePrep[];
      inputArtifacts?: InputArtifactPlan;
      outputArtifacts?: OutputArtifactPlan;
    }
  | { type: 'kill'; nodeId: string; reason: string }
  /** Write a memoization entry (JSON text) under `key` of the cache ConfigMap `cacheName` (created when missing). */
  | { type: 'memoize'; cacheName: string; key: string; entry: string }
  /** Send an HTTP request for an `http` template node (its response is reported through OperateContext.http). */
  | { type: 'http'; nodeId: string; request: HttpRequestSpec }
  /** Perform a `resource` template's action (its outcome is reported through OperateContext.resource). */
  | { type: 'resource'; nodeId: string; request: ResourceRequest }
  /** List the file keys under an artifact location for a `data` template (reported through OperateContext.dataList). */
  | { type: 'data-list'; nodeId: string; artifact: Artifact };

export interface OperateResult {
  status: WorkflowStatus;
  actions: Action[];
  /** Reconcile again after this many ms (timers: suspend duration, retry backoff, deadlines). */
  requeueAfterMs?: number;
  /** Things worth one log line (ignored Kubernetes-only fields...). */
  notes: string[];
  /** Labels/annotations to set on the Workflow itself (spec.workflowMetadata), saved with the status. */
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
}

export type { Template };
