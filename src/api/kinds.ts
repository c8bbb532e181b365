// The table of resource kinds Weir understands: each kind's identity (names, scope: src/core/kinds.ts) plus its
// schema and printer columns. Adding a kind is one entry here and one there. Used by the loader/linter (schema per
// kind), the CRD generator and the REST API.
import type { TSchema } from '@sinclair/typebox';
import { KIND_IDENTITY, isKindName } from '../core/kinds.js';
import type { KindIdentity, KindName } from '../core/kinds.js';
import { WorkflowSchema, WorkflowTemplateSchema, ClusterWorkflowTemplateSchema } from './workflow.js';
import { ConfigMapSchema, SecretSchema } from './k8s.js';
import { lazyModule } from '../core/lazy-module.js';
import type * as CronWorkflowApi from './cron-workflow.js';
import type * as EventSourceApi from './eventsource.js';
import type * as SensorApi from './sensor.js';
import type * as EventBusApi from './eventbus.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export type { KindName };
export { isKindName };

export interface KindInfo extends KindIdentity {
  schema: TSchema;
  printerColumns: readonly PrinterColumn[];
  statusSubresource: boolean;
}

// The schemas of CronWorkflow and of the event kinds (an EventSource's has some 30 event kinds; 9 modules in all) are
// built on first read, so that linting or running plain workflows does not build them.
const cronWorkflowApi = lazyModule<typeof CronWorkflowApi>(import.meta.url, './cron-workflow.js');
const eventSourceApi = lazyModule<typeof EventSourceApi>(import.meta.url, './eventsource.js');
const sensorApi = lazyModule<typeof SensorApi>(import.meta.url, './sensor.js');
const eventBusApi = lazyModule<typeof EventBusApi>(import.meta.url, './eventbus.js');

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const KINDS = {
  Workflow: {
    ...KIND_IDENTITY.Workflow,
    schema: WorkflowSchema,
    statusSubresource: false,
    printerColumns: [
      { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Workflow phase' },
      age,
      { name: 'Message', type: 'string', jsonPath: '.status.message', description: 'Why the workflow is in this phase' },
    ],
  },
  WorkflowTemplate: {
    ...KIND_IDENTITY.WorkflowTemplate,
    schema: WorkflowTemplateSchema,
    statusSubresource: false,
    printerColumns: [age],
  },
  ClusterWorkflowTemplate: {
    ...KIND_IDENTITY.ClusterWorkflowTemplate,
    schema: ClusterWorkflowTemplateSchema,
    statusSubresource: false,
    printerColumns: [age],
  },
  CronWorkflow: {
    ...KIND_IDENTITY.CronWorkflow,
    get schema(): TSchema {
      return cronWorkflowApi().CronWorkflowSchema;
    },
    statusSubresource: false,
    printerColumns: [
      { name: 'Schedules', type: 'string', jsonPath: '.spec.schedules' },
      { name: 'Suspended', type: 'boolean', jsonPath: '.spec.suspend' },
      { name: 'Last Run', type: 'date', jsonPath: '.status.lastScheduledTime' },
      age,
    ],
  },
  EventSource: {
    ...KIND_IDENTITY.EventSource,
    get schema(): TSchema {
      return eventSourceApi().EventSourceSchema;
    },
    statusSubresource: false,
    printerColumns: [age],
  },
  Sensor: {
    ...KIND_IDENTITY.Sensor,
    get schema(): TSchema {
      return sensorApi().SensorSchema;
    },
    statusSubresource: false,
    printerColumns: [age],
  },
  EventBus: {
    ...KIND_IDENTITY.EventBus,
    get schema(): TSchema {
      return eventBusApi().EventBusSchema;
    },
    statusSubresource: false,
    printerColumns: [age],
  },
  ConfigMap: {
    ...KIND_IDENTITY.ConfigMap,
    schema: ConfigMapSchema,
    statusSubresource: false,
    printerColumns: [],
  },
  Secret: {
    ...KIND_IDENTITY.Secret,
    schema: SecretSchema,
    statusSubresource: false,
    printerColumns: [],
  },
} as const satisfies Record<KindName, KindInfo>;

export const KIND_LIST: readonly KindInfo[] = Object.values(KINDS);

/** Resolves a kind given as Kind, plural, singular or short name (case-insensitive), as kubectl does. */
export function findKind(name: string): KindInfo | undefined {
  const n = name.toLowerCase();
  return KIND_LIST.find((k) => k.kind.toLowerCase() === n || k.plural === n || k.shortNames.includes(n));
}
