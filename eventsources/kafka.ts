// Kafka event source (@platformatic/kafka): consumes one topic and publishes every message.
// Config keys: url (brokers, comma separated), topic, partition (read only this partition when there is no
// consumerGroup), consumerGroup {groupName, oldest, rebalanceStrategy}, limitEventsPerSecond, jsonBody, tls
// {caCertSecret, clientCertSecret, clientKeySecret, insecureSkipVerify}, sasl {mechanism PLAIN|SCRAM-SHA-256|
// SCRAM-SHA-512, userSecret, passwordSecret}, connectionBackoff, metadata, filter (host). Not supported (warned):
// version, config, schemaRegistry, rebalanceStrategy other than round robin.
// Emits Argo's KafkaEventData `{topic, key, partition, body, timestamp, headers, metadata}`: body is the parsed JSON
// with jsonBody (invalid JSON is skipped and counted), else the bytes base64-encoded as Go marshals []byte; timestamp
// in Go's time.String() form. Event id `topic:partition:offset`. Offsets are committed only after the bus
// acknowledged (autocommit off, one commit per message), so a restart resumes at the first unpublished message.
// Without a consumerGroup the source uses its own group `weir.<namespace>.<eventSource>.<event>` (Argo reads from
// the newest offset on every start; Weir resumes where it stopped).
import { Consumer, MessagesStreamFallbackModes, MessagesStreamModes } from '@platformatic/kafka';
import type { Message, MessagesStream } from '@platformatic/kafka';
import { isWeirError, WeirError, errorMessage } from '../src/core/errors.js';
import { jsonDepthExceededAt, MAX_JSON_DEPTH } from '../src/core/json-depth.js';
import { goTimeString, stringMap, text } from '../src/core/adapter-kit.js';
import type { Finding } from '../src/api/findings.js';
import type { EventSourceAdapter, StartContext } from '../src/api/eventsource-adapter.js';
import { brokerList, capListOffsets, kafkaClientOptions, SASL_MECHANISMS } from './common/kafka-kit.js';
import type { SaslSpec } from './common/kafka-kit.js';

interface GroupSpec {
  groupName?: string;
  oldest?: boolean;
  rebalanceStrategy?: string;
}

/** The parts of a consumed message the payload is built from. */
export type KafkaMessage = Pick<Message, 'key' | 'value' | 'timestamp' | 'headers'>;

/** Argo's payload for one message; undefined when jsonBody is set and the value is not JSON. */
export function kafkaPayload(
  spec: Record<string, unknown>,
  topic: string,
  partition: number,
  m: KafkaMessage,
): Record<string, unknown> | undefined {
  const value = Buffer.isBuffer(m.value) ? m.value : Buffer.alloc(0);
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
  // A header repeated in the record: the last one wins, as in Argo's map.
  for (const [k, v] of m.headers) headers[k.toString('utf8')] = Buffer.isBuffer(v) ? v.toString('utf8') : '';
  const data: Record<string, unknown> = {
    topic,
    key: Buffer.isBuffer(m.key) ? m.key.toString('utf8') : '',
    partition,
    body,
    timestamp: goTimeString(new Date(Number(m.timestamp))),
    headers,
  };
  const metadata = stringMap(spec.metadata);
  if (metadata !== undefined) data.metadata = metadata;
  return data;
}

const CLOSE_TIMEOUT_MS = 5000;

/** Leaves the group and closes the connections, giving up after `ms` (a broker that went away must not block a stop). */
async function closeWithin(consumer: Consumer, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new WeirError('TIMEOUT', `kafka consumer did not close within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([consumer.close(true), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function run(ctx: StartContext): Promise<void> {
  const { spec, log, signal, clock } = ctx;
  const brokers = brokerList(spec.url);
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
    log.info({ rebalanceStrategy: strategy }, 'kafka: using round robin partition assignment (the only one Weir uses)');

  // Session timeout as sarama's default (10 s): a replaced member is dropped soon. Fetches wait at most 1 s for data,
  // so a stop (which waits for the fetch in flight) is quick.
  const consumer = capListOffsets(
    new Consumer({ ...(await kafkaClientOptions(ctx, `weir-${ctx.name}`)), groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 }),
  );
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  // The client reports a failed group rejoin as an 'error' event (unheard, an EventEmitter throws it): the consumer
  // is out of the group then, so the stream is ended with the error and the host starts the source again.
  consumer.on('error', (e: Error) => {
    log.warn({ err: errorMessage(e) }, 'kafka: consumer error');
    stream?.destroy(e);
  });
  consumer.on('consumer:group:join', (p: { memberId: string; generationId?: number }) =>
    log.debug({ memberId: p.memberId, generation: p.generationId }, 'kafka: joined the consumer group'),
  );
  // A stop ends the stream (the loop then ends); a commit cut short by the stop is not waited for (the client does
  // not settle it once the stream closes; the message comes again after a restart and the bus drops the repeat).
  let onAbort = (): void => undefined;
  const stopped = new Promise<void>((resolve) => {
    onAbort = () => {
      resolve();
      void stream?.close().catch(() => undefined);
    };
  });
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal.aborted) return;
    stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: group?.oldest === true ? MessagesStreamFallbackModes.EARLIEST : MessagesStreamFallbackModes.LATEST,
      autocommit: false,
      maxWaitTime: 1000,
    });
    log.info({ brokers, topic, groupId, partition: onlyPartition }, 'kafka consumer started');
    for await (const message of stream) {
      const { partition, offset } = message;
      if (onlyPartition === undefined || partition === onlyPartition) {
        const data = kafkaPayload(spec, message.topic, partition, message);
        const id = `${message.topic}:${partition}:${offset}`;
        if (data === undefined) {
          log.warn(
            { eventId: id },
            `kafka: message body is not JSON or nests deeper than ${MAX_JSON_DEPTH} levels (jsonBody is set); skipping it`,
          );
        } else {
          try {
            await ctx.emit({ id, data, time: new Date(Number(message.timestamp)) }, { untilAcked: true });
          } catch (e) {
            if (signal.aborted || (isWeirError(e) && e.code === 'CANCELLED')) return;
            throw e;
          }
        }
      }
      // Committed only now: the event is on the bus (or deliberately skipped). A failed commit ends the stream; the
      // host restarts the source, which reads the message again and the bus drops the repeat by its id.
      const commit = Promise.resolve(message.commit());
      commit.catch(() => undefined);
      await Promise.race([commit, stopped]);
      if (limit > 0) await clock.sleep(1000 / limit, signal).catch(() => undefined);
      if (signal.aborted) return;
    }
    if (!signal.aborted) throw new WeirError('IO_ERROR', 'kafka consumer stream ended');
  } catch (e) {
    if (signal.aborted) return;
    if (isWeirError(e)) throw e;
    throw new WeirError('IO_ERROR', `kafka consumer failed: ${errorMessage(e)}`, { cause: e });
  } finally {
    signal.removeEventListener('abort', onAbort);
    await closeWithin(consumer, CLOSE_TIMEOUT_MS).catch((e: unknown) => log.warn({ err: errorMessage(e) }, 'kafka: close failed'));
  }
}

export function createKafkaSource(): EventSourceAdapter {
  return {
    kind: 'kafka',
    validate: (spec) => {
      const out: Finding[] = [];
      const mech = (spec.sasl as SaslSpec | undefined)?.mechanism;
      if (mech !== undefined && !(SASL_MECHANISMS as readonly string[]).includes(mech.toUpperCase())) {
        out.push({
          severity: 'error',
          rule: 'kafka-sasl',
          path: ['sasl', 'mechanism'],
          message: `SASL mechanism ${mech} is not supported by Weir (${SASL_MECHANISMS.join(', ')})`,
        });
      }
      return out;
    },
    start: run,
  };
}
