// Redis Streams event source (ioredis), Argo's `redisStream`: reads `streams` through a consumer group and publishes
// every entry. Config keys: hostAddress, db, username, password (secret), tls, streams, maxMsgCountPerRead (default
// 10), consumerGroup (default "argo-events-cg", created at the stream's end when missing, with MKSTREAM), metadata,
// filter (host). Each read is published as one bus batch. Emits Argo's RedisStreamEventData `{stream, message_id, values, metadata}`; event id
// `<stream>:<entry id>`. An entry is XACKed only after the bus acknowledged its event; on start the consumer first
// re-reads its own pending entries (delivered before a crash, never acknowledged), then new ones, so a restart
// resumes without loss and the bus drops the replays by id. The consumer name is Argo's "argo-events-worker".
import { Redis } from 'ioredis';
import { stringMap } from '../src/core/adapter-kit.js';
import { emitAckedBatch } from './common/broker-kit.js';
import { redisOptions } from './common/redis-kit.js';
import type { EventSourceAdapter, StartContext } from '../src/api/eventsource-adapter.js';
import { errorMessage } from '../src/core/errors.js';

export const REDIS_STREAM_CONSUMER = 'argo-events-worker';
/** Reads of new entries on their way to the bus at once. */
const MAX_BATCHES = 4;
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
  const acker = client.duplicate();
  client.on('error', (e: Error) => log.warn({ err: e.message }, 'redisStream: connection error (reconnecting)'));
  acker.on('error', (e: Error) => log.warn({ err: e.message }, 'redisStream: connection error (reconnecting)'));
  // A blocked XREADGROUP ends when the connection is closed.
  const onAbort = (): void => client.disconnect();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all([client.connect(), acker.connect()]);
    for (const s of streams) {
      try {
        await client.xgroup('CREATE', s, group, '$', 'MKSTREAM');
      } catch (e) {
        if (!errorMessage(e).startsWith('BUSYGROUP')) throw e;
      }
    }
    log.info({ streams, consumerGroup: group }, 'redisStream consumer started');
    // Per stream: "0" re-reads this consumer's pending entries until none are left, then ">" reads new ones. Up to
    // MAX_BATCHES reads are on their way to the bus at once; XACKs go over a second connection, since a blocked
    // XREADGROUP holds the first.
    const cursor = new Map(streams.map((s) => [s, '0']));
    const inFlight = new Set<Promise<void>>();
    let failed: unknown;
    const publish = async (stream: string, entries: Entry[]): Promise<void> => {
      // One bus batch per read; entries trimmed away while pending (fields null) have nothing to publish.
      const live = entries.filter(([, fields]) => fields !== null);
      await emitAckedBatch(
        ctx,
        live.map(([id, fields]) => ({
          id: `${stream}:${id}`,
          data: { stream, message_id: id, values: valuesOf(fields), ...(metadata !== undefined ? { metadata } : {}) },
        })),
      );
      if (entries.length > 0) await acker.xack(stream, group, ...entries.map(([id]) => id));
    };
    try {
      while (!signal.aborted && failed === undefined) {
        const ids = streams.map((s) => cursor.get(s) ?? '>');
        const pendingPhase = ids.some((i) => i !== '>');
        let reply: StreamReply;
        try {
          reply = (
            pendingPhase
              ? await client.xreadgroup('GROUP', group, REDIS_STREAM_CONSUMER, 'COUNT', count, 'STREAMS', ...streams, ...ids)
              : await client.xreadgroup('GROUP', group, REDIS_STREAM_CONSUMER, 'COUNT', count, 'BLOCK', 2000, 'STREAMS', ...streams, ...ids)
          ) as StreamReply;
        } catch (e) {
          if (signal.aborted) break;
          throw e;
        }
        for (const [stream, entries] of reply ?? []) {
          if (cursor.get(stream) !== '>') {
            // Pending entries are re-read in order, one read at a time, so the cursor can move past them.
            if (entries.length === 0) cursor.set(stream, '>');
            else {
              await publish(stream, entries);
              cursor.set(stream, entries[entries.length - 1][0]);
            }
            continue;
          }
          if (entries.length === 0) continue;
          const p = publish(stream, entries)
            .catch((e: unknown) => {
              failed ??= e;
            })
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
          if (inFlight.size >= MAX_BATCHES) await Promise.race(inFlight);
        }
      }
    } finally {
      await Promise.allSettled([...inFlight]);
    }
    if (failed !== undefined && !signal.aborted) throw failed instanceof Error ? failed : new Error(errorMessage(failed));
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.disconnect();
    acker.disconnect();
  }
}

export function createRedisStreamSource(): EventSourceAdapter {
  return { kind: 'redisStream', start: run };
}
