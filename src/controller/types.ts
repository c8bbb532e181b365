// Status shapes of Argo Workflows (status.nodes, NodeStatus, outputs) and the inputs/outputs of the pure
// `operate` step: what the controller knows (clock, stored templates, ConfigMaps, step outcomes) and what it must do.
import type { StepSpec } from '../executor/types.js';
import type { Template } from '../api/workflow-template.js';
import type { WorkflowSpec } from '../api/workflow.js';

export type NodePhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Skipped' | 'Omitted';
export type WorkflowPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error';
export type NodeType = 'Pod' | 'Steps' | 'StepGroup' | 'DAG' | 'TaskGroup' | 'Retry' | 'Skipped' | 'Suspend';

export interface ParamValue {
  name: string;
  value?: string;
  [key: string]: unknown;
}

export interface NodeOutputs {
  parameters?: ParamValue[];
  artifacts?: { name: string; path?: string }[];
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
  inputs?: { parameters?: ParamValue[] };
  outputs?: NodeOutputs;
  progress?: string;
  podName?: string;
}

export interface WorkflowStatus {
  phase?: WorkflowPhase;
  startedAt?: string;
  finishedAt?: string;
  message?: string;
  progress?: string;
  nodes?: Record<string, NodeStatus>;
  outputs?: { parameters?: ParamValue[] };
  [key: string]: unknown;
}

export interface WorkflowObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid: string; creationTimestamp?: string; resourceVersion?: string; labels?: Record<string, string>; [k: string]: unknown };
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
}

export type PodState = { state: 'running'; startedAt: string } | { state: 'done'; outcome: PodOutcome };

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
  /** Maximum template nesting (recursion guard). Default 100. */
  maxDepth?: number;
}

export type Action =
  | { type: 'start'; nodeId: string; spec: StepSpec; outputFiles: string[] }
  | { type: 'kill'; nodeId: string; reason: string };

export interface OperateResult {
  status: WorkflowStatus;
  actions: Action[];
  /** Reconcile again after this many ms (timers: suspend duration, retry backoff, deadlines). */
  requeueAfterMs?: number;
  /** Things worth one log line (ignored Kubernetes-only fields...). */
  notes: string[];
}

export type { Template };
