// The event source registry: one line per kind Weir runs itself. Adding a kind is one adapter file and one line.
// `minio` is Argo's MinIO notification source, served by the S3 polling adapter with MinIO's payload details.
import { WeirError } from '../src/core/errors.js';
import type { EventSourceAdapter, EventSourceFactory } from '../src/api/eventsource-adapter.js';
import { createAmqpSource } from './amqp.js';
import { createBitbucketServerSource, createBitbucketSource } from './bitbucket.js';
import { createCalendarSource } from './calendar.js';
import { createFileSource } from './file.js';
import { createGithubSource } from './github.js';
import { createGitlabSource } from './gitlab.js';
import { createKafkaSource } from './kafka.js';
import { createMqttSource } from './mqtt.js';
import { createNatsSource } from './nats.js';
import { createRedisSource } from './redis.js';
import { createRedisStreamSource } from './redis-stream.js';
import { createS3Source } from './s3.js';
import { createSftpSource } from './sftp.js';
import { createWebhookSource } from './webhook.js';

export type RunnableEventSourceKind =
  | 'webhook'
  | 'calendar'
  | 's3'
  | 'minio'
  | 'kafka'
  | 'amqp'
  | 'mqtt'
  | 'nats'
  | 'redis'
  | 'redisStream'
  | 'github'
  | 'gitlab'
  | 'bitbucket'
  | 'bitbucketserver'
  | 'file'
  | 'sftp';

export const eventSourceRegistry = {
  webhook: createWebhookSource,
  calendar: createCalendarSource,
  s3: () => createS3Source('s3'),
  minio: () => createS3Source('minio'),
  kafka: createKafkaSource,
  amqp: createAmqpSource,
  mqtt: createMqttSource,
  nats: createNatsSource,
  redis: createRedisSource,
  redisStream: createRedisStreamSource,
  github: createGithubSource,
  gitlab: createGitlabSource,
  bitbucket: createBitbucketSource,
  bitbucketserver: createBitbucketServerSource,
  file: createFileSource,
  sftp: createSftpSource,
} as const satisfies Record<RunnableEventSourceKind, EventSourceFactory>;

export function isRunnableKind(kind: string): kind is RunnableEventSourceKind {
  return Object.hasOwn(eventSourceRegistry, kind);
}

/** The adapter for `kind`; UNKNOWN_KIND names the kinds Weir runs. */
export function adapterFor(kind: string): EventSourceAdapter {
  if (!isRunnableKind(kind)) {
    throw new WeirError(
      'UNKNOWN_KIND',
      `event source kind ${JSON.stringify(kind)} is not run by Weir (runnable: ${Object.keys(eventSourceRegistry).join(', ')})`,
    );
  }
  return eventSourceRegistry[kind]();
}
