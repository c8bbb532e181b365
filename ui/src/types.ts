// The shapes of API objects the UI reads (the parts it uses), matching Argo's Workflow, templates, CronWorkflow,
// EventSource and Sensor resources and Weir's additions (status.weir, status.history, decision records).
export interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Parameter {
  name: string;
  value?: string;
  default?: string;
  enum?: string[];
  description?: string;
}

export interface Artifact {
  name: string;
  path?: string;
  s3?: { key?: string; bucket?: string };
  local?: { key?: string };
  http?: { url?: string };
  raw?: { data?: string };
  key?: string;
  deleted?: boolean;
}

export interface NodeStatus {
  id: string;
  name: string;
  displayName?: string;
  type: string;
  phase?: string;
  templateName?: string;
  boundaryID?: string;
  children?: string[];
  outboundNodes?: string[];
  startedAt?: string;
  finishedAt?: string;
  message?: string;
  progress?: string;
  inputs?: { parameters?: Parameter[]; artifacts?: Artifact[] };
  outputs?: { parameters?: Parameter[]; artifacts?: Artifact[]; result?: string; exitCode?: string };
}

export interface Workflow {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec?: Record<string, unknown>;
  status?: {
    phase?: string;
    startedAt?: string;
    finishedAt?: string;
    message?: string;
    progress?: string;
    nodes?: Record<string, NodeStatus>;
    storedTemplates?: Record<string, unknown>;
  };
}

/** GET /api/v1/ui/workflow/{ns}/{name}: the workflow with its nodes as columns (src/server/ui-node-table.ts). */
export interface WorkflowView {
  workflow: Workflow;
  nodeTable?: NodeTable;
}
import type { NodeTable } from '../../src/server/ui-node-table.js';

// The list summary is the server's own type (src/server/ui-summary.ts), so the two cannot drift apart.
import type { WorkflowSummary } from '../../src/server/ui-summary.js';
export type { WorkflowSummary };

export interface SummaryPage {
  items: WorkflowSummary[];
  resourceVersion: string;
  continue?: string;
  scanned: number;
}

export interface Resource {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface ListBody<T> {
  items: T[] | null;
  metadata?: { resourceVersion?: string; continue?: string };
}

export interface TemplateSpec {
  name: string;
  steps?: { name: string; template?: string; templateRef?: { name: string; template: string }; when?: string }[][];
  dag?: { tasks: { name: string; template?: string; dependencies?: string[]; depends?: string }[] };
  container?: unknown;
  script?: unknown;
  suspend?: unknown;
  inputs?: { parameters?: Parameter[] };
}

export interface WatchLine<T> {
  result?: { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T };
  error?: { message?: string };
}

/** A line of the workflow page's node-level stream (GET /api/v1/ui/workflow-patches/NS/NAME). */
export interface PatchLine {
  result?:
    | { type: 'SNAPSHOT'; object: Workflow }
    | { type: 'DELETED' }
    | {
        type: 'PATCH';
        metadata: Workflow['metadata'];
        spec?: Workflow['spec'];
        status: Omit<NonNullable<Workflow['status']>, 'nodes'>;
        nodes: Record<string, NodeStatus>;
        removed: string[];
      };
}

export interface Decision {
  at: string;
  eventId: string;
  type: string;
  stage?: string;
  dependency?: string;
  trigger?: string;
  filter?: string;
  reason?: string;
  error?: string | boolean;
  key?: string;
  satisfied?: string[];
  waitingFor?: string[];
  plan?: { kind: string; summary: string; action: Record<string, unknown> };
}

export interface RecordedEvent {
  id: string;
  source: string;
  subject: string;
  type?: string;
  time?: string;
  data?: unknown;
  weirreceivedat?: string;
}
