// Schemas for Argo's template inputs and outputs: parameters, artifacts and the artifact storage locations
// (S3, GCS, Git, HTTP, Artifactory, HDFS, raw, OSS, Azure, plugin), plus Arguments, Inputs and Outputs.
// Field names follow Argo Workflows' v1alpha1 API; parameter values are AnyString (YAML numbers are fine).
import { Type, Obj, Opt, StringEnum, AnyString, OpenObject, StringMap } from './schema-kit.js';
import type { Static } from './schema-kit.js';
import { ConfigMapKeySelectorSchema, SecretKeySelectorSchema, EnvVarSchema, VolumeSchema, VolumeMountSchema } from './k8s.js';

/** Pod labels and annotations. */
export const MetadataSchema = Obj({
  labels: Opt(StringMap(Type.String())),
  annotations: Opt(StringMap(Type.String())),
});

export const ValueFromSchema = Obj(
  {
    path: Opt(Type.String({ description: 'File in the container whose contents become the value.' })),
    jsonPath: Opt(Type.String({ description: 'JSONPath into the resource (resource templates).' })),
    jqFilter: Opt(Type.String({ description: 'jq filter over the resource (resource templates).' })),
    event: Opt(Type.String({ description: 'Expression evaluated against the triggering event.' })),
    parameter: Opt(Type.String({ description: 'Reference to another step or task output parameter.' })),
    supplied: Opt(OpenObject({ description: 'Value is supplied later, e.g. when resuming a suspend node.' })),
    configMapKeyRef: Opt(ConfigMapKeySelectorSchema),
    default: Opt(AnyString({ description: 'Value used when the source cannot be read.' })),
    expression: Opt(Type.String({ description: 'Expression whose result becomes the value.' })),
  },
  { description: 'Where a parameter value comes from.' },
);

export const ParameterSchema = Obj(
  {
    name: Type.String({ description: 'Parameter name.' }),
    value: Opt(AnyString({ description: 'Literal value.' })),
    default: Opt(AnyString({ description: 'Value used when none is supplied.' })),
    enum: Opt(Type.Array(AnyString(), { description: 'Allowed values.' })),
    valueFrom: Opt(ValueFromSchema),
    globalName: Opt(Type.String({ description: 'Also export the value as a workflow-level output.' })),
    description: Opt(AnyString({ description: 'Human-readable description.' })),
  },
  { description: 'A named string parameter.' },
);

const HTTPArtifactAuth = Obj({
  clientCert: Opt(
    Obj({
      clientCertSecret: Opt(SecretKeySelectorSchema),
      clientKeySecret: Opt(SecretKeySelectorSchema),
    }),
  ),
  oauth2: Opt(
    Obj({
      clientIDSecret: Opt(SecretKeySelectorSchema),
      clientSecretSecret: Opt(SecretKeySelectorSchema),
      tokenURLSecret: Opt(SecretKeySelectorSchema),
      scopes: Opt(Type.Array(Type.String())),
      endpointParams: Opt(Type.Array(Obj({ key: Type.String(), value: Opt(Type.String()) }))),
    }),
  ),
  basicAuth: Opt(
    Obj({
      usernameSecret: Opt(SecretKeySelectorSchema),
      passwordSecret: Opt(SecretKeySelectorSchema),
    }),
  ),
});

export const S3ArtifactSchema = Obj({
  endpoint: Opt(Type.String()),
  bucket: Opt(Type.String()),
  region: Opt(Type.String()),
  insecure: Opt(Type.Boolean({ description: 'Connect without TLS.' })),
  accessKeySecret: Opt(SecretKeySelectorSchema),
  secretKeySecret: Opt(SecretKeySelectorSchema),
  sessionTokenSecret: Opt(SecretKeySelectorSchema),
  roleARN: Opt(Type.String()),
  useSDKCreds: Opt(Type.Boolean({ description: 'Use the SDK default credential chain.' })),
  createBucketIfNotPresent: Opt(Obj({ objectLocking: Opt(Type.Boolean()) })),
  encryptionOptions: Opt(
    Obj({
      kmsKeyId: Opt(Type.String()),
      kmsEncryptionContext: Opt(Type.String()),
      enableEncryption: Opt(Type.Boolean()),
      serverSideCustomerKeySecret: Opt(SecretKeySelectorSchema),
    }),
  ),
  caSecret: Opt(SecretKeySelectorSchema),
  key: Opt(Type.String({ description: 'Object key.' })),
});

export const GCSArtifactSchema = Obj({
  bucket: Opt(Type.String()),
  serviceAccountKeySecret: Opt(SecretKeySelectorSchema),
  key: Opt(Type.String()),
});

export const GitArtifactSchema = Obj({
  repo: Type.String({ description: 'Repository URL.' }),
  revision: Opt(Type.String({ description: 'Commit, tag or branch to check out.' })),
  depth: Opt(Type.Integer({ description: 'Shallow-clone depth.' })),
  fetch: Opt(Type.Array(Type.String())),
  usernameSecret: Opt(SecretKeySelectorSchema),
  passwordSecret: Opt(SecretKeySelectorSchema),
  sshPrivateKeySecret: Opt(SecretKeySelectorSchema),
  insecureIgnoreHostKey: Opt(Type.Boolean()),
  disableSubmodules: Opt(Type.Boolean()),
  singleBranch: Opt(Type.Boolean()),
  branch: Opt(Type.String()),
});

export const HTTPArtifactSchema = Obj({
  url: Opt(Type.String()),
  headers: Opt(Type.Array(Obj({ name: Type.String(), value: Type.String() }))),
  auth: Opt(HTTPArtifactAuth),
});

export const ArtifactoryArtifactSchema = Obj({
  url: Opt(Type.String()),
  usernameSecret: Opt(SecretKeySelectorSchema),
  passwordSecret: Opt(SecretKeySelectorSchema),
});

export const HDFSArtifactSchema = Obj({
  addresses: Opt(Type.Array(Type.String())),
  hdfsUser: Opt(Type.String()),
  dataTransferProtection: Opt(Type.String()),
  krbCCacheSecret: Opt(SecretKeySelectorSchema),
  krbKeytabSecret: Opt(SecretKeySelectorSchema),
  krbUsername: Opt(Type.String()),
  krbRealm: Opt(Type.String()),
  krbConfigConfigMap: Opt(ConfigMapKeySelectorSchema),
  krbServicePrincipalName: Opt(Type.String()),
  path: Opt(Type.String()),
  force: Opt(Type.Boolean()),
});

export const RawArtifactSchema = Obj({
  data: Type.String({ description: 'Literal artifact contents.' }),
});

export const OSSArtifactSchema = Obj({
  endpoint: Opt(Type.String()),
  bucket: Opt(Type.String()),
  accessKeySecret: Opt(SecretKeySelectorSchema),
  secretKeySecret: Opt(SecretKeySelectorSchema),
  createBucketIfNotPresent: Opt(Type.Boolean()),
  securityToken: Opt(Type.String()),
  lifecycleRule: Opt(
    Obj({
      markInfrequentAccessAfterDays: Opt(Type.Integer()),
      markDeletionAfterDays: Opt(Type.Integer()),
    }),
  ),
  useSDKCreds: Opt(Type.Boolean()),
  key: Opt(Type.String()),
});

export const AzureArtifactSchema = Obj({
  endpoint: Opt(Type.String()),
  container: Opt(Type.String()),
  accountKeySecret: Opt(SecretKeySelectorSchema),
  useSDKCreds: Opt(Type.Boolean()),
  blob: Opt(Type.String()),
});

export const PluginArtifactSchema = Obj({
  name: Opt(Type.String({ description: 'Artifact driver plugin name.' })),
  configuration: Opt(Type.String({ description: 'Plugin-specific configuration (usually YAML text).' })),
  connectionTimeoutSeconds: Opt(Type.Integer()),
  key: Opt(Type.String()),
});

/** Storage location keys shared by artifacts and archive locations. */
export const artifactLocationProperties = {
  archiveLogs: Opt(Type.Boolean({ description: 'Archive container logs as an artifact.' })),
  s3: Opt(S3ArtifactSchema),
  gcs: Opt(GCSArtifactSchema),
  git: Opt(GitArtifactSchema),
  http: Opt(HTTPArtifactSchema),
  artifactory: Opt(ArtifactoryArtifactSchema),
  hdfs: Opt(HDFSArtifactSchema),
  raw: Opt(RawArtifactSchema),
  oss: Opt(OSSArtifactSchema),
  azure: Opt(AzureArtifactSchema),
  plugin: Opt(PluginArtifactSchema),
};

export const ArtifactLocationSchema = Obj(artifactLocationProperties, { description: 'Where artifacts are stored.' });

export const ArchiveStrategySchema = Obj(
  {
    none: Opt(OpenObject({ description: 'Upload files as they are.' })),
    tar: Opt(Obj({ compressionLevel: Opt(Type.Integer({ description: 'gzip level.' })) })),
    zip: Opt(OpenObject()),
  },
  { description: 'How an artifact is packed when saved (default: tar+gzip).' },
);

export const ArtifactGCSchema = Obj(
  {
    strategy: Opt(StringEnum(['', 'OnWorkflowCompletion', 'OnWorkflowDeletion', 'Never'])),
    podMetadata: Opt(MetadataSchema),
    serviceAccountName: Opt(Type.String()),
    env: Opt(Type.Array(EnvVarSchema)),
    volumes: Opt(Type.Array(VolumeSchema)),
    volumeMounts: Opt(Type.Array(VolumeMountSchema)),
  },
  { description: 'When and how artifacts are deleted.' },
);

/** Artifact fields; exported so data templates can embed an artifact under another key. */
export const artifactProperties = {
  name: Type.String({ description: 'Artifact name, unique within inputs or outputs.' }),
  path: Opt(Type.String({ description: 'Path in the container.' })),
  mode: Opt(Type.Integer({ description: 'File mode bits for input artifacts.' })),
  recurseMode: Opt(Type.Boolean()),
  from: Opt(Type.String({ description: 'Reference to an artifact of an earlier step.' })),
  fromExpression: Opt(Type.String()),
  globalName: Opt(Type.String({ description: 'Also export as a workflow-level output.' })),
  archive: Opt(ArchiveStrategySchema),
  optional: Opt(Type.Boolean({ description: 'Do not fail when the artifact is missing.' })),
  subPath: Opt(Type.String()),
  artifactGC: Opt(ArtifactGCSchema),
  deleted: Opt(Type.Boolean()),
  ...artifactLocationProperties,
};

export const ArtifactSchema = Obj(artifactProperties, { description: 'A named file or directory.' });

export const ArgumentsSchema = Obj(
  {
    parameters: Opt(Type.Array(ParameterSchema)),
    artifacts: Opt(Type.Array(ArtifactSchema)),
  },
  { description: 'Values passed to a template or workflow.' },
);

export const InputsSchema = Obj(
  {
    parameters: Opt(Type.Array(ParameterSchema)),
    artifacts: Opt(Type.Array(ArtifactSchema)),
  },
  { description: 'Parameters and artifacts a template accepts.' },
);

export const OutputsSchema = Obj(
  {
    parameters: Opt(Type.Array(ParameterSchema)),
    artifacts: Opt(Type.Array(ArtifactSchema)),
    result: Opt(Type.String()),
    exitCode: Opt(Type.String()),
  },
  { description: 'Parameters and artifacts a template produces.' },
);

export type Parameter = Static<typeof ParameterSchema>;
export type ValueFrom = Static<typeof ValueFromSchema>;
export type Artifact = Static<typeof ArtifactSchema>;
export type ArtifactLocation = Static<typeof ArtifactLocationSchema>;
export type Arguments = Static<typeof ArgumentsSchema>;
export type Inputs = Static<typeof InputsSchema>;
export type Outputs = Static<typeof OutputsSchema>;
export type Metadata = Static<typeof MetadataSchema>;
