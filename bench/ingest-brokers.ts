// Benchmarks `ingest-amqp` and `ingest-redis-stream`: messages -> events acknowledged on the bus per second. Per run
// N messages are queued first (untimed), then the event source (the host's real emitter, a NATS JetStream bus)
// drains them. Baseline, same run, same broker: the raw client (amqplib / ioredis) consuming the same number of
// messages the way the source does (prefetch 1,024 and the source's in-order `multiple` acks / XREADGROUP COUNT 100
// with the source's read-ahead, XACK per read on a second connection), turning each into an object and acknowledging
// it, without a bus. Both sides are measured by
// bench/ingest-broker-kit.ts (steady rate from the first done batch to the N-th message, no polling), both warmed up
// once. Brokers are own instances on free ports (test/helpers/brokers.ts). Target: ratio >= 0.5. ingest-redis-stream
// also measures, after each baseline, a plain-client bridge to JetStream (bench/ingest-stream-bridge.ts): its rate is
// the baseline's figure `bridgePerSec`, and the subject's figure `vsBridge` is subject / bridge of the same round
// (above 1: Weir is faster than the plain bridge). `ingest-redis-stream-embedded` is the same with the embedded SQLite
// bus (Weir's default mode, synchronous FULL, in a temp dir) instead of JetStream, against the same raw baseline;
// `ingest-amqp-embedded` likewise for ingest-amqp.
// nats-server: WEIR_BENCH_NATS_SERVER, else the cached newer build (scripts/nats-env.sh build), else PATH's.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { Redis } from 'ioredis';
import { AMQP_PREFETCH, AckWindow, createAmqpSource } from '../eventsources/amqp.js';
import { REDIS_STREAM_READ_AHEAD, createRedisStreamSource } from '../eventsources/redis-stream.js';
import { createEmbeddedBus } from '../src/bus/embedded-bus.js';
import { createJetStreamBus } from '../src/bus/jetstream-bus.js';
import type { EventBus } from '../src/bus/types.js';
import { startRabbitMq, startRedis } from '../test/helpers/brokers.js';
import type { Broker } from '../test/helpers/brokers.js';
import { natsServerVersion, newerNatsServerBinary, startNatsServer } from '../test/helpers/nats-server.js';
import type { NatsServer } from '../test/helpers/nats-server.js';
import { Meter, drain, messagesPerRun, printRun } from './ingest-broker-kit.js';
import { startStreamBridge } from './ingest-stream-bridge.js';
import type { StreamBridge } from './ingest-stream-bridge.js';
import type { Benchmark, Measurement } from './types.js';

const BODY = JSON.stringify({ id: 'order-1', amount: 42, customer: 'c-17', items: [{ sku: 'A-1', qty: 2 }] });
const READ_COUNT = 100;
/** Messages per run: about a second each on the 2-core machine (the raw redis consumer reads ~20,000-80,000/s). */
const AMQP_N = messagesPerRun(20_000);
const STREAM_N = messagesPerRun(20_000);
/** The 2-core machine is noisy: more runs steady the median. */
const RUNS = 5;

interface State {
  nats?: NatsServer;
  /** The embedded bus's data dir (removed in teardown). */
  busDir?: string;
  bus: EventBus;
  broker: Broker;
  amqp?: ChannelModel;
  redis?: Redis;
  bridge?: StreamBridge;
  /** The bridge's rate in the latest baseline round (for the subject's `vsBridge`). */
  bridgePerSec?: number;
}

/**
 * nats-server for the bus: WEIR_BENCH_NATS_SERVER, else the newer one scripts/nats-env.sh built (cached), else the
 * one on PATH; its version and whether the bus publishes fast-ingest batches are printed.
 */
async function common(broker: Broker): Promise<Pick<State, 'nats' | 'bus' | 'broker'>> {
  const binary = process.env.WEIR_BENCH_NATS_SERVER ?? newerNatsServerBinary();
  const nats = await startNatsServer(binary !== undefined ? { binary } : {});
  const bus = await createJetStreamBus({ url: nats.url, name: `bench-${randomUUID().slice(0, 6)}` });
  process.stderr.write(
    `  nats-server ${await natsServerVersion(nats)} (${binary ?? 'nats-server on PATH'}), fast ingest ${bus.fastIngest()}\n`,
  );
  return { nats, bus, broker };
}

async function embedded(broker: Broker): Promise<Pick<State, 'busDir' | 'bus' | 'broker'>> {
  const busDir = await mkdtemp(join(tmpdir(), 'weir-bench-bus-'));
  return { busDir, bus: createEmbeddedBus({ dataDir: busDir }), broker };
}

async function teardown(s: unknown): Promise<void> {
  const st = s as State;
  await st.amqp?.close().catch(() => undefined);
  await st.bridge?.close().catch(() => undefined);
  st.redis?.disconnect();
  await st.bus.close();
  await st.nats?.close();
  await st.broker.close();
  if (st.busDir !== undefined) await rm(st.busDir, { recursive: true, force: true });
}

/** Fills a fresh durable queue bound to the `bench` exchange with AMQP_N messages; returns its name. */
async function fillQueue(conn: ChannelModel): Promise<string> {
  const ch = await conn.createConfirmChannel();
  const queue = `bench-${randomUUID().slice(0, 8)}`;
  await ch.assertExchange('bench', 'direct', { durable: true });
  await ch.assertQueue(queue, { durable: true, exclusive: false, autoDelete: false });
  await ch.bindQueue(queue, 'bench', queue);
  for (let i = 0; i < AMQP_N; i++)
    ch.publish('bench', queue, Buffer.from(BODY), { contentType: 'application/json', messageId: `${queue}-${i}` });
  await ch.waitForConfirms();
  await ch.close();
  return queue;
}

/**
 * The raw consumer, acking the way the source does: prefetch AMQP_PREFETCH, each body parsed, the message done at once
 * and acknowledged through the source's AckWindow (in delivery order, one `multiple` ack per tick); a message counts
 * once its ack is sent.
 */
async function rawAmqpConsume(url: string, queue: string): Promise<Measurement> {
  const meter = new Meter(AMQP_N);
  const conn = await connect(url);
  const ac = new AbortController();
  try {
    const ch = await conn.createChannel();
    await ch.prefetch(AMQP_PREFETCH);
    let acked = 0;
    const acks = new AckWindow((last) => {
      ch.ack(last, true);
      meter.add(last.fields.deliveryTag - acked);
      acked = last.fields.deliveryTag;
    }, ac.signal);
    await ch.consume(
      queue,
      (m) => {
        if (m === null) return;
        acks.delivered(m);
        JSON.parse(m.content.toString('utf8'));
        acks.complete(m);
      },
      { noAck: false },
    );
    await meter.finished;
    return meter.measurement();
  } finally {
    ac.abort();
    await conn.close();
  }
}

function amqpBenchmark(onEmbeddedBus: boolean): Benchmark {
  const name = onEmbeddedBus ? 'ingest-amqp-embedded' : 'ingest-amqp';
  return {
    name,
    description: `amqp event source: ${AMQP_N} queued RabbitMQ messages -> events acknowledged on ${onEmbeddedBus ? 'the embedded SQLite bus' : 'a NATS JetStream bus'}, per second`,
    baselineDescription: `amqplib consuming and acking the same ${AMQP_N} messages (prefetch ${AMQP_PREFETCH}), no bus, same RabbitMQ`,
    unit: 'per-s',
    target: { kind: 'ratio-min', min: 0.5 },
    runs: RUNS,
    async setup(): Promise<State> {
      const broker = await startRabbitMq();
      const st: State = onEmbeddedBus ? await embedded(broker) : { ...(await common(broker)) };
      st.amqp = await connect(broker.url);
      await rawAmqpConsume(broker.url, await fillQueue(st.amqp)); // warm-up
      return st;
    },
    async baseline(s): Promise<Measurement> {
      const st = s as State;
      return printRun(name, 'baseline', await rawAmqpConsume(st.broker.url, await fillQueue(st.amqp!)));
    },
    async run(s): Promise<Measurement> {
      const st = s as State;
      const queue = await fillQueue(st.amqp!);
      const m = await drain(
        st.bus,
        createAmqpSource(),
        {
          url: st.broker.url,
          exchangeName: 'bench',
          exchangeType: 'direct',
          routingKey: queue,
          jsonBody: true,
          queueDeclare: { name: queue, durable: true, exclusive: false },
        },
        AMQP_N,
      );
      return printRun(name, 'subject', m);
    },
    teardown,
  };
}

export const ingestAmqpBenchmark = amqpBenchmark(false);
export const ingestAmqpEmbeddedBenchmark = amqpBenchmark(true);

async function fillStream(r: Redis): Promise<{ stream: string; group: string }> {
  const stream = `bench-${randomUUID().slice(0, 8)}`;
  const group = 'bench';
  await r.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
  for (let i = 0; i < STREAM_N; i += 500) {
    const p = r.pipeline();
    for (let k = i; k < Math.min(STREAM_N, i + 500); k++) p.xadd(stream, '*', 'id', `o-${k}`, 'body', BODY);
    await p.exec();
  }
  return { stream, group };
}

type StreamReply = [stream: string, entries: [id: string, fields: string[]][]][] | null;

/**
 * The raw consumer, reading the way the source does: XREADGROUP COUNT READ_COUNT with REDIS_STREAM_READ_AHEAD reads
 * outstanding on one connection (the stream is full), each entry's fields turned into an object, one XACK per read on
 * a second connection as soon as the read is in; a message is done when its XACK is answered.
 */
async function rawStreamConsume(port: number, { stream, group }: { stream: string; group: string }): Promise<Measurement> {
  const meter = new Meter(STREAM_N);
  const reader = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  const acker = reader.duplicate();
  try {
    await Promise.all([reader.connect(), acker.connect()]);
    const reads: Promise<unknown>[] = [];
    const acks: Promise<void>[] = [];
    let received = 0;
    let fieldCount = 0;
    while (received < STREAM_N) {
      while (reads.length < REDIS_STREAM_READ_AHEAD)
        reads.push(reader.xreadgroup('GROUP', group, 'raw', 'COUNT', READ_COUNT, 'STREAMS', stream, '>'));
      const entries = ((await reads.shift()) as StreamReply)?.[0]?.[1] ?? [];
      if (entries.length === 0) continue;
      received += entries.length;
      const ids: string[] = [];
      for (const [id, fields] of entries) {
        const values: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) values[fields[i]] = fields[i + 1];
        fieldCount += Object.keys(values).length;
        ids.push(id);
      }
      acks.push(acker.xack(stream, group, ...ids).then(() => meter.add(ids.length)));
    }
    await Promise.all([...acks, ...reads]);
    if (fieldCount !== 2 * STREAM_N) throw new Error(`raw consumer saw ${fieldCount} fields, expected ${2 * STREAM_N}`);
    return meter.measurement();
  } finally {
    reader.disconnect();
    acker.disconnect();
  }
}

function redisStreamBenchmark(onEmbeddedBus: boolean): Benchmark {
  const name = onEmbeddedBus ? 'ingest-redis-stream-embedded' : 'ingest-redis-stream';
  return {
    name,
    description: `redisStream event source: ${STREAM_N} stream entries -> events acknowledged on ${onEmbeddedBus ? 'the embedded SQLite bus' : 'a NATS JetStream bus'}, per second (maxMsgCountPerRead ${READ_COUNT})`,
    baselineDescription: `ioredis XREADGROUP COUNT ${READ_COUNT} (${REDIS_STREAM_READ_AHEAD} reads ahead) + XACK per read on a second connection over the same ${STREAM_N} entries, no bus, same redis-server`,
    unit: 'per-s',
    target: { kind: 'ratio-min', min: 0.5 },
    runs: RUNS,
    async setup(): Promise<State> {
      const broker = await startRedis();
      const st: State = onEmbeddedBus ? await embedded(broker) : { ...(await common(broker)) };
      st.redis = new Redis({ host: '127.0.0.1', port: broker.port });
      if (st.nats !== undefined) st.bridge = await startStreamBridge(st.nats.url, broker.port);
      // Warm-up of both references (the runner warms the subject up).
      await rawStreamConsume(broker.port, await fillStream(st.redis));
      await st.bridge?.run({ ...(await fillStream(st.redis)), n: STREAM_N, readCount: READ_COUNT });
      return st;
    },
    async baseline(s): Promise<Measurement> {
      const st = s as State;
      const m = await rawStreamConsume(st.broker.port, await fillStream(st.redis!));
      if (st.bridge === undefined) return printRun(name, 'baseline', m);
      const bridged = await st.bridge.run({ ...(await fillStream(st.redis!)), n: STREAM_N, readCount: READ_COUNT });
      st.bridgePerSec = bridged.value;
      return printRun(name, 'baseline', { value: m.value, figures: { ...m.figures, bridgePerSec: Math.round(bridged.value) } });
    },
    async run(s): Promise<Measurement> {
      const st = s as State;
      const { stream, group } = await fillStream(st.redis!);
      const m = await drain(
        st.bus,
        createRedisStreamSource(),
        {
          hostAddress: `127.0.0.1:${st.broker.port}`,
          streams: [stream],
          consumerGroup: group,
          maxMsgCountPerRead: READ_COUNT,
        },
        STREAM_N,
      );
      if (st.bridgePerSec !== undefined) m.figures = { ...m.figures, vsBridge: Math.round((m.value / st.bridgePerSec) * 100) / 100 };
      return printRun(name, 'subject', m);
    },
    teardown,
  };
}

export const ingestRedisStreamBenchmark = redisStreamBenchmark(false);
export const ingestRedisStreamEmbeddedBenchmark = redisStreamBenchmark(true);
