// Redis Streams event source (ioredis), Argo's `redisStream`: reads `streams` through a consumer group and publishes
// every entry. Config keys: hostAddress, db, username, password (secret), tls, streams, maxMsgCountPerRead (default
// 10), consumerGroup (default "argo-events-cg", created at the stream's end when missing, with MKSTREAM), metadata,
// filter (host). Emits Argo's RedisStreamEventData `{stream, message_id, values, metadata}`; event id
// `<stream>:<entry id>`. An entry is XACKed only after the bus acknowledged its event; on start the consumer first
// re-reads its own pending entries (delivered before a crash, never acknowledged), then new ones, so a restart
// resumes without loss and the bus drops the replays by id. The consumer name is Argo's "argo-events-worker".
import { Redis } from 'ioredis';
import { lintKind, stringMap } from '../src/eventsource-host/adapter-kit.js';
import { emitAcked, errText } from '../src/eventsource-host/broker-kit.js';
import { redisOptions } from '../src/eventsource-host/redis-kit.js';
import type { EventSourceAdapter, StartContext } from '../src/eventsource-host/types.js';

export const REDIS_STREAM_CONSUMER = 'argo-events-worker';
type Entry = [id: string, fields: string[]];
type StreamReply = [stream: string, entries: Entry[]][] | null;

function valuesOf(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]] = fields[i + 1];
  return out;
}

async function run(ctx: StartContext): Promise<void> {
  const { spec, log, signal } = ctx;
  const streams = (Array.isArray(spec.streams) ? spec.streams : []).map(String);
  const group = typeof spec.consumerGroup === 'string' && spec.consumerGroup !== '' ? spec.consumerGroup : 'argo-events-cg';
  const count = typeof spec.maxMsgCountPerRead === 'number' && spec.maxMsgCountPerRead > 0 ? spec.maxMsgCountPerRead : 10;
  const metadata = stringMap(spec.metadata);
  const client = new Redis({ ...(await redisOptions(ctx)), maxRetriesPerRequest: 3 });
  client.on('error', (e: Error) => log.warn({ err: e.message }, 'redisStream: connection error (reconnecting)'));
  // A blocked XREADGROUP ends when the connection is closed.
  const onAbort = (): void => client.disconnect();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    for (const s of streams) {
      try {
        await client.xgroup('CREATE', s, group, '$', 'MKSTREAM');
      } catch (e) {
        if (!errText(e).startsWith('BUSYGROUP')) throw e;
      }
    }
    log.info({ streams, consumerGroup: group }, 'redisStream consumer started');
    // Per stream: "0" re-reads this consumer's pending entries until none are left, then ">" reads new ones.
    const cursor = new Map(streams.map((s) => [s, '0']));
    while (!signal.aborted) {
      const ids = streams.map((s) => cursor.get(s) ?? '>');
      const blocking = ids.every((i) => i === '>');
      let reply: StreamReply;
      try {
        reply = (blocking
          ? await client.xreadgroup('GROUP', group, REDIS_STREAM_CONSUMER, 'COUNT', count, 'BLOCK', 2000, 'STREAMS', ...streams, ...ids)
          : await client.xreadgroup('GROUP', group, REDIS_STREAM_CONSUMER, 'COUNT', count, 'STREAMS', ...streams, ...ids)) as StreamReply;
      } catch (e) {
        if (signal.aborted) break;
        throw e;
      }
      for (const [stream, entries] of reply ?? []) {
        if (cursor.get(stream) !== '>' && entries.length === 0) cursor.set(stream, '>');
        // Entries of one read go to the bus together; each is acknowledged once the bus has it.
        const done = await Promise.all(entries.map(async ([id, fields]) => {
          if (fields === null) return id; // trimmed away while pending: nothing to publish
          await emitAcked(ctx, { id: `${stream}:${id}`, data: { stream, message_id: id, values: valuesOf(fields), ...(metadata !== undefined ? { metadata } : {}) } });
          return id;
        }));
        if (done.length > 0) {
          await client.xack(stream, group, ...done);
          if (cursor.get(stream) !== '>') cursor.set(stream, done[done.length - 1]);
        }
      }
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.disconnect();
  }
}

export function createRedisStreamSource(): EventSourceAdapter {
  return { kind: 'redisStream', validate: (spec) => lintKind('redisStream', spec), start: run };
}
