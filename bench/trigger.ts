// Benchmark `trigger`: events -> Workflows created per second through a sensor with a data filter and two
// parameters. Each run POSTs WEIR_BENCH_TRIGGER_EVENTS (default 1000) distinct webhook events, 50 in flight, to
// `weir server` on a NATS JetStream bus; the rate is events / (first POST -> last Workflow stored), watched by polling
// the server's SQLite store read-only every 5 ms; p50/p99 are POST sent -> Workflow first seen in the store. The
// triggered Workflows are created suspended (spec.suspend) so running them does not compete with creating them.
// Baseline, same run: raw acknowledged JetStream publishes from this one Node process (50 in flight), events/s.
// Target: ratio >= 0.05 (issue: >= 1,000 workflows/s).
import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import { freePort, startNatsServer } from '../test/helpers/nats-server.js';
import type { NatsServer } from '../test/helpers/nats-server.js';
import { percentile, postAll } from './http-load.js';
import { webhookSource } from './ingest.js';
import { startWeirServer, untilServing } from './server-kit.js';
import type { WeirServer } from './server-kit.js';
import type { Benchmark, Measurement } from './types.js';

export const EVENTS = Number(process.env.WEIR_BENCH_TRIGGER_EVENTS ?? 1000);
const IN_FLIGHT = 50;
const RAW_COUNT = 5000;

const sensor = `apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: order-intake
spec:
  dependencies:
    - name: order
      eventSourceName: shop
      eventName: orders
      filters:
        data:
          - path: body.amount
            type: number
            comparator: ">"
            value: ["0"]
  triggers:
    - template:
        name: process-order
        conditions: order
        argoWorkflow:
          operation: submit
          source:
            resource:
              apiVersion: argoproj.io/v1alpha1
              kind: Workflow
              metadata:
                generateName: process-order-
              spec:
                entrypoint: handle
                suspend: true
                arguments:
                  parameters:
                    - name: order-id
                      value: unknown
                    - name: customer
                      value: unknown
                templates:
                  - name: handle
                    inputs:
                      parameters: [{ name: order-id }, { name: customer }]
                    container:
                      image: busybox:1.36
                      command: [echo, "order {{inputs.parameters.order-id}} for {{inputs.parameters.customer}}"]
          parameters:
            - src:
                dependencyName: order
                dataKey: body.id
              dest: spec.arguments.parameters.0.value
            - src:
                dependencyName: order
                dataKey: body.customer
              dest: spec.arguments.parameters.1.value
`;

interface State {
  nats: NatsServer;
  weir: WeirServer;
  hookUrl: string;
  nc: NatsConnection;
  js: JetStreamClient;
  run: number;
  lastRowId: number;
}

/** Sends EVENTS events and watches their Workflows appear; rate and POST -> stored latencies. */
async function fire(st: State): Promise<Measurement> {
  const tag = `r${st.run++}`;
  const bodies = Array.from({ length: EVENTS }, (_, i) =>
    JSON.stringify({ id: `${tag}-${i}`, amount: 10 + (i % 90), customer: `c-${i % 50}` }),
  );
  const seen = new Map<string, number>();
  const poll = st.weir
    .db()
    .prepare(
      "SELECT id, json_extract(body, '$.spec.arguments.parameters[0].value') AS v FROM objects WHERE kind = 'Workflow' AND id > ? ORDER BY id",
    );
  let done = false;
  const watcher = (async () => {
    const deadline = Date.now() + 300_000;
    while (seen.size < EVENTS && Date.now() < deadline) {
      const now = performance.now();
      for (const row of poll.all(st.lastRowId) as { id: number; v: string }[]) {
        st.lastRowId = row.id;
        if (row.v.startsWith(`${tag}-`) && !seen.has(row.v)) seen.set(row.v, now);
      }
      if (done && seen.size >= EVENTS) break;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const t0 = performance.now();
  const posted = await postAll(st.hookUrl, bodies, IN_FLIGHT);
  done = true;
  await watcher;
  const bad = posted.filter((p) => p.status !== 200).length;
  if (seen.size < EVENTS) throw new Error(`only ${seen.size} of ${EVENTS} workflows appeared (${bad} POSTs failed): ${st.weir.logTail()}`);
  const last = Math.max(...seen.values());
  const latencies = posted.map((p, i) => (seen.get(`${tag}-${i}`) ?? NaN) - p.sentAt);
  const accept = posted.map((p) => p.doneAt - p.sentAt);
  return {
    value: EVENTS / ((last - t0) / 1000),
    figures: {
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      acceptP50Ms: percentile(accept, 50),
      acceptP99Ms: percentile(accept, 99),
      postsPerSec: EVENTS / ((Math.max(...posted.map((p) => p.doneAt)) - t0) / 1000),
      failedPosts: bad,
    },
  };
}

export const triggerBenchmark: Benchmark = {
  name: 'trigger',
  description: `${EVENTS} webhook events -> Workflows/s through a sensor (data filter, 2 parameters), NATS bus; p50/p99 POST -> Workflow stored`,
  baselineDescription: `raw acknowledged JetStream publishes/s from one Node process (${IN_FLIGHT} in flight)`,
  unit: 'per-s',
  target: { kind: 'ratio-min', min: 0.05 },
  async setup(): Promise<State> {
    const nats = await startNatsServer();
    const port = await freePort();
    const weir = await startWeirServer({ name: 'trigger', busUrl: nats.url, manifests: [webhookSource(port), sensor] });
    const hookUrl = `http://127.0.0.1:${port}/orders`;
    await untilServing(hookUrl);
    const nc = await connect({ servers: nats.url });
    await (await jetstreamManager(nc)).streams.add({ name: 'trigger-baseline', subjects: ['tb.>'], duplicate_window: 120_000_000_000 });
    return { nats, weir, hookUrl, nc, js: jetstream(nc), run: 0, lastRowId: 0 };
  },
  async baseline(s): Promise<number> {
    const st = s as State;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < RAW_COUNT) {
          next++;
          await st.js.publish('tb.shop.orders', JSON.stringify({ id: randomUUID(), amount: 42, customer: 'c-1' }), { msgID: randomUUID() });
        }
      }),
    );
    return RAW_COUNT / ((performance.now() - t0) / 1000);
  },
  run: (s) => fire(s as State),
  async teardown(s): Promise<void> {
    const st = s as State;
    await st.nc.close();
    await st.weir.stop();
    await st.nats.close();
  },
};
