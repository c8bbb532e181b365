// Redis pub/sub event source (ioredis), Argo's `redis`: subscribes to `channels` and publishes every message.
// Config keys: hostAddress, db, username, password (secret), tls, channels, jsonBody, metadata, filter (host);
// namespace is accepted and unused (secrets come from the EventSource's namespace). Emits Argo's RedisEventData
// `{channel, pattern, body, metadata}`: body is the message text, or the parsed JSON with jsonBody (invalid JSON is
// skipped and counted). Pub/sub has no acknowledgement or replay: messages published while the source is not
// subscribed (server down or restarting) are lost, by Redis's design; use redisStream for durable delivery.
// Events are published one at a time in arrival order; the event id is random (a message is never redelivered).
import { Redis } from 'ioredis';
import { WeirError, errorMessage } from '../src/core/errors.js';
import { stringMap } from '../src/core/adapter-kit.js';
import { emitAcked, untilAborted } from './common/broker-kit.js';
import { redisOptions } from './common/redis-kit.js';
import type { EventSourceAdapter, StartContext } from '../src/api/eventsource-adapter.js';

async function run(ctx: StartContext): Promise<void> {
  const { spec, log, signal } = ctx;
  const channels = (Array.isArray(spec.channels) ? spec.channels : []).map(String);
  const metadata = stringMap(spec.metadata);
  const client = new Redis({ ...(await redisOptions(ctx)), maxRetriesPerRequest: 3 });
  let failure: ((e: Error) => void) | undefined;
  const failed = new Promise<never>((_res, reject) => {
    failure = reject;
  });
  failed.catch(() => undefined);
  client.on('error', (e: Error) => log.warn({ err: e.message }, 'redis: connection error (reconnecting)'));
  // Messages go to the bus one at a time, in the order they arrived.
  let chain: Promise<void> = Promise.resolve();
  client.on('message', (channel: string, message: string) => {
    if (signal.aborted) return;
    chain = chain
      .then(async () => {
        let body: unknown = message;
        if (spec.jsonBody === true) {
          try {
            body = JSON.parse(message) as unknown;
          } catch {
            log.warn({ channel }, 'redis: message is not JSON (jsonBody is set); skipping it');
            return;
          }
        }
        await emitAcked(ctx, { data: { channel, pattern: '', body, ...(metadata !== undefined ? { metadata } : {}) } });
      })
      .catch((e: unknown) => {
        if (!signal.aborted) failure?.(e instanceof Error ? e : new WeirError('INTERNAL', errorMessage(e)));
      });
  });
  try {
    await client.connect();
    await client.subscribe(...channels);
    log.info({ channels }, 'redis subscriber started');
    await Promise.race([untilAborted(signal), failed]);
  } finally {
    client.removeAllListeners('message');
    client.disconnect();
  }
}

export function createRedisSource(): EventSourceAdapter {
  return { kind: 'redis', start: run };
}
