// Small schemas shared by the Argo Events kinds (EventSource, Sensor, EventBus): secret/config-map selectors,
// TLS, basic auth, SASL, backoff, pod template, S3 artifact, webhook context. Built only from schema-kit forms.
import { AnyString, IntOrString, Obj, Opt, OpenObject, StringMap, Type } from './schema-kit.js';
import type { Static } from './schema-kit.js';

/** Kubernetes SecretKeySelector: a key inside a Secret. */
export const SecretKeySelector = Obj(
  {
    name: Opt(Type.String({ description: 'Name of the Secret.' })),
    key: Type.String({ description: 'Key inside the Secret.' }),
    optional: Opt(Type.Boolean({ description: 'Do not fail when the Secret or key is missing.' })),
  },
  { description: 'Reference to one key of a Kubernetes Secret.' },
);
export type SecretKeySelector = Static<typeof SecretKeySelector>;

/** Kubernetes ConfigMapKeySelector: a key inside a ConfigMap. */
export const ConfigMapKeySelector = Obj(
  {
    name: Opt(Type.String({ description: 'Name of the ConfigMap.' })),
    key: Type.String({ description: 'Key inside the ConfigMap.' }),
    optional: Opt(Type.Boolean({ description: 'Do not fail when the ConfigMap or key is missing.' })),
  },
  { description: 'Reference to one key of a Kubernetes ConfigMap.' },
);
export type ConfigMapKeySelector = Static<typeof ConfigMapKeySelector>;

/** User-defined metadata passed along with every event (string values; YAML scalars are accepted). */
export const EventMetadata = StringMap(AnyString(), { description: 'User metadata passed along with the event payload.' });

/** Expression filter applied by the event source before publishing (Argo `EventSourceFilter`). */
export const EventSourceFilter = Obj(
  { expression: Opt(Type.String({ description: 'Boolean expression over the event; false drops the event.' })) },
  { description: 'Filter applied before an event is published.' },
);

export const TLSConfig = Obj(
  {
    caCertSecret: Opt(SecretKeySelector),
    clientCertSecret: Opt(SecretKeySelector),
    clientKeySecret: Opt(SecretKeySelector),
    insecureSkipVerify: Opt(Type.Boolean({ description: 'Skip server certificate verification.' })),
  },
  { description: 'TLS settings for a client connection.' },
);

export const BasicAuth = Obj(
  { username: Opt(SecretKeySelector), password: Opt(SecretKeySelector) },
  { description: 'Username and password read from Secrets.' },
);

/** Argo `Backoff`: duration is nanoseconds (integer) or a Go duration string; factor/jitter are numbers. */
export const Backoff = Obj(
  {
    duration: Opt(IntOrString({ description: 'Initial delay: integer nanoseconds or a duration such as "1s".' })),
    factor: Opt(AnyString({ description: 'Multiplier applied to the delay after each attempt (number).' })),
    jitter: Opt(AnyString({ description: 'Random jitter fraction added to each delay (number).' })),
    steps: Opt(Type.Integer({ description: 'Number of attempts before giving up.' })),
  },
  { description: 'Retry/backoff settings.' },
);
export type Backoff = Static<typeof Backoff>;

export const SASLConfig = Obj(
  {
    mechanism: Opt(Type.String({ description: 'SASL mechanism: PLAIN (default), OAUTHBEARER, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI.' })),
    userSecret: Opt(SecretKeySelector),
    passwordSecret: Opt(SecretKeySelector),
  },
  { description: 'SASL authentication for a Kafka client.' },
);

export const KafkaConsumerGroup = Obj(
  {
    groupName: Opt(Type.String({ description: 'Consumer group name.' })),
    oldest: Opt(Type.Boolean({ description: 'Start a new group from the oldest offset (default newest).' })),
    rebalanceStrategy: Opt(Type.String({ description: 'sticky, roundrobin or range (default).' })),
  },
  { description: 'Kafka consumer group settings.' },
);

export const SchemaRegistryConfig = Obj(
  {
    url: Opt(Type.String({ description: 'Schema registry URL.' })),
    schemaId: Opt(Type.Integer({ description: 'Schema id.' })),
    auth: Opt(BasicAuth),
  },
  { description: 'Confluent-style schema registry for Avro payloads.' },
);

/** Pod labels/annotations (Argo `Metadata`). */
export const PodMetadata = Obj(
  {
    annotations: Opt(StringMap(Type.String())),
    labels: Opt(StringMap(Type.String())),
  },
  { description: 'Labels and annotations for generated pods/services.' },
);

/** Argo Events deployment template (EventSource and Sensor pods). Kubernetes structures are not checked. */
export const PodTemplate = Obj(
  {
    metadata: Opt(PodMetadata),
    serviceAccountName: Opt(Type.String()),
    container: Opt(
      OpenObject({ description: 'Container overrides: resources, env, envFrom, volumeMounts, imagePullPolicy, securityContext.' }),
    ),
    volumes: Opt(Type.Array(OpenObject())),
    securityContext: Opt(OpenObject()),
    affinity: Opt(OpenObject()),
    tolerations: Opt(Type.Array(OpenObject())),
    nodeSelector: Opt(StringMap(Type.String())),
    imagePullSecrets: Opt(Type.Array(OpenObject())),
    priorityClassName: Opt(Type.String()),
    priority: Opt(Type.Integer()),
  },
  { description: 'Pod template for the deployment that runs this resource (Kubernetes mode only).' },
);

/** Kubernetes-style resource status; written by controllers, never checked. */
export const ResourceStatus = OpenObject({ description: 'Status written by the controller.' });

export const S3Bucket = Obj(
  {
    name: Opt(Type.String({ description: 'Bucket name.' })),
    key: Opt(Type.String({ description: 'Object key (artifact) or key filter (event source).' })),
  },
  { description: 'S3 bucket (and optional key).' },
);

export const S3Filter = Obj(
  {
    prefix: Opt(Type.String({ description: 'Only objects whose key starts with this.' })),
    suffix: Opt(Type.String({ description: 'Only objects whose key ends with this.' })),
  },
  { description: 'Object key filter for bucket notifications.' },
);

/** Argo `S3Artifact` fields, used by the minio/s3 event sources and by trigger sources. */
export const S3ArtifactProperties = {
  endpoint: Opt(Type.String({ description: 'S3 endpoint host[:port] or URL.' })),
  bucket: Opt(S3Bucket),
  region: Opt(Type.String()),
  insecure: Opt(Type.Boolean({ description: 'Use plain HTTP.' })),
  accessKey: Opt(SecretKeySelector),
  secretKey: Opt(SecretKeySelector),
  events: Opt(Type.Array(Type.String(), { description: 'Bucket notification event names, e.g. s3:ObjectCreated:*.' })),
  filter: Opt(S3Filter),
  metadata: Opt(EventMetadata),
  caCertificate: Opt(SecretKeySelector),
};
export const S3Artifact = Obj(S3ArtifactProperties, { description: 'S3 connection and bucket.' });
