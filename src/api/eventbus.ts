// Schema and types for the Argo Events v1.9 EventBus resource (nats, jetstream, kafka, jetstreamExotic), plus
// Weir's stream settings on jetstreamExotic (maxAge, maxMsgs, maxBytes, discard, duplicateWindow, storage,
// replicas, streamName) that Weir applies when it creates the JetStream stream itself.
import { AnyString, IntOrString, Obj, ObjectMeta, Opt, OpenObject, StringEnum, StringMap, Type } from './schema-kit.js';
import type { Static } from './schema-kit.js';
import { KafkaConsumerGroup, PodMetadata, ResourceStatus, SASLConfig, SecretKeySelector, TLSConfig } from './events-common.js';

export const ContainerTemplate = Obj(
  {
    resources: Opt(OpenObject()),
    imagePullPolicy: Opt(Type.String()),
    securityContext: Opt(OpenObject()),
  },
  { description: 'Overrides for a bus container.' },
);

export const PersistenceStrategy = Obj(
  {
    storageClassName: Opt(Type.String()),
    accessMode: Opt(Type.String()),
    volumeSize: Opt(IntOrString({ description: 'Quantity, e.g. 10Gi.' })),
  },
  { description: 'Persistent volume for the bus servers.' },
);

const podSettings = {
  metadata: Opt(PodMetadata),
  nodeSelector: Opt(StringMap(Type.String())),
  tolerations: Opt(Type.Array(OpenObject())),
  securityContext: Opt(OpenObject()),
  imagePullSecrets: Opt(Type.Array(OpenObject())),
  priorityClassName: Opt(Type.String()),
  priority: Opt(Type.Integer()),
  affinity: Opt(OpenObject()),
  serviceAccountName: Opt(Type.String()),
};

export const NativeNATS = Obj(
  {
    replicas: Opt(Type.Integer()),
    auth: Opt(Type.String({ description: 'none, token or basic.' })),
    persistence: Opt(PersistenceStrategy),
    containerTemplate: Opt(ContainerTemplate),
    metricsContainerTemplate: Opt(ContainerTemplate),
    maxAge: Opt(Type.String({ description: 'Go duration, e.g. 72h.' })),
    maxMsgs: Opt(Type.Integer()),
    maxBytes: Opt(AnyString()),
    maxSubs: Opt(Type.Integer()),
    maxPayload: Opt(AnyString()),
    raftHeartbeatTimeout: Opt(Type.String()),
    raftElectionTimeout: Opt(Type.String()),
    raftLeaseTimeout: Opt(Type.String()),
    raftCommitTimeout: Opt(Type.String()),
    antiAffinity: Opt(Type.Boolean({ description: 'Deprecated: use affinity.' })),
    ...podSettings,
  },
  { description: 'A NATS Streaming server managed by the controller (deprecated in Argo).' },
);

export const NATSConfig = Obj(
  {
    url: Opt(Type.String()),
    clusterID: Opt(Type.String()),
    auth: Opt(Type.String({ description: 'none, token or basic.' })),
    accessSecret: Opt(SecretKeySelector),
  },
  { description: 'An existing NATS Streaming server.' },
);

export const JetStreamBus = Obj(
  {
    version: Opt(AnyString({ description: 'JetStream version from the controller config, e.g. 2.10.10.' })),
    replicas: Opt(Type.Integer()),
    containerTemplate: Opt(ContainerTemplate),
    reloaderContainerTemplate: Opt(ContainerTemplate),
    metricsContainerTemplate: Opt(ContainerTemplate),
    persistence: Opt(PersistenceStrategy),
    settings: Opt(Type.String({ description: 'nats-server JetStream settings (string).' })),
    startArgs: Opt(Type.Array(Type.String())),
    streamConfig: Opt(Type.String({ description: 'YAML string: maxBytes, maxMsgs, maxAge, replicas, duplicates, retention, discard.' })),
    maxPayload: Opt(AnyString()),
    ...podSettings,
  },
  { description: 'A JetStream cluster managed by the controller.' },
);

export const DISCARD_POLICIES = ['old', 'new'] as const;
export const STREAM_STORAGE = ['file', 'memory'] as const;

export const JetStreamExotic = Obj(
  {
    url: Opt(Type.String({ description: 'NATS URL(s), comma separated.' })),
    accessSecret: Opt(SecretKeySelector),
    streamConfig: Opt(Type.String({ description: 'YAML string with stream settings (Argo form).' })),
    tls: Opt(TLSConfig),
    streamName: Opt(Type.String({ description: '(Weir) Stream name; default derived from the EventBus name.' })),
    maxAge: Opt(Type.String({ description: '(Weir) Keep messages at most this long (Go duration, e.g. 72h).' })),
    maxMsgs: Opt(Type.Integer({ description: '(Weir) Keep at most this many messages (-1 = unlimited).' })),
    maxBytes: Opt(IntOrString({ description: '(Weir) Keep at most this many bytes; integer or size like 1Gi (-1 = unlimited).' })),
    discard: Opt(StringEnum(DISCARD_POLICIES, { description: '(Weir) When full, drop old messages (default) or reject new ones.' })),
    duplicateWindow: Opt(Type.String({ description: '(Weir) De-duplication window by message id (Go duration, default 2m).' })),
    storage: Opt(StringEnum(STREAM_STORAGE, { description: '(Weir) Stream storage (default file).' })),
    replicas: Opt(Type.Integer({ description: '(Weir) Stream replicas (1, 3 or 5).' })),
  },
  { description: 'An existing NATS JetStream server; the bus Weir uses.' },
);

export const KafkaBus = Obj(
  {
    url: Opt(Type.String({ description: 'Broker list, comma separated.' })),
    topic: Opt(Type.String({ description: 'Default {namespace}-{eventbus name}.' })),
    version: Opt(AnyString()),
    tls: Opt(TLSConfig),
    sasl: Opt(SASLConfig),
    consumerGroup: Opt(KafkaConsumerGroup),
  },
  { description: 'An existing Kafka cluster used as the bus.' },
);

export const EventBusSpec = Obj(
  {
    nats: Opt(Obj({ native: Opt(NativeNATS), exotic: Opt(NATSConfig) })),
    jetstream: Opt(JetStreamBus),
    kafka: Opt(KafkaBus),
    jetstreamExotic: Opt(JetStreamExotic),
  },
  { description: 'Exactly one bus implementation.' },
);
export type EventBusSpec = Static<typeof EventBusSpec>;

export const EventBusSchema = Obj(
  {
    apiVersion: Type.String({ description: 'argoproj.io/v1alpha1' }),
    kind: Type.String({ description: 'EventBus' }),
    metadata: ObjectMeta,
    spec: EventBusSpec,
    status: Opt(ResourceStatus),
  },
  { description: 'Argo Events EventBus: the transport between event sources and sensors.' },
);
export type EventBus = Static<typeof EventBusSchema>;
