// The table of resource kinds Weir understands: apiVersion, schema, names and printer columns. Adding a kind is
// one entry here. Used by the loader/linter (schema per kind), the CRD generator, the store and the REST API.
import type { TSchema } from '@sinclair/typebox';
import { WorkflowSchema, WorkflowTemplateSchema, ClusterWorkflowTemplateSchema } from './workflow.js';
import { CronWorkflowSchema } from './cron-workflow.js';
import { ConfigMapSchema, SecretSchema } from './k8s.js';
import { EventSourceSchema } from './eventsource.js';
import { SensorSchema } from './sensor.js';
import { EventBusSchema } from './eventbus.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface KindInfo {
  kind: string;
  apiVersion: string;
  plural: string;
  shortNames: readonly string[];
  categories: readonly string[];
  namespaced: boolean;
  schema: TSchema;
  printerColumns: readonly PrinterColumn[];
  statusSubresource: boolean;
}

export type KindName =
  | 'Workflow' | 'WorkflowTemplate' | 'ClusterWorkflowTemplate' | 'CronWorkflow'
  | 'EventSource' | 'Sensor' | 'EventBus' | 'ConfigMap' | 'Secret';

const ARGO = 'argoproj.io/v1alpha1';
const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const KINDS = {
  Workflow: {
    kind: 'Workflow', apiVersion: ARGO, plural: 'workflows', shortNames: ['wf'], categories: ['all', 'argo'],
    namespaced: true, schema: WorkflowSchema, statusSubresource: false,
    printerColumns: [
      { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Workflow phase' },
      age,
      { name: 'Message', type: 'string', jsonPath: '.status.message', description: 'Why the workflow is in this phase' },
    ],
  },
  WorkflowTemplate: {
    kind: 'WorkflowTemplate', apiVersion: ARGO, plural: 'workflowtemplates', shortNames: ['wftmpl'], categories: ['argo'],
    namespaced: true, schema: WorkflowTemplateSchema, statusSubresource: false, printerColumns: [age],
  },
  ClusterWorkflowTemplate: {
    kind: 'ClusterWorkflowTemplate', apiVersion: ARGO, plural: 'clusterworkflowtemplates', shortNames: ['clusterwftmpl', 'cwft'],
    categories: ['argo'], namespaced: false, schema: ClusterWorkflowTemplateSchema, statusSubresource: false, printerColumns: [age],
  },
  CronWorkflow: {
    kind: 'CronWorkflow', apiVersion: ARGO, plural: 'cronworkflows', shortNames: ['cwf', 'cronwf'], categories: ['argo'],
    namespaced: true, schema: CronWorkflowSchema, statusSubresource: false,
    printerColumns: [
      { name: 'Schedules', type: 'string', jsonPath: '.spec.schedules' },
      { name: 'Suspended', type: 'boolean', jsonPath: '.spec.suspend' },
      { name: 'Last Run', type: 'date', jsonPath: '.status.lastScheduledTime' },
      age,
    ],
  },
  EventSource: {
    kind: 'EventSource', apiVersion: ARGO, plural: 'eventsources', shortNames: ['es'], categories: ['argo-events'],
    namespaced: true, schema: EventSourceSchema, statusSubresource: false, printerColumns: [age],
  },
  Sensor: {
    kind: 'Sensor', apiVersion: ARGO, plural: 'sensors', shortNames: ['sn'], categories: ['argo-events'],
    namespaced: true, schema: SensorSchema, statusSubresource: false, printerColumns: [age],
  },
  EventBus: {
    kind: 'EventBus', apiVersion: ARGO, plural: 'eventbus', shortNames: ['eb'], categories: ['argo-events'],
    namespaced: true, schema: EventBusSchema, statusSubresource: false, printerColumns: [age],
  },
  ConfigMap: {
    kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps', shortNames: ['cm'], categories: [],
    namespaced: true, schema: ConfigMapSchema, statusSubresource: false, printerColumns: [],
  },
  Secret: {
    kind: 'Secret', apiVersion: 'v1', plural: 'secrets', shortNames: [], categories: [],
    namespaced: true, schema: SecretSchema, statusSubresource: false, printerColumns: [],
  },
} as const satisfies Record<KindName, KindInfo>;

export const KIND_LIST: readonly KindInfo[] = Object.values(KINDS);

export function isKindName(k: unknown): k is KindName {
  return typeof k === 'string' && Object.hasOwn(KINDS, k);
}

/** Resolves a kind given as Kind, plural, singular or short name (case-insensitive), as kubectl does. */
export function findKind(name: string): KindInfo | undefined {
  const n = name.toLowerCase();
  return KIND_LIST.find((k) => k.kind.toLowerCase() === n || k.plural === n || k.shortNames.includes(n));
}
