// The trigger adapter contract: `plan` turns a trigger template plus the events that satisfied it into a JSON-safe
// description of the action (pure: used live and by `weir sensor test`), `execute` performs a plan through the
// runtime the host injects (store operations, fetch, brokers). Retries, rate limits, dead-lettering and
// de-duplication live once, in the host.
import type { Logger } from '../../src/core/logger.js';
import type { EventsByDependency, ParamWrite } from '../parameters.js';

export interface TriggerInput {
  sensor: { namespace: string; name: string };
  triggerName: string;
  /** The trigger template after trigger-level parameters were applied. */
  template: Record<string, unknown>;
  events: EventsByDependency;
  /** Deterministic firing key: a short hash of (sensor, trigger, event ids). */
  key: string;
  /** The trigger's `policy` (http reads `status.allow`). */
  policy?: { status?: { allow?: number[] } };
  /** Labels and annotations naming the sensor, trigger and events (for created resources). */
  lineage: { labels: Record<string, string>; annotations: Record<string, string> };
  /**
   * Set when the host's store is the embedded one (SQLite or memory): a `k8s` trigger may only create, and only the
   * kinds it holds (`holds(apiVersion, kind)`); planning refuses anything else, so `weir sensor test` and the server
   * agree. Absent: the store is a Kubernetes API server (any kind, every operation; what the service account may do
   * is the API server's answer at execution).
   */
  embedded?: { holds: (apiVersion: string, kind: string) => boolean };
}

/** Argo's `k8s` trigger operations. */
export type K8sOperation = 'create' | 'update' | 'patch' | 'delete';

export interface K8sAction {
  operation: K8sOperation;
  /** The source object with the trigger's parameters applied (name, namespace and, for create, lineage set). */
  resource: Record<string, unknown>;
  key: string;
  /** patch: the Content-Type (default application/merge-patch+json). */
  patchStrategy?: string;
  /** update with `liveObject`: the parameters are written into the live object instead of merging `resource`. */
  liveWrites?: ParamWrite[];
}

/** The argoWorkflow operations on an existing Workflow. */
export type WorkflowOperation = 'resubmit' | 'resume' | 'retry' | 'suspend' | 'terminate' | 'stop';

/** A Workflow operation of the argoWorkflow trigger: submit, submit-from a template, or an operation on a Workflow. */
export type ArgoWorkflowAction =
  | { operation: 'submit'; key: string; workflow: Record<string, unknown> }
  | { operation: 'submit-from'; key: string; from: { kind: string; name: string; namespace: string }; workflow: Record<string, unknown> }
  | { operation: WorkflowOperation; key: string; namespace: string; name: string };

export interface HttpAction {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Status codes that count as success; empty: any. */
  allow: number[];
}

/** The action of each trigger kind's plan (JSON-safe). */
export interface TriggerActions {
  argoWorkflow: ArgoWorkflowAction;
  k8s: K8sAction;
  http: HttpAction;
  log: { sensor: string; trigger: string; events: Record<string, unknown> };
  kafka: { url: string; topic: string; key: string; headers: Record<string, string>; payload: string };
  nats: { url: string; subject: string; payload: string };
  amqp: AmqpTarget & { payload: string };
  mqtt: MqttTarget & { payload: string };
}

export type TriggerKind = keyof TriggerActions;

/** JSON-safe description of what a trigger of kind K will do. */
export interface TriggerPlanOf<K extends TriggerKind> {
  kind: K;
  /** One line for humans. */
  summary: string;
  action: TriggerActions[K];
}

/** A plan of any kind, discriminated by `kind`. */
export type TriggerPlan = { [K in TriggerKind]: TriggerPlanOf<K> }[TriggerKind];

export interface TriggerResult {
  /** `deduplicated`: the action had already been done for this firing key (e.g. the workflow exists). */
  outcome: 'done' | 'deduplicated';
  detail?: Record<string, unknown>;
}

/** Store-backed operations the host provides (Weir kinds only). */
export interface ResourceOps {
  /** Creates; resolves `deduplicated` when an object with that name exists and carries the same firing key. */
  create(kind: string, obj: Record<string, unknown>, key: string): Promise<{ name: string; deduplicated: boolean }>;
  /** Applies an argo workflow operation (resubmit, resume, retry, suspend, terminate, stop) to a stored Workflow. */
  workflowOp(op: string, namespace: string, name: string, key: string): Promise<{ name: string; deduplicated: boolean }>;
  /** A Workflow from a WorkflowTemplate / ClusterWorkflowTemplate / CronWorkflow (submit-from). */
  workflowFrom(kind: string, namespace: string, name: string, base: Record<string, unknown>): Promise<Record<string, unknown>>;
  /**
   * A `k8s` action on an object of any kind through the API server (Kubernetes mode). Absent when the store is the
   * embedded one. `result` says what happened (created, updated, patched, deleted, absent: nothing to delete).
   */
  anyKind?(action: K8sAction, signal: AbortSignal): Promise<{ name: string; deduplicated: boolean; result: string }>;
}

export interface Publisher {
  publish(
    target: { url: string; topic: string; key?: string; headers?: Record<string, string> },
    payload: string,
    signal: AbortSignal,
  ): Promise<void>;
}

export interface AmqpTarget {
  url: string;
  exchange: string;
  exchangeType?: string;
  routingKey: string;
  persistent: boolean;
  messageId: string;
}
export interface MqttTarget {
  url: string;
  topic: string;
  qos: 0 | 1 | 2;
  retain: boolean;
}

/** Publishes to an AMQP broker and resolves once the broker confirmed the message. */
export interface AmqpPublisher {
  publish(target: AmqpTarget, payload: string, signal: AbortSignal): Promise<void>;
}

/** Publishes to an MQTT broker and resolves once the broker acknowledged (QoS 1/2) or the packet was written (QoS 0). */
export interface MqttPublisher {
  publish(target: MqttTarget, payload: string, signal: AbortSignal): Promise<void>;
}

export interface TriggerRuntime {
  signal: AbortSignal;
  log: Logger;
  resources: ResourceOps;
  fetch: typeof fetch;
  kafka: Publisher;
  nats: Publisher;
  /** Absent in runtimes built without broker publishers: the amqp trigger then fails with a clear error. */
  amqp?: AmqpPublisher;
  mqtt?: MqttPublisher;
}

export interface TriggerAdapter<K extends TriggerKind> {
  readonly kind: K;
  /** Pure. Throws WeirError (INVALID_SPEC for bad or unsupported settings, parameter errors). */
  plan(input: TriggerInput): TriggerPlanOf<K>;
  execute(plan: TriggerPlanOf<K>, rt: TriggerRuntime): Promise<TriggerResult>;
}

/** The adapter of some kind (a union: its plan is a TriggerPlan; execute a plan with executePlan in registry.ts). */
export type AnyTriggerAdapter = { [K in TriggerKind]: TriggerAdapter<K> }[TriggerKind];
