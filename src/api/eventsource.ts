// Schema and types for the Argo Events v1.9 EventSource resource (plus Weir's `s3` kind). Each event source kind
// is a map of event name -> configuration; kind schemas live in eventsource-kinds*.ts.
import { Obj, Opt, StringMap, Type, ObjectMeta, OpenObject } from './schema-kit.js';
import type { Static, TSchema } from './schema-kit.js';
import { PodMetadata, PodTemplate, ResourceStatus } from './events-common.js';
import { CalendarEventSource, KafkaEventSource, MinioEventSource, S3EventSource, WebhookEventSource } from './eventsource-kinds.js';
import {
  BitbucketEventSource,
  BitbucketServerEventSource,
  GerritEventSource,
  GithubEventSource,
  GitlabEventSource,
  SNSEventSource,
  SlackEventSource,
  StorageGridEventSource,
  StripeEventSource,
} from './eventsource-kinds-hooks.js';
import {
  AMQPEventSource,
  AzureEventsHubEventSource,
  AzureQueueStorageEventSource,
  AzureServiceBusEventSource,
  EmitterEventSource,
  FileEventSource,
  GenericEventSource,
  HDFSEventSource,
  MNSEventSource,
  MQTTEventSource,
  NATSEventSource,
  NSQEventSource,
  PubSubEventSource,
  PulsarEventSource,
  RedisEventSource,
  RedisStreamEventSource,
  ResourceEventSource,
  SFTPEventSource,
  SQSEventSource,
} from './eventsource-kinds-other.js';

/** Every event source kind key of EventSource.spec, with the schema of one named configuration. */
export const EventSourceKindSchemas = {
  minio: MinioEventSource,
  s3: S3EventSource,
  calendar: CalendarEventSource,
  file: FileEventSource,
  resource: ResourceEventSource,
  webhook: WebhookEventSource,
  amqp: AMQPEventSource,
  kafka: KafkaEventSource,
  mqtt: MQTTEventSource,
  nats: NATSEventSource,
  sns: SNSEventSource,
  sqs: SQSEventSource,
  pubSub: PubSubEventSource,
  github: GithubEventSource,
  gitlab: GitlabEventSource,
  hdfs: HDFSEventSource,
  slack: SlackEventSource,
  storageGrid: StorageGridEventSource,
  azureEventsHub: AzureEventsHubEventSource,
  stripe: StripeEventSource,
  emitter: EmitterEventSource,
  redis: RedisEventSource,
  nsq: NSQEventSource,
  pulsar: PulsarEventSource,
  generic: GenericEventSource,
  bitbucketserver: BitbucketServerEventSource,
  bitbucket: BitbucketEventSource,
  redisStream: RedisStreamEventSource,
  azureServiceBus: AzureServiceBusEventSource,
  azureQueueStorage: AzureQueueStorageEventSource,
  sftp: SFTPEventSource,
  gerrit: GerritEventSource,
  mns: MNSEventSource,
} satisfies Record<string, TSchema>;

export type EventSourceKind = keyof typeof EventSourceKindSchemas;

/** Kind keys in spec order; the list the lint uses to decide whether an EventSource has any source at all. */
export const EVENT_SOURCE_KINDS = Object.keys(EventSourceKindSchemas) as EventSourceKind[];

function kindMap<T extends TSchema>(kind: string, schema: T) {
  return Opt(StringMap(schema, { description: `${kind} event sources by event name.` }));
}

export const EventSourceService = Obj(
  {
    metadata: Opt(PodMetadata),
    ports: Opt(Type.Array(OpenObject(), { description: 'Kubernetes ServicePort list.' })),
    clusterIP: Opt(Type.String()),
  },
  { description: 'Kubernetes Service exposing the event source (webhook-style kinds).' },
);

export const EventSourceSpec = Obj(
  {
    eventBusName: Opt(Type.String({ description: 'EventBus to publish to (default "default").' })),
    template: Opt(PodTemplate),
    service: Opt(EventSourceService),
    replicas: Opt(Type.Integer({ description: 'Deployment replicas (Kubernetes mode).' })),
    minio: kindMap('minio', MinioEventSource),
    s3: kindMap('s3', S3EventSource),
    calendar: kindMap('calendar', CalendarEventSource),
    file: kindMap('file', FileEventSource),
    resource: kindMap('resource', ResourceEventSource),
    webhook: kindMap('webhook', WebhookEventSource),
    amqp: kindMap('amqp', AMQPEventSource),
    kafka: kindMap('kafka', KafkaEventSource),
    mqtt: kindMap('mqtt', MQTTEventSource),
    nats: kindMap('nats', NATSEventSource),
    sns: kindMap('sns', SNSEventSource),
    sqs: kindMap('sqs', SQSEventSource),
    pubSub: kindMap('pubSub', PubSubEventSource),
    github: kindMap('github', GithubEventSource),
    gitlab: kindMap('gitlab', GitlabEventSource),
    hdfs: kindMap('hdfs', HDFSEventSource),
    slack: kindMap('slack', SlackEventSource),
    storageGrid: kindMap('storageGrid', StorageGridEventSource),
    azureEventsHub: kindMap('azureEventsHub', AzureEventsHubEventSource),
    stripe: kindMap('stripe', StripeEventSource),
    emitter: kindMap('emitter', EmitterEventSource),
    redis: kindMap('redis', RedisEventSource),
    nsq: kindMap('nsq', NSQEventSource),
    pulsar: kindMap('pulsar', PulsarEventSource),
    generic: kindMap('generic', GenericEventSource),
    bitbucketserver: kindMap('bitbucketserver', BitbucketServerEventSource),
    bitbucket: kindMap('bitbucket', BitbucketEventSource),
    redisStream: kindMap('redisStream', RedisStreamEventSource),
    azureServiceBus: kindMap('azureServiceBus', AzureServiceBusEventSource),
    azureQueueStorage: kindMap('azureQueueStorage', AzureQueueStorageEventSource),
    sftp: kindMap('sftp', SFTPEventSource),
    gerrit: kindMap('gerrit', GerritEventSource),
    mns: kindMap('mns', MNSEventSource),
  },
  { description: 'Event source configurations, grouped by kind.' },
);
export type EventSourceSpec = Static<typeof EventSourceSpec>;

export const EventSourceSchema = Obj(
  {
    apiVersion: Type.String({ description: 'argoproj.io/v1alpha1' }),
    kind: Type.String({ description: 'EventSource' }),
    metadata: ObjectMeta,
    spec: EventSourceSpec,
    status: Opt(ResourceStatus),
  },
  { description: 'Argo Events EventSource: where events come from.' },
);
export type EventSource = Static<typeof EventSourceSchema>;
