// Schemas for Argo's WorkflowSpec and the Workflow, WorkflowTemplate and ClusterWorkflowTemplate kinds
// (apiVersion argoproj.io/v1alpha1). WorkflowTemplate and ClusterWorkflowTemplate share the WorkflowSpec.
import { Type, Obj, Opt, StringEnum, OpenObject, StringMap, ObjectMeta } from './schema-kit.js';
import type { Static } from './schema-kit.js';
import {
  VolumeSchema,
  PersistentVolumeClaimSchema,
  TolerationSchema,
  HostAliasSchema,
  PodDNSConfigSchema,
  LocalObjectReferenceSchema,
  AffinitySchema,
  PodSecurityContextSchema,
  PodDisruptionBudgetSpecSchema,
  LabelSelectorSchema,
} from './k8s.js';
import { ArgumentsSchema, MetadataSchema, ArtifactGCSchema } from './workflow-io.js';
import { LifecycleHooksSchema, RetryStrategySchema, SynchronizationSchema, MetricsSchema, ExecutorConfigSchema } from './workflow-steps.js';
import { TemplateSchema, InlineTemplateSchema } from './workflow-template.js';

export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

export const WorkflowTemplateRefSchema = Obj(
  {
    name: Opt(Type.String({ description: 'Name of the WorkflowTemplate to run.' })),
    clusterScope: Opt(Type.Boolean({ description: 'Refer to a ClusterWorkflowTemplate.', default: false })),
  },
  { description: 'Run the spec of a stored (cluster) workflow template.' },
);

export const TTLStrategySchema = Obj(
  {
    secondsAfterCompletion: Opt(Type.Integer()),
    secondsAfterSuccess: Opt(Type.Integer()),
    secondsAfterFailure: Opt(Type.Integer()),
  },
  { description: 'Delete the finished workflow after a delay.' },
);

export const PodGCSchema = Obj(
  {
    strategy: Opt(
      StringEnum(['', 'OnPodCompletion', 'OnPodSuccess', 'OnWorkflowCompletion', 'OnWorkflowSuccess'], {
        description: 'When finished pods are deleted; unset keeps them.',
      }),
    ),
    labelSelector: Opt(LabelSelectorSchema),
    deleteDelayDuration: Opt(Type.String()),
  },
  { description: 'Deletion of completed pods.' },
);

export const WorkflowMetadataSchema = Obj(
  {
    labels: Opt(StringMap(Type.String())),
    annotations: Opt(StringMap(Type.String())),
    labelsFrom: Opt(StringMap(Obj({ expression: Type.String() }), { description: 'Labels computed by expressions.' })),
  },
  { description: 'Labels and annotations set on the workflow itself.' },
);

export const WorkflowLevelArtifactGCSchema = Obj(
  {
    ...ArtifactGCSchema.properties,
    forceFinalizerRemoval: Opt(Type.Boolean()),
    podSpecPatch: Opt(Type.String()),
  },
  { description: 'Default artifact garbage collection for the workflow.' },
);

export const WorkflowSpecSchema = Obj(
  {
    entrypoint: Opt(Type.String({ description: 'Template to start with.' })),
    arguments: Opt(ArgumentsSchema),
    templates: Opt(Type.Array(TemplateSchema, { description: 'Templates defined by this workflow.' })),
    templateDefaults: Opt(InlineTemplateSchema),
    workflowTemplateRef: Opt(WorkflowTemplateRefSchema),
    onExit: Opt(Type.String({ description: 'Template run when the workflow ends, whatever the outcome.' })),
    hooks: Opt(LifecycleHooksSchema),
    // Execution control.
    parallelism: Opt(Type.Integer({ description: 'Maximum pods running at once in the workflow.' })),
    activeDeadlineSeconds: Opt(Type.Integer({ description: 'Stop the workflow after this many seconds.' })),
    retryStrategy: Opt(RetryStrategySchema),
    suspend: Opt(Type.Boolean({ description: 'Hold the workflow before its next step.' })),
    shutdown: Opt(StringEnum(['Terminate', 'Stop'], { description: 'Stop now (Terminate) or after exit handlers (Stop).' })),
    priority: Opt(Type.Integer({ description: 'Higher runs first when the controller limits concurrency.' })),
    synchronization: Opt(SynchronizationSchema),
    metrics: Opt(MetricsSchema),
    // Lifetime and garbage collection.
    ttlStrategy: Opt(TTLStrategySchema),
    podGC: Opt(PodGCSchema),
    volumeClaimGC: Opt(
      Obj({
        strategy: Opt(StringEnum(['OnWorkflowCompletion', 'OnWorkflowSuccess'], { default: 'OnWorkflowSuccess' })),
      }),
    ),
    artifactGC: Opt(WorkflowLevelArtifactGCSchema),
    artifactRepositoryRef: Opt(
      Obj(
        {
          configMap: Opt(Type.String({ default: 'artifact-repositories' })),
          key: Opt(Type.String()),
        },
        { description: 'ConfigMap key holding the artifact repository settings.' },
      ),
    ),
    archiveLogs: Opt(Type.Boolean({ description: 'Archive container logs as artifacts.' })),
    workflowMetadata: Opt(WorkflowMetadataSchema),
    // Pod settings applied to every pod.
    podMetadata: Opt(MetadataSchema),
    podSpecPatch: Opt(Type.String()),
    podPriorityClassName: Opt(Type.String()),
    podPriority: Opt(Type.Integer({ description: 'Deprecated: use podPriorityClassName.' })),
    podDisruptionBudget: Opt(PodDisruptionBudgetSpecSchema),
    serviceAccountName: Opt(Type.String({ description: 'Service account for workflow pods.' })),
    automountServiceAccountToken: Opt(Type.Boolean()),
    executor: Opt(ExecutorConfigSchema),
    volumes: Opt(Type.Array(VolumeSchema)),
    volumeClaimTemplates: Opt(Type.Array(PersistentVolumeClaimSchema, { description: 'PVCs created for the run.' })),
    nodeSelector: Opt(StringMap(Type.String())),
    affinity: Opt(AffinitySchema),
    tolerations: Opt(Type.Array(TolerationSchema)),
    imagePullSecrets: Opt(Type.Array(LocalObjectReferenceSchema)),
    hostNetwork: Opt(Type.Boolean({ default: false })),
    dnsPolicy: Opt(StringEnum(['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'], { default: 'ClusterFirst' })),
    dnsConfig: Opt(PodDNSConfigSchema),
    hostAliases: Opt(Type.Array(HostAliasSchema)),
    securityContext: Opt(PodSecurityContextSchema),
    schedulerName: Opt(Type.String()),
  },
  { description: 'What a workflow runs and how.' },
);

const argoApiVersion = StringEnum([ARGO_API_VERSION]);

export const WorkflowSchema = Obj(
  {
    apiVersion: argoApiVersion,
    kind: StringEnum(['Workflow']),
    metadata: ObjectMeta,
    spec: WorkflowSpecSchema,
    status: Opt(OpenObject({ description: 'Run state, written by the controller.' })),
  },
  { description: 'An Argo workflow run.' },
);

export const WorkflowTemplateSchema = Obj(
  {
    apiVersion: argoApiVersion,
    kind: StringEnum(['WorkflowTemplate']),
    metadata: ObjectMeta,
    spec: WorkflowSpecSchema,
  },
  { description: 'A stored, namespaced workflow definition.' },
);

export const ClusterWorkflowTemplateSchema = Obj(
  {
    apiVersion: argoApiVersion,
    kind: StringEnum(['ClusterWorkflowTemplate']),
    metadata: ObjectMeta,
    spec: WorkflowSpecSchema,
  },
  { description: 'A stored, cluster-wide workflow definition.' },
);

export type WorkflowSpec = Static<typeof WorkflowSpecSchema>;
export type Workflow = Static<typeof WorkflowSchema>;
export type WorkflowTemplate = Static<typeof WorkflowTemplateSchema>;
export type ClusterWorkflowTemplate = Static<typeof ClusterWorkflowTemplateSchema>;
export type WorkflowTemplateRef = Static<typeof WorkflowTemplateRefSchema>;
