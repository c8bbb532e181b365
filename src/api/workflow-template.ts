// Schema for Argo's Template: the unit of work inside a workflow (container, script, resource, steps, DAG,
// suspend, HTTP, data, plugin, containerSet) with its pod settings. Registers two named schemas for Ref():
// 'Template' (name required, entries of spec.templates) and 'InlineTemplate' (name optional: inline
// templates in steps/tasks and spec.templateDefaults).
import { Type, Obj, Opt, StringEnum, IntOrString, OpenObject, StringMap, registerRef } from './schema-kit.js';
import type { Static } from './schema-kit.js';
import {
  containerProperties,
  ContainerSchema,
  UserContainerSchema,
  VolumeSchema,
  VolumeMountSchema,
  TolerationSchema,
  HostAliasSchema,
  AffinitySchema,
  PodSecurityContextSchema,
  SecretKeySelectorSchema,
} from './k8s.js';
import { InputsSchema, OutputsSchema, MetadataSchema, ArtifactLocationSchema, ArtifactSchema, artifactProperties } from './workflow-io.js';
import {
  WorkflowStepSchema,
  DAGTemplateSchema,
  RetryStrategySchema,
  SynchronizationSchema,
  MemoizeSchema,
  MetricsSchema,
  ExecutorConfigSchema,
  INLINE_TEMPLATE_REF,
} from './workflow-steps.js';

export const ScriptTemplateSchema = Obj(
  {
    ...containerProperties,
    // Argo's full CRD lists it as required, but the controller and `argo lint` accept a script without one.
    source: Opt(Type.String({ description: 'Script text, written to a file and run with `command`.' })),
  },
  { description: 'A container that runs an inline script.' },
);

export const ContainerNodeSchema = Obj({
  ...containerProperties,
  name: Type.String({ description: 'Container name, unique within the set.' }),
  dependencies: Opt(Type.Array(Type.String(), { description: 'Containers that must finish first.' })),
});

export const ContainerSetTemplateSchema = Obj(
  {
    containers: Type.Array(ContainerNodeSchema),
    volumeMounts: Opt(Type.Array(VolumeMountSchema)),
    retryStrategy: Opt(
      Obj({
        retries: IntOrString({ description: 'Retries per container.' }),
        duration: Opt(Type.String()),
      }),
    ),
  },
  { description: 'Several containers in one pod, optionally ordered as a graph.' },
);

export const ResourceTemplateSchema = Obj(
  {
    action: StringEnum(['get', 'create', 'apply', 'delete', 'replace', 'patch'], {
      description: 'kubectl action to perform.',
    }),
    mergeStrategy: Opt(StringEnum(['strategic', 'merge', 'json'], { default: 'strategic' })),
    manifest: Opt(Type.String({ description: 'Kubernetes manifest text.' })),
    manifestFrom: Opt(Obj({ artifact: ArtifactSchema })),
    setOwnerReference: Opt(Type.Boolean({ description: 'Make the workflow the owner of the resource.' })),
    successCondition: Opt(Type.String({ description: 'Label-selector style condition for success.' })),
    failureCondition: Opt(Type.String({ description: 'Label-selector style condition for failure.' })),
    flags: Opt(Type.Array(Type.String(), { description: 'Extra kubectl flags.' })),
  },
  { description: 'Create, change or watch a Kubernetes resource.' },
);

export const SuspendTemplateSchema = Obj(
  {
    duration: Opt(Type.String({ description: 'Resume automatically after this long (seconds or "2m").' })),
  },
  { description: 'Pause the workflow until resumed or the duration passes.' },
);

export const HTTPTemplateSchema = Obj(
  {
    method: Opt(Type.String({ description: 'HTTP method.', default: 'GET' })),
    url: Type.String({ description: 'Request URL.' }),
    headers: Opt(
      Type.Array(
        Obj({
          name: Type.String(),
          value: Opt(Type.String()),
          valueFrom: Opt(Obj({ secretKeyRef: Opt(SecretKeySelectorSchema) })),
        }),
      ),
    ),
    timeoutSeconds: Opt(Type.Integer({ description: 'Request timeout.', default: 30 })),
    body: Opt(Type.String({ description: 'Request body.' })),
    bodyFrom: Opt(Obj({ bytes: Opt(Type.String({ description: 'Base64-encoded body.' })) })),
    successCondition: Opt(Type.String({ description: 'Expression over the response deciding success.' })),
    insecureSkipVerify: Opt(Type.Boolean({ description: 'Skip TLS certificate checks.' })),
  },
  { description: 'Make an HTTP request without a pod.' },
);

export const DataTemplateSchema = Obj(
  {
    source: Opt(
      Obj({
        raw: Opt(Type.String()),
        artifactPaths: Opt(Obj(artifactProperties)),
      }),
    ),
    transformation: Opt(Type.Array(Obj({ expression: Type.String() }))),
    podPolicy: Opt(Type.String()),
  },
  { description: 'Read data and transform it with expressions.' },
);

const templateProperties = {
  name: Type.String({ description: 'Template name, unique within the workflow.' }),
  inputs: Opt(InputsSchema),
  outputs: Opt(OutputsSchema),
  // Template kinds: exactly one of these is set.
  container: Opt(ContainerSchema),
  containerSet: Opt(ContainerSetTemplateSchema),
  script: Opt(ScriptTemplateSchema),
  resource: Opt(ResourceTemplateSchema),
  steps: Opt(Type.Array(Type.Array(WorkflowStepSchema), { description: 'Groups run in order; steps in a group run in parallel.' })),
  dag: Opt(DAGTemplateSchema),
  suspend: Opt(SuspendTemplateSchema),
  http: Opt(HTTPTemplateSchema),
  data: Opt(DataTemplateSchema),
  plugin: Opt(OpenObject({ description: 'Executor plugin template (free-form).' })),
  // Execution control.
  activeDeadlineSeconds: Opt(IntOrString({ description: 'Kill the pod after this many seconds.' })),
  timeout: Opt(Type.String({ description: 'Total node timeout, e.g. "10m", counted from start.' })),
  retryStrategy: Opt(RetryStrategySchema),
  parallelism: Opt(Type.Integer({ description: 'Maximum pods running at once inside this template.' })),
  failFast: Opt(Type.Boolean({ description: 'Fail as soon as a child fails.' })),
  daemon: Opt(Type.Boolean({ description: 'Keep running in the background once ready.' })),
  memoize: Opt(MemoizeSchema),
  synchronization: Opt(SynchronizationSchema),
  metrics: Opt(MetricsSchema),
  archiveLocation: Opt(ArtifactLocationSchema),
  annotations: Opt(StringMap(Type.String(), { description: 'Annotations added to the node at runtime.' })),
  // Pod settings.
  metadata: Opt(MetadataSchema),
  initContainers: Opt(Type.Array(UserContainerSchema)),
  sidecars: Opt(Type.Array(UserContainerSchema, { description: 'Containers run alongside the main one.' })),
  volumes: Opt(Type.Array(VolumeSchema)),
  nodeSelector: Opt(StringMap(Type.String())),
  affinity: Opt(AffinitySchema),
  tolerations: Opt(Type.Array(TolerationSchema)),
  schedulerName: Opt(Type.String()),
  priorityClassName: Opt(Type.String()),
  priority: Opt(Type.Integer()),
  serviceAccountName: Opt(Type.String()),
  automountServiceAccountToken: Opt(Type.Boolean()),
  executor: Opt(ExecutorConfigSchema),
  hostAliases: Opt(Type.Array(HostAliasSchema)),
  securityContext: Opt(PodSecurityContextSchema),
  podSpecPatch: Opt(Type.String({ description: 'Strategic merge patch applied to the pod spec.' })),
};

export const TemplateSchema = Obj(templateProperties, { description: 'A reusable unit of work.' });

/** Same as TemplateSchema but `name` is optional (inline templates, templateDefaults). */
export const InlineTemplateSchema = Obj(
  {
    ...templateProperties,
    name: Opt(Type.String({ description: 'Template name.' })),
  },
  { description: 'A template defined in place.' },
);

registerRef('Template', TemplateSchema);
registerRef(INLINE_TEMPLATE_REF, InlineTemplateSchema);

export type Template = Static<typeof TemplateSchema>;
export type InlineTemplate = Static<typeof InlineTemplateSchema>;
export type ScriptTemplate = Static<typeof ScriptTemplateSchema>;
export type ResourceTemplate = Static<typeof ResourceTemplateSchema>;
export type ContainerSetTemplate = Static<typeof ContainerSetTemplateSchema>;
export type HTTPTemplate = Static<typeof HTTPTemplateSchema>;
export type DataTemplate = Static<typeof DataTemplateSchema>;
export type SuspendTemplate = Static<typeof SuspendTemplateSchema>;
