// The identity of every resource kind Weir stores: apiVersion, plural, short names and scope. Every layer needs
// these names (the store to scope keys, the Kubernetes store to build paths, the CLI to resolve `wf`), so they live
// in the core; src/api/kinds.ts adds each kind's schema and printer columns on top.

export type KindName =
  | 'Workflow'
  | 'WorkflowTemplate'
  | 'ClusterWorkflowTemplate'
  | 'CronWorkflow'
  | 'EventSource'
  | 'Sensor'
  | 'EventBus'
  | 'ConfigMap'
  | 'Secret';

export interface KindIdentity {
  kind: KindName;
  apiVersion: string;
  plural: string;
  shortNames: readonly string[];
  categories: readonly string[];
  namespaced: boolean;
}

const ARGO = 'argoproj.io/v1alpha1';

export const KIND_IDENTITY = {
  Workflow: { kind: 'Workflow', apiVersion: ARGO, plural: 'workflows', shortNames: ['wf'], categories: ['all', 'argo'], namespaced: true },
  WorkflowTemplate: {
    kind: 'WorkflowTemplate',
    apiVersion: ARGO,
    plural: 'workflowtemplates',
    shortNames: ['wftmpl'],
    categories: ['argo'],
    namespaced: true,
  },
  ClusterWorkflowTemplate: {
    kind: 'ClusterWorkflowTemplate',
    apiVersion: ARGO,
    plural: 'clusterworkflowtemplates',
    shortNames: ['clusterwftmpl', 'cwft'],
    categories: ['argo'],
    namespaced: false,
  },
  CronWorkflow: {
    kind: 'CronWorkflow',
    apiVersion: ARGO,
    plural: 'cronworkflows',
    shortNames: ['cwf', 'cronwf'],
    categories: ['argo'],
    namespaced: true,
  },
  EventSource: {
    kind: 'EventSource',
    apiVersion: ARGO,
    plural: 'eventsources',
    shortNames: ['es'],
    categories: ['argo-events'],
    namespaced: true,
  },
  Sensor: { kind: 'Sensor', apiVersion: ARGO, plural: 'sensors', shortNames: ['sn'], categories: ['argo-events'], namespaced: true },
  EventBus: { kind: 'EventBus', apiVersion: ARGO, plural: 'eventbus', shortNames: ['eb'], categories: ['argo-events'], namespaced: true },
  ConfigMap: { kind: 'ConfigMap', apiVersion: 'v1', plural: 'configmaps', shortNames: ['cm'], categories: [], namespaced: true },
  Secret: { kind: 'Secret', apiVersion: 'v1', plural: 'secrets', shortNames: [], categories: [], namespaced: true },
} as const satisfies Record<KindName, KindIdentity>;

export function isKindName(k: unknown): k is KindName {
  return typeof k === 'string' && Object.hasOwn(KIND_IDENTITY, k);
}
