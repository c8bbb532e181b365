// Status shapes of Argo Workflows (status.nodes, NodeStatus, outputs) with Weir's crash-safety records, and the
// Workflow as the controller writes it: api types, so the server, sensor host and CLI read a stored Workflow
// without importing the controller.
import type { WorkflowSpec } from './workflow.js';
import type { Artifact } from './workflow-io.js';
import type { ArtifactRepository, StatusArtifact } from './artifact-status.js';

export type NodePhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Skipped' | 'Omitted';
export type WorkflowPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error';
export type NodeType = 'Pod' | 'Container' | 'Steps' | 'StepGroup' | 'DAG' | 'TaskGroup' | 'Retry' | 'Skipped' | 'Suspend' | 'HTTP';

export type JsonScalar = string | number | boolean | null;

/**
 * Serialisable reference to a started step. Persist it verbatim; pass it back to any executor instance of
 * the same kind (even in a new process) to wait, stream logs, kill, adopt or clean up.
 */
export interface StepHandle {
  /** Which implementation owns the handle ('host', 'pod'). */
  readonly executor: string;
  /** Stable id, derived from workflow uid + node id. */
  readonly id: string;
  /** ISO-8601 time the step was launched. */
  readonly startedAt: string;
  /** Implementation-specific, opaque to the controller (host: pid, process start ticks, boot id, dir). */
  readonly details: Readonly<Record<string, JsonScalar>>;
}

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
  /** The labels the node's pod got from podMetadata and the template (kept only when podGC has a labelSelector). */
  podLabels?: Record<string, string>;
  /**
   * A Skipped/Omitted node: its template's output parameters that declare `valueFrom.default`, which references to
   * the node's outputs resolve to (Argo: outputs of skipped and omitted nodes).
   */
  absentDefaults?: Record<string, string>;
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

export type WorkflowObject = {
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
};
