// A reference point for `ingest-redis-stream` (its `bridgePerSec` / `vsBridge` figures, not its target): the least a
// Redis stream -> JetStream bridge written with the plain clients must do for at-least-once. Reads as the source does
// (XREADGROUP COUNT, REDIS_STREAM_READ_AHEAD reads ahead, REDIS_STREAM_MAX_BATCHES reads on their way at once), publishes
// every entry with nats.js's `js.publish` (Nats-Msg-Id set, awaiting each PubAck) to its own stream on the same
// nats-server, and XACKs a read once all its entries are acknowledged. No envelope, ids or counters.
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import { Redis } from 'ioredis';
import { REDIS_STREAM_MAX_BATCHES, REDIS_STREAM_READ_AHEAD } from '../eventsources/redis-stream.js';
import { Meter } from './ingest-broker-kit.js';
import type { Measurement } from './types.js';

type StreamReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

export interface StreamBridge {
  /** Moves `n` entries of `stream` (consumer group `group`) to JetStream; the steady rate. */
  run(o: { stream: string; group: string; n: number; readCount: number }): Promise<Measurement>;
  close(): Promise<void>;
}

export async function startStreamBridge(natsUrl: string, redisPort: number): Promise<StreamBridge> {
  const nc: NatsConnection = await connect({ servers: natsUrl });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'bench-bridge', subjects: ['bridge.>'], duplicate_window: 120_000_000_000 });
  const js: JetStreamClient = jetstream(nc);
  return {
    run: (o) => bridge(js, redisPort, o),
    close: () => nc.close(),
  };
}

async function bridge(
  js: JetStreamClient,
  port: number,
  { stream, group, n, readCount }: { stream: string; group: string; n: number; readCount: number },
): Promise<Measurement> {
  const meter = new Meter(n);
  const reader = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  const acker = reader.duplicate();
  try {
    await Promise.all([reader.connect(), acker.connect()]);
    const reads: Promise<unknown>[] = [];
    const inFlight = new Set<Promise<void>>();
    let received = 0;
    while (received < n) {
      while (reads.length < REDIS_STREAM_READ_AHEAD)
        reads.push(reader.xreadgroup('GROUP', group, 'bridge', 'COUNT', readCount, 'STREAMS', stream, '>'));
      const entries = ((await reads.shift()) as StreamReply)?.[0]?.[1] ?? [];
      if (entries.length === 0) continue;
      received += entries.length;
      const published = entries.map(([id, fields]) => {
        const values: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]] = fields[i + 1];
        return js.publish('bridge.redis.msg', JSON.stringify({ stream, message_id: id, values }), { msgID: `${stream}:${id}` });
      });
      const p: Promise<void> = Promise.all(published)
        .then(() => acker.xack(stream, group, ...entries.map(([id]) => id)))
        .then(() => meter.add(entries.length))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= REDIS_STREAM_MAX_BATCHES) await Promise.race(inFlight);
    }
    await Promise.all([...inFlight, ...reads]);
    return meter.measurement();
  } finally {
    reader.disconnect();
    acker.disconnect();
  }
}
