// EventSource kinds Weir runs itself, typed in full: webhook, calendar, minio/s3 and kafka, plus the shared
// webhook context (also embedded by github, gitlab, slack, ...). Weir extensions are marked "(Weir)".
import { AnyString, Obj, Opt, StringEnum, Type } from './schema-kit.js';
import type { Static } from './schema-kit.js';
import {
  Backoff,
  EventMetadata,
  EventSourceFilter,
  KafkaConsumerGroup,
  S3ArtifactProperties,
  SASLConfig,
  SchemaRegistryConfig,
  SecretKeySelector,
  TLSConfig,
} from './events-common.js';

export const HMAC_ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;

/** (Weir) HMAC signature check for incoming webhook requests. */
export const WebhookHmac = Obj(
  {
    secret: SecretKeySelector,
    header: Opt(Type.String({ description: 'Request header carrying the signature (e.g. X-Hub-Signature-256).' })),
    algorithm: Opt(StringEnum(HMAC_ALGORITHMS, { description: 'Digest algorithm; default sha256.' })),
    prefix: Opt(Type.String({ description: 'Prefix before the hex digest in the header, e.g. "sha256=".' })),
  },
  { description: '(Weir) Verify an HMAC signature of the raw body; requests that fail get 401.' },
);

/** Argo `WebhookContext`: the HTTP server settings shared by every webhook-style event source. */
export const WebhookContextProperties = {
  endpoint: Opt(Type.String({ description: 'URL path to listen on; must start with "/".' })),
  method: Opt(Type.String({ description: 'Accepted HTTP method, e.g. POST.' })),
  port: Opt(AnyString({ description: 'Port of the HTTP server (string in Argo; a number is accepted).' })),
  url: Opt(Type.String({ description: 'Public base URL of the server (used when registering hooks).' })),
  serverCertSecret: Opt(SecretKeySelector),
  serverKeySecret: Opt(SecretKeySelector),
  metadata: Opt(EventMetadata),
  authSecret: Opt(SecretKeySelector),
  maxPayloadSize: Opt(Type.Integer({ description: 'Largest accepted body in bytes (default 1048576).' })),
};
export const WebhookContext = Obj(WebhookContextProperties, { description: 'HTTP server settings for a webhook endpoint.' });
export type WebhookContext = Static<typeof WebhookContext>;

export const WebhookEventSource = Obj(
  {
    ...WebhookContextProperties,
    filter: Opt(EventSourceFilter),
    hmac: Opt(WebhookHmac),
  },
  { description: 'Receives events as HTTP requests.' },
);
export type WebhookEventSource = Static<typeof WebhookEventSource>;

export const CalendarEventSource = Obj(
  {
    schedule: Opt(Type.String({ description: 'Cron expression (5 fields) or descriptor such as @hourly or "@every 10s".' })),
    interval: Opt(Type.String({ description: 'Fixed interval as a Go duration, e.g. 10s, 1m30s.' })),
    exclusionDates: Opt(Type.Array(Type.String(), { description: 'Date-times (RFC 3339) on which no event fires.' })),
    timezone: Opt(Type.String({ description: 'IANA time zone for the schedule, e.g. Europe/Berlin.' })),
    metadata: Opt(EventMetadata),
    persistence: Opt(
      Obj(
        {
          catchup: Opt(
            Obj({
              enabled: Opt(Type.Boolean({ description: 'Fire missed schedules after a restart.' })),
              maxDuration: Opt(Type.String({ description: 'How far back to catch up, as a Go duration.' })),
            }),
          ),
          configMap: Opt(
            Obj({
              name: Opt(Type.String({ description: 'ConfigMap holding the last fired time.' })),
              createIfNotExist: Opt(Type.Boolean()),
            }),
          ),
        },
        { description: 'Remember the last event so missed ones can be caught up.' },
      ),
    ),
    filter: Opt(EventSourceFilter),
  },
  { description: 'Time-based events: a cron schedule or a fixed interval.' },
);
export type CalendarEventSource = Static<typeof CalendarEventSource>;

/** Argo `minio` event source: an S3Artifact with bucket notifications. */
export const MinioEventSource = Obj(S3ArtifactProperties, { description: 'MinIO bucket notifications.' });

/** (Weir) `s3` event source: same shape as minio plus polling settings for plain S3-compatible stores. */
export const S3EventSource = Obj(
  {
    ...S3ArtifactProperties,
    pollIntervalSeconds: Opt(Type.Integer({ description: '(Weir) Poll the bucket listing every N seconds.' })),
    forcePathStyle: Opt(Type.Boolean({ description: '(Weir) Use path-style bucket URLs (MinIO, s3rver).' })),
  },
  { description: '(Weir) S3-compatible bucket events by polling or notifications.' },
);
export type S3EventSource = Static<typeof S3EventSource>;

export const KafkaEventSource = Obj(
  {
    url: Opt(Type.String({ description: 'Broker list, comma separated.' })),
    partition: Opt(AnyString({ description: 'Partition number to read (without a consumer group).' })),
    topic: Opt(Type.String()),
    connectionBackoff: Opt(Backoff),
    tls: Opt(TLSConfig),
    jsonBody: Opt(Type.Boolean({ description: 'Message bodies are JSON.' })),
    metadata: Opt(EventMetadata),
    consumerGroup: Opt(KafkaConsumerGroup),
    limitEventsPerSecond: Opt(Type.Integer({ description: 'Read at most this many messages per second.' })),
    version: Opt(AnyString({ description: 'Kafka protocol version, default 1.0.0.' })),
    sasl: Opt(SASLConfig),
    filter: Opt(EventSourceFilter),
    config: Opt(Type.String({ description: 'Extra client settings as a YAML string (sarama.Config shape).' })),
    schemaRegistry: Opt(SchemaRegistryConfig),
  },
  { description: 'Consumes messages from a Kafka topic.' },
);
export type KafkaEventSource = Static<typeof KafkaEventSource>;
