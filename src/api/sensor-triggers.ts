// Trigger kinds of an Argo Events v1.9 Sensor trigger template (argoWorkflow, k8s, http, log, kafka, nats, ...),
// the TriggerParameter shape they share, and the artifact locations k8s/argoWorkflow read resources from.
import { AnyString, Obj, Opt, OpenObject, StringEnum, StringMap, Type } from './schema-kit.js';
import type { Static } from './schema-kit.js';
import {
  Backoff,
  BasicAuth,
  ConfigMapKeySelector,
  S3Artifact,
  SASLConfig,
  SchemaRegistryConfig,
  SecretKeySelector,
  TLSConfig,
} from './events-common.js';
import { NATSAuth } from './eventsource-kinds-other.js';

export const PARAMETER_OPERATIONS = ['append', 'prepend', 'overwrite'] as const;
export const K8S_OPERATIONS = ['create', 'update', 'patch', 'delete'] as const;
export const ARGO_WORKFLOW_OPERATIONS = ['submit', 'submit-from', 'resubmit', 'resume', 'retry', 'suspend', 'terminate', 'stop'] as const;

export const TriggerParameterSource = Obj(
  {
    dependencyName: Type.String({ description: 'Dependency whose event supplies the value.' }),
    contextKey: Opt(Type.String({ description: 'Path into the event context (gjson syntax).' })),
    contextTemplate: Opt(Type.String({ description: 'Go template over the event context.' })),
    dataKey: Opt(Type.String({ description: 'Path into the event data (gjson syntax).' })),
    dataTemplate: Opt(Type.String({ description: 'Go template over the event data.' })),
    value: Opt(AnyString({ description: 'Default used when the key/template yields nothing.' })),
    useRawData: Opt(Type.Boolean({ description: 'Keep the JSON type of the extracted value instead of a string.' })),
  },
  { description: 'Where a parameter value comes from.' },
);

export const TriggerParameter = Obj(
  {
    src: TriggerParameterSource,
    dest: Type.String({ description: 'Path in the target resource/payload to write (sjson syntax).' }),
    operation: Opt(StringEnum(PARAMETER_OPERATIONS, { description: 'How to combine with an existing value (default overwrite).' })),
  },
  { description: 'Copies a value from an event into the trigger resource or payload.' },
);
export type TriggerParameter = Static<typeof TriggerParameter>;

const Parameters = Opt(Type.Array(TriggerParameter));

export const GitArtifact = Obj(
  {
    url: Opt(Type.String()),
    cloneDirectory: Opt(Type.String()),
    creds: Opt(Obj({ username: Opt(SecretKeySelector), password: Opt(SecretKeySelector) })),
    sshKeySecret: Opt(SecretKeySelector),
    filePath: Opt(Type.String()),
    branch: Opt(Type.String()),
    tag: Opt(Type.String()),
    ref: Opt(Type.String()),
    remote: Opt(Obj({ name: Opt(Type.String()), urls: Opt(Type.Array(Type.String())) })),
    insecureIgnoreHostKey: Opt(Type.Boolean()),
  },
  { description: 'Resource file in a git repository.' },
);

export const ArtifactLocation = Obj(
  {
    s3: Opt(S3Artifact),
    inline: Opt(Type.String({ description: 'The resource as a YAML/JSON string.' })),
    file: Opt(Obj({ path: Opt(Type.String()) })),
    url: Opt(Obj({ path: Opt(Type.String()), verifyCert: Opt(Type.Boolean()) })),
    configmap: Opt(ConfigMapKeySelector),
    git: Opt(GitArtifact),
    resource: Opt(OpenObject({ description: 'The resource as an embedded object.' })),
  },
  { description: 'Where the resource to create/operate on is read from (exactly one).' },
);

export const ArgoWorkflowTrigger = Obj(
  {
    source: Opt(ArtifactLocation),
    operation: Opt(Type.String({ description: `One of ${ARGO_WORKFLOW_OPERATIONS.join(', ')} (default submit).` })),
    parameters: Parameters,
    args: Opt(Type.Array(AnyString(), { description: 'Extra arguments for the operation (argo CLI style).' })),
  },
  { description: 'Submits or operates on an Argo Workflow.' },
);

export const StandardK8STrigger = Obj(
  {
    source: Opt(ArtifactLocation),
    operation: Opt(StringEnum(K8S_OPERATIONS, { description: 'Default create.' })),
    parameters: Parameters,
    patchStrategy: Opt(Type.String({ description: 'Patch content type, default application/merge-patch+json.' })),
    liveObject: Opt(Type.Boolean({ description: 'Fetch the live object before update.' })),
  },
  { description: 'Creates, updates, patches or deletes a Kubernetes resource.' },
);

export const SecureHeader = Obj({
  name: Opt(Type.String()),
  valueFrom: Opt(Obj({ secretKeyRef: Opt(SecretKeySelector), configMapKeyRef: Opt(ConfigMapKeySelector) })),
});

export const HTTPTrigger = Obj(
  {
    url: Opt(Type.String()),
    payload: Parameters,
    tls: Opt(TLSConfig),
    method: Opt(Type.String({ description: 'Default POST.' })),
    parameters: Parameters,
    timeout: Opt(Type.Integer({ description: 'Request timeout in seconds (default 60).' })),
    basicAuth: Opt(BasicAuth),
    headers: Opt(StringMap(AnyString())),
    secureHeaders: Opt(Type.Array(SecureHeader)),
    dynamicHeaders: Parameters,
  },
  { description: 'Sends an HTTP request built from event data.' },
);

export const LogTrigger = Obj(
  { intervalSeconds: Opt(Type.Integer({ description: 'Log at most once per interval.' })) },
  { description: 'Logs the events.' },
);

export const KafkaTrigger = Obj(
  {
    url: Opt(Type.String()),
    topic: Opt(Type.String()),
    partition: Opt(Type.Integer({ description: 'Deprecated.' })),
    parameters: Parameters,
    requiredAcks: Opt(Type.Integer()),
    compress: Opt(Type.Boolean()),
    flushFrequency: Opt(Type.Integer({ description: 'Batch flush frequency in ms.' })),
    tls: Opt(TLSConfig),
    payload: Parameters,
    partitioningKey: Opt(Type.String()),
    version: Opt(AnyString()),
    sasl: Opt(SASLConfig),
    schemaRegistry: Opt(SchemaRegistryConfig),
    headers: Opt(StringMap(AnyString())),
    secureHeaders: Opt(Type.Array(SecureHeader)),
  },
  { description: 'Produces a Kafka message.' },
);

export const NATSTrigger = Obj(
  {
    url: Opt(Type.String()),
    subject: Opt(Type.String()),
    payload: Parameters,
    parameters: Parameters,
    tls: Opt(TLSConfig),
    auth: Opt(NATSAuth),
  },
  { description: 'Publishes a NATS message.' },
);

/** (Weir) Publishes one AMQP message; Argo Events has no AMQP trigger. */
export const AMQPTrigger = Obj(
  {
    url: Opt(Type.String({ description: 'Broker URL, e.g. amqp://guest:guest@rabbitmq:5672.' })),
    exchangeName: Opt(Type.String({ description: 'Exchange to publish to ("" is the default exchange).' })),
    exchangeType: Opt(Type.String({ description: 'When set, the exchange is declared (durable) with this type first.' })),
    routingKey: Opt(Type.String()),
    persistent: Opt(Type.Boolean({ description: 'Delivery mode 2 (default true).' })),
    payload: Parameters,
    parameters: Parameters,
  },
  { description: '(Weir) Publishes an AMQP message (publisher confirms; message-id = the firing key).' },
);

/** (Weir) Publishes one MQTT message; Argo Events has no MQTT trigger. */
export const MQTTTrigger = Obj(
  {
    url: Opt(Type.String({ description: 'Broker URL, e.g. tcp://mosquitto:1883.' })),
    topic: Opt(Type.String()),
    qos: Opt(Type.Integer({ description: '0, 1 (default) or 2.' })),
    retain: Opt(Type.Boolean()),
    payload: Parameters,
    parameters: Parameters,
  },
  { description: '(Weir) Publishes an MQTT message.' },
);

export const AWSLambdaTrigger = Obj({
  functionName: Opt(Type.String()),
  accessKey: Opt(SecretKeySelector),
  secretKey: Opt(SecretKeySelector),
  region: Opt(Type.String()),
  payload: Parameters,
  parameters: Parameters,
  invocationType: Opt(Type.String({ description: 'RequestResponse (default), Event or DryRun.' })),
  roleARN: Opt(Type.String()),
});

export const SlackTrigger = Obj({
  parameters: Parameters,
  slackToken: Opt(SecretKeySelector),
  channel: Opt(Type.String()),
  message: Opt(Type.String()),
  attachments: Opt(Type.String({ description: 'JSON array string.' })),
  blocks: Opt(Type.String({ description: 'JSON array string.' })),
  thread: Opt(Obj({ messageAggregationKey: Opt(Type.String()), broadcastMessageToChannel: Opt(Type.Boolean()) })),
  sender: Opt(Obj({ username: Opt(Type.String()), icon: Opt(Type.String()) })),
});

export const OpenWhiskTrigger = Obj({
  host: Opt(Type.String()),
  version: Opt(AnyString()),
  namespace: Opt(Type.String()),
  authToken: Opt(SecretKeySelector),
  actionName: Opt(Type.String()),
  payload: Parameters,
  parameters: Parameters,
});

export const CustomTrigger = Obj({
  serverURL: Opt(Type.String()),
  secure: Opt(Type.Boolean()),
  certSecret: Opt(SecretKeySelector),
  serverNameOverride: Opt(Type.String()),
  spec: Opt(OpenObject({ description: 'Trigger resource the gRPC server interprets.' })),
  parameters: Parameters,
  payload: Parameters,
});

export const AzureEventHubsTrigger = Obj({
  fqdn: Opt(Type.String()),
  hubName: Opt(Type.String()),
  sharedAccessKeyName: Opt(SecretKeySelector),
  sharedAccessKey: Opt(SecretKeySelector),
  payload: Parameters,
  parameters: Parameters,
});

export const AzureServiceBusTrigger = Obj({
  connectionString: Opt(SecretKeySelector),
  queueName: Opt(Type.String()),
  topicName: Opt(Type.String()),
  subscriptionName: Opt(Type.String()),
  tls: Opt(TLSConfig),
  payload: Parameters,
  parameters: Parameters,
});

export const PulsarTrigger = Obj({
  url: Opt(Type.String()),
  topic: Opt(Type.String()),
  parameters: Parameters,
  payload: Parameters,
  tlsTrustCertsSecret: Opt(SecretKeySelector),
  tlsAllowInsecureConnection: Opt(Type.Boolean()),
  tlsValidateHostname: Opt(Type.Boolean()),
  tls: Opt(TLSConfig),
  authTokenSecret: Opt(SecretKeySelector),
  connectionBackoff: Opt(Backoff),
  authAthenzParams: Opt(StringMap(Type.String())),
  authAthenzSecret: Opt(SecretKeySelector),
});

export const EmailTrigger = Obj({
  parameters: Parameters,
  username: Opt(Type.String()),
  smtpPassword: Opt(SecretKeySelector),
  host: Opt(Type.String()),
  port: Opt(Type.Integer()),
  to: Opt(Type.Array(Type.String())),
  from: Opt(Type.String()),
  subject: Opt(Type.String()),
  body: Opt(Type.String()),
});

/** Trigger kind keys of a trigger template. */
export const TRIGGER_KINDS = [
  'argoWorkflow',
  'k8s',
  'http',
  'log',
  'kafka',
  'nats',
  'awsLambda',
  'slack',
  'openWhisk',
  'custom',
  'azureEventHubs',
  'azureServiceBus',
  'pulsar',
  'email',
  'amqp',
  'mqtt',
] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** Argo trigger kinds Weir does not run: valid manifests, but lint warns, since the trigger would fail at run time. */
export const UNSUPPORTED_TRIGGER_KINDS: readonly TriggerKind[] = [
  'awsLambda',
  'slack',
  'openWhisk',
  'custom',
  'azureEventHubs',
  'azureServiceBus',
  'pulsar',
  'email',
];

export const TriggerTemplate = Obj(
  {
    name: Type.String({ description: 'Unique trigger name.' }),
    conditions: Opt(Type.String({ description: 'Boolean expression over dependency names, e.g. "a && (b || c)".' })),
    conditionsReset: Opt(
      Type.Array(
        Obj({
          byTime: Opt(
            Obj({
              cron: Opt(Type.String({ description: 'Cron expression at which partially met conditions are reset.' })),
              timezone: Opt(Type.String()),
            }),
          ),
        }),
      ),
    ),
    argoWorkflow: Opt(ArgoWorkflowTrigger),
    k8s: Opt(StandardK8STrigger),
    http: Opt(HTTPTrigger),
    log: Opt(LogTrigger),
    kafka: Opt(KafkaTrigger),
    nats: Opt(NATSTrigger),
    awsLambda: Opt(AWSLambdaTrigger),
    slack: Opt(SlackTrigger),
    openWhisk: Opt(OpenWhiskTrigger),
    custom: Opt(CustomTrigger),
    azureEventHubs: Opt(AzureEventHubsTrigger),
    azureServiceBus: Opt(AzureServiceBusTrigger),
    pulsar: Opt(PulsarTrigger),
    email: Opt(EmailTrigger),
    amqp: Opt(AMQPTrigger),
    mqtt: Opt(MQTTTrigger),
  },
  { description: 'What the trigger does and when.' },
);
export type TriggerTemplate = Static<typeof TriggerTemplate>;
