// EventSource kinds for brokers, clouds, files and Kubernetes (Argo Events v1.9): amqp, mqtt, nats, nsq, pulsar,
// redis, redisStream, emitter, azure*, sqs, pubSub, mns, generic, file, sftp, hdfs, resource. Schemas only.
import { AnyString, Obj, Opt, Type, AnyValue, StringMap } from './schema-kit.js';
import {
  Backoff,
  BasicAuth,
  ConfigMapKeySelector,
  EventMetadata,
  EventSourceFilter,
  SecretKeySelector,
  TLSConfig,
} from './events-common.js';

const common = {
  metadata: Opt(EventMetadata),
  filter: Opt(EventSourceFilter),
};
const jsonBody = Opt(Type.Boolean({ description: 'Message bodies are JSON.' }));

export const WatchPathConfigProperties = {
  directory: Opt(Type.String()),
  path: Opt(Type.String()),
  pathRegexp: Opt(Type.String()),
};
export const WatchPathConfig = Obj(WatchPathConfigProperties, { description: 'Directory and file (or regexp) to watch.' });

export const AMQPEventSource = Obj(
  {
    url: Opt(Type.String()),
    urlSecret: Opt(SecretKeySelector),
    exchangeName: Opt(Type.String()),
    exchangeType: Opt(Type.String()),
    routingKey: Opt(Type.String()),
    connectionBackoff: Opt(Backoff),
    jsonBody,
    tls: Opt(TLSConfig),
    exchangeDeclare: Opt(
      Obj({
        durable: Opt(Type.Boolean()),
        autoDelete: Opt(Type.Boolean()),
        internal: Opt(Type.Boolean()),
        noWait: Opt(Type.Boolean()),
      }),
    ),
    queueDeclare: Opt(
      Obj({
        name: Opt(Type.String()),
        durable: Opt(Type.Boolean()),
        autoDelete: Opt(Type.Boolean()),
        exclusive: Opt(Type.Boolean()),
        noWait: Opt(Type.Boolean()),
        arguments: Opt(Type.String({ description: 'Queue x-arguments as a JSON string.' })),
      }),
    ),
    queueBind: Opt(Obj({ noWait: Opt(Type.Boolean()) })),
    consume: Opt(
      Obj({
        consumerTag: Opt(Type.String()),
        autoAck: Opt(Type.Boolean()),
        exclusive: Opt(Type.Boolean()),
        noLocal: Opt(Type.Boolean()),
        noWait: Opt(Type.Boolean()),
      }),
    ),
    auth: Opt(BasicAuth),
    ...common,
  },
  { description: 'RabbitMQ / AMQP 0.9.1 messages.' },
);

export const MQTTEventSource = Obj(
  {
    url: Opt(Type.String()),
    topic: Opt(Type.String()),
    clientId: Opt(Type.String()),
    connectionBackoff: Opt(Backoff),
    jsonBody,
    tls: Opt(TLSConfig),
    auth: Opt(BasicAuth),
    ...common,
  },
  { description: 'MQTT topic messages.' },
);

export const NATSAuth = Obj(
  {
    basic: Opt(BasicAuth),
    token: Opt(SecretKeySelector),
    nkey: Opt(SecretKeySelector),
    credential: Opt(SecretKeySelector),
  },
  { description: 'NATS credentials: basic, token, nkey or creds file.' },
);

export const NATSEventSource = Obj(
  {
    url: Opt(Type.String()),
    subject: Opt(Type.String()),
    queue: Opt(Type.String({ description: 'Queue group to subscribe with.' })),
    jetStream: Opt(
      Obj(
        {
          stream: Opt(Type.String({ description: 'The JetStream stream holding the subject.' })),
          consumer: Opt(Type.String({ description: 'Durable consumer name (created when missing); default weir-<eventsource>-<event>.' })),
          deliverPolicy: Opt(Type.String({ description: 'For a new consumer: all (default), new or last.' })),
        },
        {
          description:
            '(Weir) Consume the subject through a durable JetStream consumer of the stream (acknowledged after the bus has the event) instead of a core subscription.',
        },
      ),
    ),
    connectionBackoff: Opt(Backoff),
    jsonBody,
    tls: Opt(TLSConfig),
    auth: Opt(NATSAuth),
    ...common,
  },
  { description: 'NATS subject messages.' },
);

export const NSQEventSource = Obj(
  {
    hostAddress: Opt(Type.String()),
    topic: Opt(Type.String()),
    channel: Opt(Type.String()),
    connectionBackoff: Opt(Backoff),
    jsonBody,
    tls: Opt(TLSConfig),
    ...common,
  },
  { description: 'NSQ topic messages.' },
);

export const PulsarEventSource = Obj(
  {
    topics: Opt(Type.Array(Type.String())),
    type: Opt(Type.String({ description: 'Subscription type: exclusive (default) or shared.' })),
    url: Opt(Type.String()),
    tlsTrustCertsSecret: Opt(SecretKeySelector),
    tlsAllowInsecureConnection: Opt(Type.Boolean()),
    tlsValidateHostname: Opt(Type.Boolean()),
    tls: Opt(TLSConfig),
    connectionBackoff: Opt(Backoff),
    jsonBody,
    authTokenSecret: Opt(SecretKeySelector),
    authAthenzParams: Opt(StringMap(Type.String())),
    authAthenzSecret: Opt(SecretKeySelector),
    ...common,
  },
  { description: 'Apache Pulsar topic messages.' },
);

export const RedisEventSource = Obj(
  {
    hostAddress: Opt(Type.String()),
    password: Opt(SecretKeySelector),
    username: Opt(Type.String()),
    namespace: Opt(Type.String()),
    db: Opt(Type.Integer()),
    channels: Opt(Type.Array(Type.String())),
    tls: Opt(TLSConfig),
    jsonBody,
    ...common,
  },
  { description: 'Redis pub/sub channels.' },
);

export const RedisStreamEventSource = Obj(
  {
    hostAddress: Opt(Type.String()),
    password: Opt(SecretKeySelector),
    username: Opt(Type.String()),
    db: Opt(Type.Integer()),
    streams: Opt(Type.Array(Type.String())),
    maxMsgCountPerRead: Opt(Type.Integer()),
    consumerGroup: Opt(Type.String()),
    tls: Opt(TLSConfig),
    ...common,
  },
  { description: 'Redis streams read with a consumer group.' },
);

export const EmitterEventSource = Obj(
  {
    broker: Opt(Type.String()),
    channelKey: Opt(Type.String()),
    channelName: Opt(Type.String()),
    username: Opt(SecretKeySelector),
    password: Opt(SecretKeySelector),
    connectionBackoff: Opt(Backoff),
    jsonBody,
    tls: Opt(TLSConfig),
    ...common,
  },
  { description: 'emitter.io channel messages.' },
);

export const AzureEventsHubEventSource = Obj(
  {
    fqdn: Opt(Type.String()),
    sharedAccessKeyName: Opt(SecretKeySelector),
    sharedAccessKey: Opt(SecretKeySelector),
    hubName: Opt(Type.String()),
    ...common,
  },
  { description: 'Azure Event Hubs.' },
);

export const AzureServiceBusEventSource = Obj(
  {
    connectionString: Opt(SecretKeySelector),
    fullyQualifiedNamespace: Opt(Type.String()),
    queueName: Opt(Type.String()),
    topicName: Opt(Type.String()),
    subscriptionName: Opt(Type.String()),
    tls: Opt(TLSConfig),
    jsonBody,
    ...common,
  },
  { description: 'Azure Service Bus queue or topic subscription.' },
);

export const AzureQueueStorageEventSource = Obj(
  {
    storageAccountName: Opt(Type.String()),
    connectionString: Opt(SecretKeySelector),
    queueName: Opt(Type.String()),
    jsonBody,
    dlq: Opt(Type.Boolean()),
    decodeMessage: Opt(Type.Boolean()),
    waitTimeInSeconds: Opt(Type.Integer()),
    ...common,
  },
  { description: 'Azure Queue Storage.' },
);

export const SQSEventSource = Obj(
  {
    accessKey: Opt(SecretKeySelector),
    secretKey: Opt(SecretKeySelector),
    sessionToken: Opt(SecretKeySelector),
    region: Opt(Type.String()),
    queue: Opt(Type.String()),
    queueAccountId: Opt(AnyString()),
    waitTimeSeconds: Opt(Type.Integer()),
    roleARN: Opt(Type.String()),
    jsonBody,
    dlq: Opt(Type.Boolean()),
    endpoint: Opt(Type.String()),
    ...common,
  },
  { description: 'AWS SQS queue messages.' },
);

export const PubSubEventSource = Obj(
  {
    projectID: Opt(Type.String()),
    topicProjectID: Opt(Type.String()),
    topic: Opt(Type.String()),
    subscriptionID: Opt(Type.String()),
    credentialSecret: Opt(SecretKeySelector),
    deleteSubscriptionOnFinish: Opt(Type.Boolean()),
    jsonBody,
    ...common,
  },
  { description: 'Google Cloud Pub/Sub subscription.' },
);

export const MNSEventSource = Obj(
  {
    accessKey: Opt(SecretKeySelector),
    secretKey: Opt(SecretKeySelector),
    queue: Opt(Type.String()),
    jsonBody,
    endpoint: Opt(Type.String()),
    filter: Opt(EventSourceFilter),
  },
  { description: 'Alibaba Cloud MNS queue.' },
);

export const GenericEventSource = Obj(
  {
    url: Opt(Type.String({ description: 'gRPC server implementing the event source.' })),
    config: Opt(Type.String({ description: 'Configuration passed to the server (string).' })),
    insecure: Opt(Type.Boolean()),
    jsonBody,
    authSecret: Opt(SecretKeySelector),
    ...common,
  },
  { description: 'Custom event source served over gRPC.' },
);

export const FileEventSource = Obj(
  {
    eventType: Opt(Type.String({ description: 'File operation: CREATE, WRITE, REMOVE, RENAME, CHMOD.' })),
    watchPathConfig: Opt(WatchPathConfig),
    polling: Opt(Type.Boolean()),
    ...common,
  },
  { description: 'Local file system changes.' },
);

export const SFTPEventSource = Obj(
  {
    eventType: Opt(Type.String()),
    watchPathConfig: Opt(WatchPathConfig),
    username: Opt(SecretKeySelector),
    password: Opt(SecretKeySelector),
    sshKeySecret: Opt(SecretKeySelector),
    address: Opt(SecretKeySelector),
    pollIntervalDuration: Opt(Type.String({ description: 'Go duration between polls (default 10s).' })),
    ...common,
  },
  { description: 'Files appearing on an SFTP server.' },
);

export const HDFSEventSource = Obj(
  {
    ...WatchPathConfigProperties,
    type: Opt(Type.String()),
    checkInterval: Opt(Type.String()),
    addresses: Opt(Type.Array(Type.String())),
    hdfsUser: Opt(Type.String()),
    krbCCacheSecret: Opt(SecretKeySelector),
    krbKeytabSecret: Opt(SecretKeySelector),
    krbUsername: Opt(Type.String()),
    krbRealm: Opt(Type.String()),
    krbConfigConfigMap: Opt(ConfigMapKeySelector),
    krbServicePrincipalName: Opt(Type.String()),
    ...common,
  },
  { description: 'HDFS directory changes.' },
);

const Selector = Obj({
  key: Opt(Type.String()),
  operation: Opt(Type.String({ description: '==, !=, exists, in, notin, gt, lt (default ==).' })),
  value: Opt(AnyString()),
});

export const ResourceEventSource = Obj(
  {
    namespace: Opt(Type.String()),
    group: Opt(Type.String()),
    version: Opt(Type.String()),
    resource: Opt(Type.String()),
    eventTypes: Opt(Type.Array(Type.String(), { description: 'ADD, UPDATE and/or DELETE.' })),
    filter: Opt(
      Obj({
        prefix: Opt(Type.String()),
        labels: Opt(Type.Array(Selector)),
        fields: Opt(Type.Array(Selector)),
        createdBy: Opt(AnyValue({ description: 'Timestamp; only objects created before it.' })),
        afterStart: Opt(Type.Boolean()),
      }),
    ),
    metadata: Opt(EventMetadata),
  },
  { description: 'Kubernetes object add/update/delete events.' },
);
