// Schemas for the Kubernetes core/v1 structures that Argo manifests embed (containers, volumes, tolerations, …)
// plus the ConfigMap and Secret kinds. Deeply nested Kubernetes-only structures (probes, affinity, security
// contexts) are open objects: we pass them through to the pod unchanged and do not check their contents.
import { Type, Obj, Opt, StringEnum, IntOrString, OpenObject, StringMap, ObjectMeta } from './schema-kit.js';
import type { Static } from './schema-kit.js';

/** Reference to an object by name in the same namespace. */
export const LocalObjectReferenceSchema = Obj({
  name: Opt(Type.String({ description: 'Name of the referenced object.' })),
});

/** Selects one key of a ConfigMap. */
export const ConfigMapKeySelectorSchema = Obj({
  name: Opt(Type.String({ description: 'ConfigMap name.' })),
  key: Type.String({ description: 'Key within the ConfigMap.' }),
  optional: Opt(Type.Boolean({ description: 'Do not fail when the ConfigMap or key is missing.' })),
});

/** Selects one key of a Secret. */
export const SecretKeySelectorSchema = Obj({
  name: Opt(Type.String({ description: 'Secret name.' })),
  key: Type.String({ description: 'Key within the Secret.' }),
  optional: Opt(Type.Boolean({ description: 'Do not fail when the Secret or key is missing.' })),
});

const ObjectFieldSelector = Obj({
  apiVersion: Opt(Type.String()),
  fieldPath: Type.String({ description: 'Pod field to read, e.g. metadata.name.' }),
});

const ResourceFieldSelector = Obj({
  containerName: Opt(Type.String()),
  resource: Type.String({ description: 'Resource to read, e.g. limits.cpu.' }),
  divisor: Opt(IntOrString()),
});

const FileKeySelector = Obj({
  volumeName: Type.String(),
  path: Type.String(),
  key: Type.String(),
  optional: Opt(Type.Boolean()),
});

export const EnvVarSchema = Obj({
  name: Type.String({ description: 'Environment variable name.' }),
  value: Opt(Type.String({ description: 'Literal value.' })),
  valueFrom: Opt(
    Obj(
      {
        configMapKeyRef: Opt(ConfigMapKeySelectorSchema),
        secretKeyRef: Opt(SecretKeySelectorSchema),
        fieldRef: Opt(ObjectFieldSelector),
        resourceFieldRef: Opt(ResourceFieldSelector),
        fileKeyRef: Opt(FileKeySelector),
      },
      { description: 'Where to read the value from instead of a literal.' },
    ),
  ),
});

const EnvFromSource = Obj({
  prefix: Opt(Type.String({ description: 'Prefix added to every variable name.' })),
  configMapRef: Opt(Obj({ name: Opt(Type.String()), optional: Opt(Type.Boolean()) })),
  secretRef: Opt(Obj({ name: Opt(Type.String()), optional: Opt(Type.Boolean()) })),
});

const ContainerPort = Obj({
  name: Opt(Type.String()),
  containerPort: Type.Integer({ description: 'Port number the container listens on.' }),
  hostPort: Opt(Type.Integer()),
  hostIP: Opt(Type.String()),
  protocol: Opt(StringEnum(['TCP', 'UDP', 'SCTP'], { default: 'TCP' })),
});

export const VolumeMountSchema = Obj({
  name: Type.String({ description: 'Name of the volume to mount.' }),
  mountPath: Type.String({ description: 'Path inside the container.' }),
  readOnly: Opt(Type.Boolean()),
  recursiveReadOnly: Opt(Type.String()),
  subPath: Opt(Type.String()),
  subPathExpr: Opt(Type.String()),
  mountPropagation: Opt(Type.String()),
});

const VolumeDevice = Obj({
  name: Type.String(),
  devicePath: Type.String(),
});

/** Compute resources; quantities such as `500m`, `1Gi` or `2` are int-or-string. */
export const ResourceRequirementsSchema = Obj({
  limits: Opt(StringMap(IntOrString(), { description: 'Maximum resources, e.g. cpu: 500m.' })),
  requests: Opt(StringMap(IntOrString(), { description: 'Minimum resources to schedule, e.g. memory: 64Mi.' })),
  claims: Opt(Type.Array(Obj({ name: Type.String(), request: Opt(Type.String()) }))),
});

/**
 * Every field of the Kubernetes container spec. Exported as a property table so Argo's container-like
 * shapes (script, containerSet nodes, sidecars) can extend it. `name` is optional: Argo names the main
 * container itself.
 */
export const containerProperties = {
  name: Opt(Type.String({ description: 'Container name (Argo uses "main" when omitted).' })),
  image: Opt(Type.String({ description: 'Container image to run.' })),
  command: Opt(Type.Array(Type.String(), { description: 'Entrypoint; replaces the image ENTRYPOINT.' })),
  args: Opt(Type.Array(Type.String(), { description: 'Arguments to the entrypoint.' })),
  workingDir: Opt(Type.String()),
  ports: Opt(Type.Array(ContainerPort)),
  envFrom: Opt(Type.Array(EnvFromSource)),
  env: Opt(Type.Array(EnvVarSchema, { description: 'Environment variables.' })),
  resources: Opt(ResourceRequirementsSchema),
  resizePolicy: Opt(Type.Array(Obj({ resourceName: Type.String(), restartPolicy: Type.String() }))),
  restartPolicy: Opt(Type.String()),
  restartPolicyRules: Opt(Type.Array(OpenObject())),
  volumeMounts: Opt(Type.Array(VolumeMountSchema)),
  volumeDevices: Opt(Type.Array(VolumeDevice)),
  livenessProbe: Opt(OpenObject()),
  readinessProbe: Opt(OpenObject()),
  startupProbe: Opt(OpenObject()),
  lifecycle: Opt(OpenObject()),
  terminationMessagePath: Opt(Type.String()),
  terminationMessagePolicy: Opt(StringEnum(['File', 'FallbackToLogsOnError'], { default: 'File' })),
  imagePullPolicy: Opt(StringEnum(['Always', 'Never', 'IfNotPresent'])),
  securityContext: Opt(OpenObject({ description: 'Container-level security settings.' })),
  stdin: Opt(Type.Boolean()),
  stdinOnce: Opt(Type.Boolean()),
  tty: Opt(Type.Boolean()),
};

export const ContainerSchema = Obj(containerProperties, { description: 'A Kubernetes container.' });

/** Argo's sidecar/init container: a container that may mirror the main container's volume mounts. */
export const UserContainerSchema = Obj({
  ...containerProperties,
  mirrorVolumeMounts: Opt(Type.Boolean({ description: 'Mount the same volumes as the main container.' })),
});

const KeyToPath = Obj({
  key: Type.String(),
  path: Type.String(),
  mode: Opt(Type.Integer()),
});

const DownwardAPIFile = Obj({
  path: Type.String(),
  fieldRef: Opt(ObjectFieldSelector),
  resourceFieldRef: Opt(ResourceFieldSelector),
  mode: Opt(Type.Integer()),
});

const DownwardAPIVolume = Obj({
  items: Opt(Type.Array(DownwardAPIFile)),
  defaultMode: Opt(Type.Integer()),
});

const ConfigMapVolume = Obj({
  name: Opt(Type.String()),
  items: Opt(Type.Array(KeyToPath)),
  defaultMode: Opt(Type.Integer()),
  optional: Opt(Type.Boolean()),
});

const SecretVolume = Obj({
  secretName: Opt(Type.String()),
  items: Opt(Type.Array(KeyToPath)),
  defaultMode: Opt(Type.Integer()),
  optional: Opt(Type.Boolean()),
});

const ProjectedVolume = Obj({
  sources: Opt(
    Type.Array(
      Obj({
        configMap: Opt(Obj({ name: Opt(Type.String()), items: Opt(Type.Array(KeyToPath)), optional: Opt(Type.Boolean()) })),
        secret: Opt(Obj({ name: Opt(Type.String()), items: Opt(Type.Array(KeyToPath)), optional: Opt(Type.Boolean()) })),
        downwardAPI: Opt(Obj({ items: Opt(Type.Array(DownwardAPIFile)) })),
        serviceAccountToken: Opt(
          Obj({
            audience: Opt(Type.String()),
            expirationSeconds: Opt(Type.Integer()),
            path: Type.String(),
          }),
        ),
        clusterTrustBundle: Opt(OpenObject()),
        podCertificate: Opt(OpenObject()),
      }),
    ),
  ),
  defaultMode: Opt(Type.Integer()),
});

/** A pod volume: a name plus exactly one source. Common sources are typed; the rest pass through. */
export const VolumeSchema = Obj({
  name: Type.String({ description: 'Volume name, referenced by volumeMounts.' }),
  emptyDir: Opt(Obj({ medium: Opt(Type.String()), sizeLimit: Opt(IntOrString()) })),
  configMap: Opt(ConfigMapVolume),
  secret: Opt(SecretVolume),
  persistentVolumeClaim: Opt(Obj({ claimName: Type.String(), readOnly: Opt(Type.Boolean()) })),
  hostPath: Opt(Obj({ path: Type.String(), type: Opt(Type.String()) })),
  projected: Opt(ProjectedVolume),
  downwardAPI: Opt(DownwardAPIVolume),
  ephemeral: Opt(OpenObject()),
  csi: Opt(OpenObject()),
  image: Opt(OpenObject()),
  nfs: Opt(OpenObject()),
  iscsi: Opt(OpenObject()),
  glusterfs: Opt(OpenObject()),
  rbd: Opt(OpenObject()),
  flexVolume: Opt(OpenObject()),
  cinder: Opt(OpenObject()),
  cephfs: Opt(OpenObject()),
  flocker: Opt(OpenObject()),
  fc: Opt(OpenObject()),
  azureFile: Opt(OpenObject()),
  azureDisk: Opt(OpenObject()),
  vsphereVolume: Opt(OpenObject()),
  quobyte: Opt(OpenObject()),
  photonPersistentDisk: Opt(OpenObject()),
  portworxVolume: Opt(OpenObject()),
  scaleIO: Opt(OpenObject()),
  storageos: Opt(OpenObject()),
  gcePersistentDisk: Opt(OpenObject()),
  awsElasticBlockStore: Opt(OpenObject()),
  gitRepo: Opt(OpenObject()),
});

/** A PersistentVolumeClaim, as used in a workflow's volumeClaimTemplates. */
export const PersistentVolumeClaimSchema = Obj({
  apiVersion: Opt(Type.String()),
  kind: Opt(Type.String()),
  metadata: Opt(ObjectMeta),
  spec: Opt(
    Obj(
      {
        accessModes: Opt(Type.Array(Type.String())),
        resources: Opt(
          Obj({
            requests: Opt(StringMap(IntOrString())),
            limits: Opt(StringMap(IntOrString())),
          }),
        ),
        storageClassName: Opt(Type.String()),
        volumeMode: Opt(Type.String()),
        volumeName: Opt(Type.String()),
        selector: Opt(OpenObject()),
        dataSource: Opt(OpenObject()),
        dataSourceRef: Opt(OpenObject()),
        volumeAttributesClassName: Opt(Type.String()),
      },
      { 'x-kubernetes-preserve-unknown-fields': true },
    ),
  ),
  status: Opt(OpenObject()),
});

export const TolerationSchema = Obj({
  key: Opt(Type.String()),
  operator: Opt(StringEnum(['Exists', 'Equal'], { default: 'Equal' })),
  value: Opt(Type.String()),
  effect: Opt(Type.String({ description: 'NoSchedule, PreferNoSchedule or NoExecute; empty matches all.' })),
  tolerationSeconds: Opt(Type.Integer()),
});

export const HostAliasSchema = Obj({
  ip: Opt(Type.String()),
  hostnames: Opt(Type.Array(Type.String())),
});

export const PodDNSConfigSchema = Obj({
  nameservers: Opt(Type.Array(Type.String())),
  searches: Opt(Type.Array(Type.String())),
  options: Opt(Type.Array(Obj({ name: Opt(Type.String()), value: Opt(Type.String()) }))),
});

export const AffinitySchema = OpenObject({ description: 'Kubernetes pod affinity and anti-affinity rules.' });
export const PodSecurityContextSchema = OpenObject({ description: 'Pod-level security settings.' });
export const PodDisruptionBudgetSpecSchema = OpenObject({ description: 'Kubernetes PodDisruptionBudget spec.' });
export const LabelSelectorSchema = Obj({
  matchLabels: Opt(StringMap(Type.String())),
  matchExpressions: Opt(
    Type.Array(
      Obj({
        key: Type.String(),
        operator: Type.String(),
        values: Opt(Type.Array(Type.String())),
      }),
    ),
  ),
});

export const ConfigMapSchema = Obj(
  {
    apiVersion: StringEnum(['v1']),
    kind: StringEnum(['ConfigMap']),
    metadata: ObjectMeta,
    data: Opt(StringMap(Type.String(), { description: 'Text values by key.' })),
    binaryData: Opt(StringMap(Type.String(), { description: 'Base64-encoded binary values by key.' })),
    immutable: Opt(Type.Boolean()),
  },
  { description: 'A Kubernetes ConfigMap.' },
);

export const SecretSchema = Obj(
  {
    apiVersion: StringEnum(['v1']),
    kind: StringEnum(['Secret']),
    metadata: ObjectMeta,
    type: Opt(Type.String({ description: 'Secret type, e.g. Opaque.', default: 'Opaque' })),
    data: Opt(StringMap(Type.String(), { description: 'Base64-encoded values by key.' })),
    stringData: Opt(StringMap(Type.String(), { description: 'Plain-text values by key (write-only convenience).' })),
    immutable: Opt(Type.Boolean()),
  },
  { description: 'A Kubernetes Secret.' },
);

export type Container = Static<typeof ContainerSchema>;
export type UserContainer = Static<typeof UserContainerSchema>;
export type EnvVar = Static<typeof EnvVarSchema>;
export type Volume = Static<typeof VolumeSchema>;
export type VolumeMount = Static<typeof VolumeMountSchema>;
export type PersistentVolumeClaim = Static<typeof PersistentVolumeClaimSchema>;
export type Toleration = Static<typeof TolerationSchema>;
export type ConfigMapKeySelector = Static<typeof ConfigMapKeySelectorSchema>;
export type SecretKeySelector = Static<typeof SecretKeySelectorSchema>;
export type ConfigMap = Static<typeof ConfigMapSchema>;
export type Secret = Static<typeof SecretSchema>;
