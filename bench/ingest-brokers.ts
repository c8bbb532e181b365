// Benchmarks `ingest-amqp` and `ingest-redis-stream`: messages -> events acknowledged on the bus per second. Per run
// N messages are queued first (untimed), then the event source (the host's real emitter, a NATS JetStream bus)
// drains them. The rate is the steady one: messages from the first one on the bus (subject) / acknowledged (baseline)
// to the N-th, over that time; connecting, declaring and the first read are reported as `startupMs`, not in the rate.
// Baseline, same run, same broker: the raw client (amqplib / ioredis) consuming and acknowledging the same number of
// messages the same way (prefetch 64 / XREADGROUP COUNT 100), without a bus. Brokers are own instances on free ports (test/helpers/brokers.ts). Target:
// ratio >= 0.5.
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import type { ChannelModel } from 'amqplib';
import { Redis } from 'ioredis';
import { AMQP_PREFETCH, createAmqpSource } from '../eventsources/amqp.js';
import { createRedisStreamSource } from '../eventsources/redis-stream.js';
import { createJetStreamBus } from '../src/bus/jetstream-bus.js';
import type { EventBus } from '../src/bus/types.js';
import { startRabbitMq, startRedis } from '../test/helpers/brokers.js';
import type { Broker } from '../test/helpers/brokers.js';
import { startNatsServer } from '../test/helpers/nats-server.js';
import type { NatsServer } from '../test/helpers/nats-server.js';
import { eventually, runAdapter } from '../test/eventsources/kit.js';
import type { Benchmark, Measurement } from './types.js';

const N = Number(process.env.WEIR_BENCH_BROKER_MESSAGES ?? 5000);
const BODY = JSON.stringify({ id: 'order-1', amount: 42, customer: 'c-17', items: [{ sku: 'A-1', qty: 2 }] });
const READ_COUNT = 100;
/** Runs are about a second each and the 2-core machine is noisy: more runs steady the median. */
const RUNS = 5;

interface State {
  nats: NatsServer;
  bus: EventBus;
  broker: Broker;
  amqp?: ChannelModel;
  redis?: Redis;
}

async function common(broker: Broker): Promise<Pick<State, 'nats' | 'bus' | 'broker'>> {
  const nats = await startNatsServer();
  const bus = await createJetStreamBus({ url: nats.url, name: `bench-${randomUUID().slice(0, 6)}` });
  return { nats, bus, broker };
}

/** Steady rate between the first observation (`first` messages done at `tFirst`) and the N-th, after start `t0`. */
function rate(t0: number, tFirst: number, first: number, tEnd: number): Measurement {
  const ms = Math.max(1, tEnd - tFirst);
  return { value: ((N - first) * 1000) / ms, figures: { ms: Math.round(ms), startupMs: Math.round(tFirst - t0) } };
}

async function drain(st: State, adapter: ReturnType<typeof createAmqpSource>, spec: Record<string, unknown>): Promise<Measurement> {
  const t0 = performance.now();
  // The source's log records are kept as the server keeps them (a ring of about 1,000), not all of them.
  const r = runAdapter({ adapter, spec, bus: st.bus, name: `bench-${randomUUID().slice(0, 6)}`, eventName: 'msg', maxLogRecords: 1000 });
  try {
    // Polled every 2 ms so the reading adds little to the time (the baselines stop exactly at their last ack).
    const first = await eventually(() => r.counters.published > 0 && r.counters.published, { timeoutMs: 120_000, everyMs: 2 });
    const tFirst = performance.now();
    await eventually(() => r.counters.published >= N, { timeoutMs: 600_000, everyMs: 2, what: `${N} events` });
    return rate(t0, tFirst, first, performance.now());
  } finally {
    await r.stop();
  }
}

async function teardown(s: unknown): Promise<void> {
  const st = s as State;
  await st.amqp?.close().catch(() => undefined);
  st.redis?.disconnect();
  await st.bus.close();
  await st.nats.close();
  await st.broker.close();
}

/** Fills a fresh durable queue bound to the `bench` exchange with N messages; returns its name. */
async function fillQueue(conn: ChannelModel): Promise<string> {
  const ch = await conn.createConfirmChannel();
  const queue = `bench-${randomUUID().slice(0, 8)}`;
  await ch.assertExchange('bench', 'direct', { durable: true });
  await ch.assertQueue(queue, { durable: true, exclusive: false, autoDelete: false });
  await ch.bindQueue(queue, 'bench', queue);
  for (let i = 0; i < N; i++)
    ch.publish('bench', queue, Buffer.from(BODY), { contentType: 'application/json', messageId: `${queue}-${i}` });
  await ch.waitForConfirms();
  await ch.close();
  return queue;
}

export const ingestAmqpBenchmark: Benchmark = {
  name: 'ingest-amqp',
  description: `amqp event source: ${N} queued RabbitMQ messages -> events acknowledged on a NATS JetStream bus, per second`,
  baselineDescription: `amqplib consuming and acking the same ${N} messages (prefetch ${AMQP_PREFETCH}), no bus, same RabbitMQ`,
  unit: 'per-s',
  target: { kind: 'ratio-min', min: 0.5 },
  runs: RUNS,
  async setup(): Promise<State> {
    const broker = await startRabbitMq();
    const st: State = { ...(await common(broker)) };
    st.amqp = await connect(broker.url);
    return st;
  },
  async baseline(s): Promise<Measurement> {
    const st = s as State;
    const queue = await fillQueue(st.amqp!);
    const t0 = performance.now();
    const conn = await connect(st.broker.url);
    try {
      const ch = await conn.createChannel();
      await ch.prefetch(AMQP_PREFETCH);
      let n = 0;
      let tFirst = 0;
      await new Promise<void>((resolve) => {
        void ch.consume(
          queue,
          (m) => {
            if (m === null) return;
            JSON.parse(m.content.toString('utf8'));
            ch.ack(m);
            if (++n === 1) tFirst = performance.now();
            if (n >= N) resolve();
          },
          { noAck: false },
        );
      });
      return rate(t0, tFirst, 1, performance.now());
    } finally {
      await conn.close();
    }
  },
  async run(s): Promise<Measurement> {
    const st = s as State;
    const queue = await fillQueue(st.amqp!);
    return drain(st, createAmqpSource(), {
      url: st.broker.url,
      exchangeName: 'bench',
      exchangeType: 'direct',
      routingKey: queue,
      jsonBody: true,
      queueDeclare: { name: queue, durable: true, exclusive: false },
    });
  },
  teardown,
};

async function fillStream(r: Redis): Promise<{ stream: string; group: string }> {
  const stream = `bench-${randomUUID().slice(0, 8)}`;
  const group = 'bench';
  await r.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
  for (let i = 0; i < N; i += 500) {
    const p = r.pipeline();
    for (let k = i; k < Math.min(N, i + 500); k++) p.xadd(stream, '*', 'id', `o-${k}`, 'body', BODY);
    await p.exec();
  }
  return { stream, group };
}

export const ingestRedisStreamBenchmark: Benchmark = {
  name: 'ingest-redis-stream',
  description: `redisStream event source: ${N} stream entries -> events acknowledged on a NATS JetStream bus, per second (maxMsgCountPerRead ${READ_COUNT})`,
  baselineDescription: `ioredis XREADGROUP COUNT ${READ_COUNT} + XACK over the same ${N} entries, no bus, same redis-server`,
  unit: 'per-s',
  target: { kind: 'ratio-min', min: 0.5 },
  runs: RUNS,
  async setup(): Promise<State> {
    const broker = await startRedis();
    const st: State = { ...(await common(broker)) };
    st.redis = new Redis({ host: '127.0.0.1', port: broker.port });
    return st;
  },
  async baseline(s): Promise<Measurement> {
    const st = s as State;
    const { stream, group } = await fillStream(st.redis!);
    const t0 = performance.now();
    const c = new Redis({ host: '127.0.0.1', port: st.broker.port });
    try {
      let n = 0;
      let tFirst = 0;
      let first = 0;
      while (n < N) {
        const reply = (await c.xreadgroup('GROUP', group, 'raw', 'COUNT', READ_COUNT, 'BLOCK', 2000, 'STREAMS', stream, '>')) as
          [string, [string, string[]][]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) continue;
        await c.xack(stream, group, ...entries.map(([id]) => id));
        n += entries.length;
        if (first === 0) [first, tFirst] = [n, performance.now()];
      }
      return rate(t0, tFirst, first, performance.now());
    } finally {
      c.disconnect();
    }
  },
  async run(s): Promise<Measurement> {
    const st = s as State;
    const { stream, group } = await fillStream(st.redis!);
    return drain(st, createRedisStreamSource(), {
      hostAddress: `127.0.0.1:${st.broker.port}`,
      streams: [stream],
      consumerGroup: group,
      maxMsgCountPerRead: READ_COUNT,
    });
  },
  teardown,
};
