// Kafka event source (kafkajs): consumes one topic and publishes every message.
// Config keys: url (brokers, comma separated), topic, partition (read only this partition when there is no
// consumerGroup), consumerGroup {groupName, oldest, rebalanceStrategy}, limitEventsPerSecond, jsonBody, tls
// {caCertSecret, clientCertSecret, clientKeySecret, insecureSkipVerify}, sasl {mechanism PLAIN|SCRAM-SHA-256|
// SCRAM-SHA-512, userSecret, passwordSecret}, connectionBackoff, metadata, filter (host). Not supported (warned):
// version, config, schemaRegistry, rebalanceStrategy other than round robin (kafkajs has no range/sticky).
// Emits Argo's KafkaEventData `{topic, key, partition, body, timestamp, headers, metadata}`: body is the parsed JSON
// with jsonBody (invalid JSON is skipped and counted), else the bytes base64-encoded as Go marshals []byte; timestamp
// in Go's time.String() form. Event id `topic:partition:offset`. Offsets are committed only after the bus
// acknowledged (autoCommit off, one commit per message), so a restart resumes at the first unpublished message.
// Without a consumerGroup the source uses its own group `weir.<namespace>.<eventSource>.<event>` (Argo reads from
// the newest offset on every start; Weir resumes where it stopped).
import { Kafka, logLevel, PartitionAssigners } from 'kafkajs';
import type { KafkaConfig, KafkaMessage, SASLOptions } from 'kafkajs';
import { isWeirError, WeirError, errorMessage } from '../src/core/errors.js';
import { jsonDepthExceededAt, MAX_JSON_DEPTH } from '../src/core/json-depth.js';
import type { Logger } from '../src/core/logger.js';
import { parseGoDuration } from '../src/core/duration.js';
import { goTimeString, stringMap, text } from '../src/core/adapter-kit.js';
import type { Finding } from '../src/api/findings.js';
import type { EventSourceAdapter, SecretRef, StartContext } from '../src/api/eventsource-adapter.js';

interface TlsSpec {
  caCertSecret?: SecretRef;
  clientCertSecret?: SecretRef;
  clientKeySecret?: SecretRef;
  insecureSkipVerify?: boolean;
}
interface SaslSpec {
  mechanism?: string;
  userSecret?: SecretRef;
  passwordSecret?: SecretRef;
}
interface GroupSpec {
  groupName?: string;
  oldest?: boolean;
  rebalanceStrategy?: string;
}

function kafkaLogger(log: Logger): KafkaConfig['logCreator'] {
  return () =>
    ({ namespace, level, log: entry }) => {
      const { message, timestamp: _t, logger: _l, ...rest } = (entry ?? {}) as { message?: string } & Record<string, unknown>;
      const fields: Record<string, unknown> = { kafka: namespace, ...rest };
      if (level === logLevel.ERROR || level === logLevel.WARN) log.warn(fields, `kafka: ${message ?? ''}`);
      else log.debug(fields, `kafka: ${message ?? ''}`);
    };
}

async function clientConfig(ctx: StartContext, brokers: string[]): Promise<KafkaConfig> {
  const spec = ctx.spec;
  const cfg: KafkaConfig = { clientId: `weir-${ctx.name}`, brokers, logCreator: kafkaLogger(ctx.log), logLevel: logLevel.WARN };
  const tls = spec.tls as TlsSpec | undefined;
  if (tls !== undefined) {
    const read = async (r?: SecretRef): Promise<string | undefined> => (r !== undefined ? ctx.secrets.get(r) : undefined);
    cfg.ssl = {
      rejectUnauthorized: tls.insecureSkipVerify !== true,
      ...(tls.caCertSecret !== undefined ? { ca: [(await read(tls.caCertSecret)) ?? ''] } : {}),
      ...(tls.clientCertSecret !== undefined ? { cert: await read(tls.clientCertSecret) } : {}),
      ...(tls.clientKeySecret !== undefined ? { key: await read(tls.clientKeySecret) } : {}),
    };
  }
  const sasl = spec.sasl as SaslSpec | undefined;
  if (sasl !== undefined) {
    const mechanism = (sasl.mechanism ?? 'PLAIN').toUpperCase();
    const username = sasl.userSecret !== undefined ? ((await ctx.secrets.get(sasl.userSecret)) ?? '') : '';
    const password = sasl.passwordSecret !== undefined ? ((await ctx.secrets.get(sasl.passwordSecret)) ?? '') : '';
    const byName: Record<string, SASLOptions> = {
      PLAIN: { mechanism: 'plain', username, password },
      'SCRAM-SHA-256': { mechanism: 'scram-sha-256', username, password },
      'SCRAM-SHA-512': { mechanism: 'scram-sha-512', username, password },
    };
    if (!Object.hasOwn(byName, mechanism))
      throw new WeirError('INVALID_SPEC', `SASL mechanism ${mechanism} is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`);
    cfg.sasl = byName[mechanism];
  }
  const backoff = spec.connectionBackoff as { duration?: unknown; steps?: unknown; factor?: unknown } | undefined;
  if (backoff !== undefined) {
    const d = backoff.duration;
    const initial = typeof d === 'number' ? d / 1e6 : typeof d === 'string' ? parseGoDuration(d) : undefined;
    cfg.retry = {
      ...(initial !== undefined ? { initialRetryTime: Math.max(1, initial) } : {}),
      ...(typeof backoff.steps === 'number' ? { retries: backoff.steps } : {}),
      ...(backoff.factor !== undefined && Number.isFinite(Number(backoff.factor)) ? { multiplier: Number(backoff.factor) } : {}),
    };
  }
  return cfg;
}

/** Argo's payload for one message; undefined when jsonBody is set and the value is not JSON. */
export function kafkaPayload(
  spec: Record<string, unknown>,
  topic: string,
  partition: number,
  m: KafkaMessage,
): Record<string, unknown> | undefined {
  const value = m.value ?? Buffer.alloc(0);
  let body: unknown;
  if (spec.jsonBody === true) {
    const json = value.toString('utf8');
    // Nested too deep to handle safely (the bus's stringify would overflow and the partition stall): skipped as not JSON.
    if (jsonDepthExceededAt(json) >= 0) return undefined;
    try {
      body = JSON.parse(json);
    } catch {
      return undefined;
    }
  } else body = value.toString('base64');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const one = Array.isArray(v) ? v[v.length - 1] : v;
    if (one !== undefined) headers[k] = Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
  }
  const data: Record<string, unknown> = {
    topic,
    key: m.key?.toString('utf8') ?? '',
    partition,
    body,
    timestamp: goTimeString(new Date(Number(m.timestamp))),
    headers,
  };
  const metadata = stringMap(spec.metadata);
  if (metadata !== undefined) data.metadata = metadata;
  return data;
}

async function run(ctx: StartContext): Promise<void> {
  const { spec, log, signal, clock } = ctx;
  const brokers = (text(spec.url) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const topic = text(spec.topic) ?? '';
  const group = spec.consumerGroup as GroupSpec | undefined;
  const onlyPartition = group === undefined && text(spec.partition) !== undefined ? Number(text(spec.partition)) : undefined;
  const groupId = text(group?.groupName) ?? `weir.${ctx.namespace}.${ctx.name}.${ctx.eventName}`;
  const limit = typeof spec.limitEventsPerSecond === 'number' && spec.limitEventsPerSecond > 0 ? spec.limitEventsPerSecond : 0;
  for (const unsupported of ['version', 'config', 'schemaRegistry'] as const) {
    if (spec[unsupported] !== undefined) log.warn({ field: unsupported }, `kafka: ${unsupported} is not supported by Weir and is ignored`);
  }
  const strategy = group?.rebalanceStrategy;
  if (strategy !== undefined && strategy !== 'roundrobin')
    log.info({ rebalanceStrategy: strategy }, 'kafka: using round robin partition assignment (the only one kafkajs has)');

  const kafka = new Kafka(await clientConfig(ctx, brokers));
  // Session timeout as sarama's default (10 s): a replaced member is dropped sooner than with kafkajs' 30 s. Fetches
  // wait at most 1 s for data, so a stop (which waits for the fetch in flight) is quick.
  const consumer = kafka.consumer({
    groupId,
    partitionAssigners: [PartitionAssigners.roundRobin],
    sessionTimeout: 10_000,
    maxWaitTimeInMs: 1000,
    retry: { retries: 5 },
  });
  const crashed = new Promise<never>((_resolve, reject) => {
    consumer.on(consumer.events.CRASH, (ev) => {
      const payload = ev.payload as { error: Error; restart: boolean };
      if (!payload.restart && !signal.aborted)
        reject(new WeirError('IO_ERROR', `kafka consumer crashed: ${payload.error.message}`, { cause: payload.error }));
    });
  });
  crashed.catch(() => undefined);
  const stopped = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: group?.oldest === true });
    log.info({ brokers, topic, groupId, partition: onlyPartition }, 'kafka consumer started');
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic: t, partition, message }) => {
        const next = (BigInt(message.offset) + 1n).toString();
        if (onlyPartition === undefined || partition === onlyPartition) {
          const data = kafkaPayload(spec, t, partition, message);
          const id = `${t}:${partition}:${message.offset}`;
          if (data === undefined) {
            log.warn(
              { eventId: id },
              `kafka: message body is not JSON or nests deeper than ${MAX_JSON_DEPTH} levels (jsonBody is set); skipping it`,
            );
          } else {
            try {
              await ctx.emit({ id, data, time: new Date(Number(message.timestamp)) }, { untilAcked: true });
            } catch (e) {
              if (signal.aborted || (isWeirError(e) && e.code === 'CANCELLED')) throw new WeirError('CANCELLED', 'stopping');
              throw e;
            }
          }
        }
        await consumer.commitOffsets([{ topic: t, partition, offset: next }]);
        if (limit > 0) await clock.sleep(1000 / limit, signal).catch(() => undefined);
      },
    });
    await Promise.race([stopped, crashed]);
  } finally {
    await consumer.disconnect().catch((e: unknown) => log.warn({ err: errorMessage(e) }, 'kafka: disconnect failed'));
  }
}

export function createKafkaSource(): EventSourceAdapter {
  return {
    kind: 'kafka',
    validate: (spec) => {
      const out: Finding[] = [];
      const mech = (spec.sasl as SaslSpec | undefined)?.mechanism;
      if (mech !== undefined && !['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].includes(mech.toUpperCase())) {
        out.push({
          severity: 'error',
          rule: 'kafka-sasl',
          path: ['sasl', 'mechanism'],
          message: `SASL mechanism ${mech} is not supported by Weir (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`,
        });
      }
      return out;
    },
    start: run,
  };
}
