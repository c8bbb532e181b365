// Benchmark `ingest`: webhook POSTs accepted per second by `weir server` (2xx = the event is durably on the
// JetStream bus), 50 keep-alive connections (autocannon) for WEIR_BENCH_SECONDS (default 5) per run, p50/p99 latency.
// Baseline, same run, same nats-server: a bare node:http server doing one acknowledged JetStream publish per request
// (bench/ingest-baseline-proc.ts). Both servers run in child processes; the load generator runs here. Target: >= 0.8.
import { join } from 'node:path';
import { freePort, startNatsServer } from '../test/helpers/nats-server.js';
import type { NatsServer } from '../test/helpers/nats-server.js';
import { cannon } from './http-load.js';
import { startChild, startWeirServer, untilServing } from './server-kit.js';
import type { Child, WeirServer } from './server-kit.js';
import type { Benchmark, Measurement } from './types.js';

const CONNECTIONS = 50;
export const SECONDS = Number(process.env.WEIR_BENCH_SECONDS ?? 5);
const BODY = JSON.stringify({
  id: 'order-1',
  amount: 42,
  customer: 'c-17',
  items: [
    { sku: 'A-1', qty: 2 },
    { sku: 'B-7', qty: 1 },
  ],
});

interface State {
  nats: NatsServer;
  weir: WeirServer;
  baseline: Child;
  hookUrl: string;
  baseUrl: string;
}

export const webhookSource = (port: number): string => `apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: shop
spec:
  webhook:
    orders:
      port: "${port}"
      endpoint: /orders
      method: POST
`;

export const ingestBenchmark: Benchmark = {
  name: 'ingest',
  description: `webhook POSTs accepted/s by weir server on a NATS JetStream bus (${CONNECTIONS} keep-alive connections, ${SECONDS} s)`,
  baselineDescription: 'bare node:http server, one acknowledged JetStream publish per request, same nats-server',
  unit: 'per-s',
  target: { kind: 'ratio-min', min: 0.8 },
  async setup(): Promise<State> {
    const nats = await startNatsServer();
    const port = await freePort();
    const weir = await startWeirServer({ name: 'ingest', busUrl: nats.url, manifests: [webhookSource(port)] });
    const hookUrl = `http://127.0.0.1:${port}/orders`;
    await untilServing(hookUrl);
    const baseline = await startChild({
      script: './ingest-baseline-proc.js',
      args: [nats.url],
      profileName: 'ingest-baseline',
      logFile: join(weir.dir, 'baseline.log'),
      readyPrefix: 'READY ',
    });
    await cannon({ url: baseline.ready, connections: CONNECTIONS, durationSec: 1, body: BODY });
    return { nats, weir, baseline, hookUrl, baseUrl: baseline.ready };
  },
  baseline: (s) => cannon({ url: (s as State).baseUrl, connections: CONNECTIONS, durationSec: SECONDS, body: BODY }),
  async run(s): Promise<Measurement> {
    const st = s as State;
    const m = await cannon({ url: st.hookUrl, connections: CONNECTIONS, durationSec: SECONDS, body: BODY });
    if ((m.figures?.non2xx ?? 0) > 0)
      process.stderr.write(`  ingest: ${m.figures?.non2xx} non-2xx answers: ${st.weir.logTail().slice(-500)}\n`);
    return m;
  },
  async teardown(s): Promise<void> {
    const st = s as State;
    await st.baseline.stop();
    await st.weir.stop();
    await st.nats.close();
  },
};
