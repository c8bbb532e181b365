// The inputs/outputs of the pure `operate` step: what the controller knows (clock, stored templates, ConfigMaps,
// step outcomes) and what it must do. The Workflow status shapes live in src/api/workflow-status.ts (re-exported).
import type { StepSpec } from '../executor/types.js';
import type { Template } from '../api/workflow-template.js';
import type { WorkflowSpec } from '../api/workflow.js';
import type { Artifact } from '../api/workflow-io.js';
import type { NodeType, OutputArtifactPlan, WorkflowStatus } from '../api/workflow-status.js';
import type { ArtifactRepositoryRefStatus } from './artifacts.js';
import type { VolumePrep } from './volumes.js';
import type { HostPathPolicy } from './host-paths.js';
import type { HttpRequestSpec, HttpState } from './http-step.js';
import type { ResourceRequest, ResourceState } from './resource-step.js';
import type { DataListState } from './data-step.js';

export type {
  NodePhase,
  WorkflowPhase,
  NodeType,
  ParamValue,
  NodeOutputs,
  NodeStatus,
  WeirNodeState,
  OutputArtifactPlan,
  WorkflowStatus,
  WorkflowObject,
} from '../api/workflow-status.js';

/**
 * The workflow label Argo sets once a workflow is done. Here rather than in manual-ops.ts (which re-exports it) so
 * that pod-gc.ts, loaded by every controller, does not load the manual operations for one string.
 */
export const LABEL_COMPLETED = 'workflows.argoproj.io/completed';

/** Node types whose work is a step run by the executor (a Pod, or one container of a containerSet). */
export const hasStep = (t: NodeType): boolean => t === 'Pod' || t === 'Container';

/** Input artifacts to load on the host before a step starts (artifacts.ts). */
export interface InputArtifactPlan {
  /** Declarations merged with their arguments, each with a location (or key) and a `path`. */
  artifacts: Artifact[];
  /** Host directory where they are staged (then copied into the step's view). */
  stagingDir: string;
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
  /** A containerSet run as one pod: how each container ended (times as ISO strings). */
  members?: { name: string; exitCode: number | null; omitted?: boolean; startedAt: string; finishedAt: string; message?: string }[];
}

/**
 * What the controller knows about a Pod node's step: `starting` (an intent was saved but no handle yet: start it again,
 * idempotently), `running`, or `done` with the recorded outcome. undefined: never started.
 */
export type PodState =
  | { state: 'starting' }
  /** `ready`: set for a daemon with a readinessProbe, false until the probe first passed. */
  | { state: 'running'; startedAt: string; ip?: string; ready?: boolean }
  | { state: 'done'; outcome: PodOutcome };

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
  /** The executor runs each step as a Kubernetes Pod: the templates' pod-level fields are applied, not ignored. */
  runsPods?: boolean;
  /**
   * With runsPods: the store is the cluster's API server, so the controller creates the volumeClaimTemplates' claims
   * (status.persistentVolumeClaims; the `claims` action). Otherwise a step mounting one is an error.
   */
  createsClaims?: boolean;
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
      /** A daemon's readinessProbe (Kubernetes Probe): its dependants wait until it passes. */
      readiness?: Record<string, unknown>;
    }
  | { type: 'kill'; nodeId: string; reason: string }
  /** Write a memoization entry (JSON text) under `key` of the cache ConfigMap `cacheName` (created when missing). */
  | { type: 'memoize'; cacheName: string; key: string; entry: string }
  /** Send an HTTP request for an `http` template node (its response is reported through OperateContext.http). */
  | { type: 'http'; nodeId: string; request: HttpRequestSpec }
  /** Perform a `resource` template's action (its outcome is reported through OperateContext.resource). */
  | { type: 'resource'; nodeId: string; request: ResourceRequest }
  /** List the file keys under an artifact location for a `data` template (reported through OperateContext.dataList). */
  | { type: 'data-list'; nodeId: string; artifact: Artifact }
  /**
   * Make sure these PersistentVolumeClaims exist (volumeClaimTemplates) before the steps of this pass start: created,
   * or adopted when one of the name is already owned by the workflow. A failure fails those steps.
   */
  | { type: 'claims'; claims: Record<string, unknown>[] };

export interface OperateResult {
  status: WorkflowStatus;
  actions: Action[];
  /** Reconcile again after this many ms (timers: suspend duration, retry backoff, deadlines). */
  requeueAfterMs?: number;
  /** Things worth one log line (ignored Kubernetes-only fields...). */
  notes: string[];
  /** Labels/annotations to set on the Workflow itself (spec.workflowMetadata), saved with the status. */
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** The spec's podGC (a workflowTemplateRef's included), when it names a strategy (pod-gc.ts acts on it). */
  podGC?: NonNullable<WorkflowSpec['podGC']>;
  /** Names of the PersistentVolumeClaims volumeClaimGC deletes now (the workflow ended; pod-volumes.ts). */
  collectClaims?: string[];
}

export type { Template };
