// Benchmark `bus-publish`: acknowledged publish rate of the JetStream EventBus from one process — 2,000 CloudEvents
// (small JSON payloads) published with 50 in flight, each awaited for its stream ack (Nats-Msg-Id de-dup on).
// Baseline: the raw nats.js client doing the same (js.publish with msgID, same payload, same concurrency) into a
// plain stream on the same server, i.e. what any JetStream publisher must pay. Target: at most 1.5x the baseline.
// Also reported: events/s for both and for the embedded (SQLite, synchronous FULL) bus. Needs nats-server on PATH.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import { createEmbeddedBus } from '../src/bus/embedded-bus.js';
import { createJetStreamBus } from '../src/bus/jetstream-bus.js';
import type { EventBus } from '../src/bus/types.js';
import { makeCloudEvent } from '../src/core/cloudevent.js';
import type { CloudEvent } from '../src/core/cloudevent.js';
import { startNatsServer } from '../test/helpers/nats-server.js';
import type { NatsServer } from '../test/helpers/nats-server.js';
import type { Benchmark } from './types.js';

const COUNT = Number(process.env.WEIR_BENCH_BUS_COUNT ?? 2000);
const IN_FLIGHT = 50;

interface State {
  server: NatsServer;
  bus: EventBus;
  nc: NatsConnection;
  js: JetStreamClient;
  dir: string;
  runs: number[];
  base: number[];
  embeddedMs: number;
}

const newEvent = (i: number): CloudEvent =>
  makeCloudEvent({
    id: randomUUID(),
    source: 'bench-source',
    subject: 'bench-event',
    type: 'webhook',
    time: new Date().toISOString(),
    data: { i, body: { repo: 'weir', ref: 'refs/heads/main', sha: randomUUID() } },
  });

/** Runs `COUNT` calls of `one` with IN_FLIGHT at a time; returns elapsed ms. */
async function pump(one: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < COUNT) await one(next++);
    }),
  );
  return performance.now() - t0;
}

export const busPublishBenchmark: Benchmark = {
  name: 'bus-publish',
  description: `${COUNT} acknowledged JetStream publishes through the EventBus (${IN_FLIGHT} in flight) vs the raw nats.js client`,
  unit: 'ms',
  target: { kind: 'ratio-max', max: 1.5 },
  async setup(): Promise<State> {
    const server = await startNatsServer();
    const bus = await createJetStreamBus({ url: server.url, name: 'bench' });
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'raw-bench', subjects: ['raw.>'], duplicate_window: 120_000_000_000 });
    const dir = mkdtempSync(join(tmpdir(), 'weir-bench-bus-'));
    const embedded = createEmbeddedBus({ dataDir: dir });
    const embeddedMs = await pump((i) => embedded.publish(newEvent(i)));
    await embedded.close();
    return { server, bus, nc, js: jetstream(nc), dir, runs: [], base: [], embeddedMs };
  },
  async baseline(state): Promise<number> {
    const s = state as State;
    const ms = await pump((i) => {
      const e = newEvent(i);
      return s.js.publish('raw.bench-source.bench-event', JSON.stringify(e), { msgID: e.id });
    });
    s.base.push(ms);
    return ms;
  },
  async run(state): Promise<number> {
    const s = state as State;
    const ms = await pump((i) => s.bus.publish(newEvent(i)));
    s.runs.push(ms);
    return ms;
  },
  async teardown(state): Promise<void> {
    const s = state as State;
    await s.bus.close();
    await s.nc.close();
    await s.server.close();
    rmSync(s.dir, { recursive: true, force: true });
  },
  extra(state): Record<string, unknown> {
    const s = state as State;
    const rate = (xs: number[]): number | undefined => (xs.length > 0 ? Math.round(COUNT / (Math.min(...xs) / 1000)) : undefined);
    return {
      events: COUNT,
      inFlight: IN_FLIGHT,
      busEventsPerSec: rate(s.runs),
      rawEventsPerSec: rate(s.base),
      embeddedEventsPerSec: Math.round(COUNT / (s.embeddedMs / 1000)),
    };
  },
};
