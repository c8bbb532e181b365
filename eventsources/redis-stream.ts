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
export const REDIS_STREAM_MAX_BATCHES = 8;
/** Non-blocking reads outstanding while the stream is behind. */
export const REDIS_STREAM_READ_AHEAD = 4;
type Entry = [id: string, fields: string[]];
type StreamReply = [stream: string, entries: Entry[]][] | null;

function valuesOf(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]] = fields[i + 1];
  return out;
}

/**
 * XACKs of entries the bus acknowledged, off the publish path: while one XACK round is on its way, the ids of
 * batches acknowledged meanwhile collect and go in the next round (one XACK per stream), so a slot for the next
 * read frees as soon as the bus acknowledged, and a burst needs fewer XACKs. A failed XACK stops the source (the
 * entries stay pending and are re-read, and dropped by the bus as duplicates, on the next start).
 */
class AckQueue {
  private readonly waiting = new Map<string, string[]>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly send: (stream: string, ids: string[]) => Promise<unknown>,
    private readonly onError: (e: unknown) => void,
  ) {}

  add(stream: string, entries: readonly Entry[]): void {
    let ids = this.waiting.get(stream);
    if (ids === undefined) this.waiting.set(stream, (ids = []));
    for (const [id] of entries) ids.push(id);
    this.running ??= this.loop();
  }

  private async loop(): Promise<void> {
    while (this.waiting.size > 0) {
      const round = [...this.waiting];
      this.waiting.clear();
      try {
        await Promise.all(round.map(([stream, ids]) => this.send(stream, ids)));
      } catch (e) {
        this.onError(e);
      }
    }
    this.running = undefined;
  }

  /** Resolves once every id added so far was sent (or failed). */
  async drain(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }
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
    // REDIS_STREAM_MAX_BATCHES reads are on their way to the bus at once; XACKs go over a second connection, since a blocked
    // XREADGROUP holds the first.
    const cursor = new Map(streams.map((s) => [s, '0']));
    const inFlight = new Set<Promise<void>>();
    let failed: unknown;
    const acks = new AckQueue(
      (stream, ids) => acker.xack(stream, group, ...ids),
      (e) => (failed ??= e),
    );
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
      if (entries.length > 0) acks.add(stream, entries);
    };
    // Reads of new entries: while the stream is behind (a read came back full), up to REDIS_STREAM_READ_AHEAD non-blocking reads
    // are outstanding on the connection (Redis answers them in order, each with the next entries), so the read
    // round trips overlap instead of adding up; once caught up (a read came back short), one blocking read waits.
    type Read = { reply: StreamReply } | { error: unknown };
    const reads: Promise<Read>[] = [];
    const newIds = streams.map(() => '>');
    const readNew = (block: boolean): void => {
      const read = block
        ? client.xreadgroup('GROUP', group, REDIS_STREAM_CONSUMER, 'COUNT', count, 'BLOCK', 2000, 'STREAMS', ...streams, ...newIds)
        : client.xreadgroup('GROUP', group, REDIS_STREAM_CONSUMER, 'COUNT', count, 'STREAMS', ...streams, ...newIds);
      reads.push(
        read.then(
          (reply): Read => ({ reply: reply as StreamReply }),
          (error: unknown): Read => ({ error }),
        ),
      );
    };
    try {
      while (!signal.aborted && failed === undefined) {
        const ids = streams.map((s) => cursor.get(s) ?? '>');
        const pendingPhase = ids.some((i) => i !== '>');
        let reply: StreamReply;
        if (pendingPhase) {
          try {
            reply = (await client.xreadgroup(
              'GROUP',
              group,
              REDIS_STREAM_CONSUMER,
              'COUNT',
              count,
              'STREAMS',
              ...streams,
              ...ids,
            )) as StreamReply;
          } catch (e) {
            if (signal.aborted) break;
            throw e;
          }
        } else {
          if (reads.length === 0) readNew(true);
          const r = await reads.shift()!;
          if ('error' in r) {
            if (signal.aborted) break;
            throw r.error;
          }
          reply = r.reply;
          if ((reply ?? []).some(([, entries]) => entries.length >= count)) while (reads.length < REDIS_STREAM_READ_AHEAD) readNew(false);
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
          if (inFlight.size >= REDIS_STREAM_MAX_BATCHES) await Promise.race(inFlight);
        }
      }
    } finally {
      // Reads still outstanding hold entries delivered to this consumer: they stay pending and are re-read (and
      // published) by the next start's pending phase.
      await Promise.allSettled([...inFlight, ...reads]);
      await acks.drain();
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
