// The trigger registry: one row per supported kind. A trigger template is planned by the adapter of the (first)
// kind key it sets; kinds of Argo Events that Weir does not implement are a coded UNKNOWN_KIND error.
import { WeirError } from '../../src/core/errors.js';
import { amqpTrigger } from './amqp.js';
import { argoWorkflowTrigger } from './argo-workflow.js';
import { httpTrigger } from './http.js';
import { k8sTrigger } from './k8s.js';
import { kafkaTrigger } from './kafka.js';
import { logTrigger } from './log.js';
import { mqttTrigger } from './mqtt.js';
import { natsTrigger } from './nats.js';
import type { AnyTriggerAdapter, TriggerAdapter, TriggerKind, TriggerPlan, TriggerPlanOf, TriggerResult, TriggerRuntime } from './types.js';

export type SupportedTriggerKind = TriggerKind;

export const TRIGGERS: { readonly [K in TriggerKind]: TriggerAdapter<K> } = {
  argoWorkflow: argoWorkflowTrigger,
  k8s: k8sTrigger,
  http: httpTrigger,
  log: logTrigger,
  kafka: kafkaTrigger,
  nats: natsTrigger,
  amqp: amqpTrigger,
  mqtt: mqttTrigger,
};

const ARGO_KINDS = [
  'argoWorkflow',
  'k8s',
  'http',
  'log',
  'kafka',
  'nats',
  'awsLambda',
  'slack',
  'openWhisk',
  'custom',
  'azureEventHubs',
  'azureServiceBus',
  'pulsar',
  'email',
  'amqp',
  'mqtt',
];

/** The adapter for a trigger template; UNKNOWN_KIND when it sets no kind or one Weir does not implement. */
export function triggerAdapterFor(template: Record<string, unknown>): AnyTriggerAdapter {
  const kind = ARGO_KINDS.find((k) => template[k] !== undefined && template[k] !== null);
  if (kind === undefined)
    throw new WeirError(
      'UNKNOWN_KIND',
      `trigger ${JSON.stringify(template.name)} sets no action (one of ${Object.keys(TRIGGERS).join(', ')})`,
    );
  if (!Object.prototype.hasOwnProperty.call(TRIGGERS, kind)) {
    throw new WeirError('UNKNOWN_KIND', `trigger kind ${kind} is not supported by Weir (supported: ${Object.keys(TRIGGERS).join(', ')})`);
  }
  return TRIGGERS[kind as SupportedTriggerKind];
}

/** Executes a plan with the adapter of its kind. */
export function executePlan(plan: TriggerPlan, rt: TriggerRuntime): Promise<TriggerResult> {
  return executeWith(plan, rt);
}

function executeWith<K extends TriggerKind>(plan: TriggerPlanOf<K>, rt: TriggerRuntime): Promise<TriggerResult> {
  const adapter: TriggerAdapter<K> = TRIGGERS[plan.kind];
  return adapter.execute(plan, rt);
}
