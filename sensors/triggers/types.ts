// The trigger adapter contract: `plan` turns a trigger template plus the events that satisfied it into a JSON-safe
// description of the action (pure: used live and by `weir sensor test`), `execute` performs a plan through the
// runtime the host injects (store operations, fetch, brokers). Retries, rate limits, dead-lettering and
// de-duplication live once, in the host.
import type { Logger } from '../../src/core/logger.js';
import type { EventsByDependency } from '../parameters.js';

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
   * Whether the store behind this host can hold a kind (`k8s` create): the embedded store holds Weir's kinds only.
   * Planning refuses other kinds, so `weir sensor test` and the server agree. Absent: any kind.
   */
  canStore?: (kind: string) => boolean;
}

/** JSON-safe description of what a trigger will do. */
export interface TriggerPlan {
  kind: string;
  /** One line for humans. */
  summary: string;
  action: Record<string, unknown>;
}

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

export interface TriggerAdapter {
  readonly kind: string;
  /** Pure. Throws WeirError (INVALID_SPEC for bad or unsupported settings, parameter errors). */
  plan(input: TriggerInput): TriggerPlan;
  execute(plan: TriggerPlan, rt: TriggerRuntime): Promise<TriggerResult>;
}
