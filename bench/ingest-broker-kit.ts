// Measuring for the broker ingest benchmarks (bench/ingest-brokers.ts), the same way on both sides: a Meter counts
// messages as they are done (subject: acknowledged by the bus, seen in the bus's publish result; baseline: acknowledged
// to the broker) and stops its clock at the N-th, with no polling. The rate is the steady one, from the first done
// batch to the N-th message; what came before (connecting, declaring, the first read) is `startupMs`. `cpuUsPerMsg` is
// this process's CPU over the same window per message (the brokers' and nats-server's CPU are not in it).
import { randomUUID } from 'node:crypto';
import type { BatchPublishResult, EventBus } from '../src/bus/types.js';
import type { EventSourceAdapter } from '../src/api/eventsource-adapter.js';
import { runAdapter } from '../test/eventsources/kit.js';
import type { Measurement } from './types.js';

/** Messages per run: WEIR_BENCH_BROKER_MESSAGES, else the benchmark's own default (a run should last about a second). */
export const messagesPerRun = (fallback: number): number => Number(process.env.WEIR_BENCH_BROKER_MESSAGES ?? fallback);

export class Meter {
  private readonly t0 = performance.now();
  private done = 0;
  private first = 0;
  private tFirst = 0;
  private tEnd = 0;
  private cpuFirst: NodeJS.CpuUsage | undefined;
  private cpu: NodeJS.CpuUsage | undefined;
  private resolve!: () => void;
  /** Resolves when the N-th message is done. */
  readonly finished = new Promise<void>((r) => (this.resolve = r));

  /** `n`: the messages of the run (N). */
  constructor(private readonly n: number) {}

  /** `k` more messages are done. */
  add(k: number): void {
    if (k <= 0 || this.tEnd > 0) return;
    this.done += k;
    if (this.first === 0) {
      this.first = this.done;
      this.tFirst = performance.now();
      this.cpuFirst = process.cpuUsage();
    }
    if (this.done >= this.n) {
      this.tEnd = performance.now();
      this.cpu = process.cpuUsage(this.cpuFirst);
      this.resolve();
    }
  }

  measurement(): Measurement {
    const ms = Math.max(1, this.tEnd - this.tFirst);
    const n = Math.max(1, this.n - this.first);
    const cpuUs = this.cpu === undefined ? NaN : this.cpu.user + this.cpu.system;
    return {
      value: (n * 1000) / ms,
      figures: { ms: Math.round(ms), startupMs: Math.round(this.tFirst - this.t0), cpuUsPerMsg: Math.round((cpuUs / n) * 10) / 10 },
    };
  }
}

/** Prints one run's figures to stderr (the runner's table keeps only medians): `  <bench> <side> 12,345/s k=v ...`. */
export function printRun(bench: string, side: string, m: Measurement): Measurement {
  const figures = Object.entries(m.figures ?? {}).map(([k, v]) => `${k}=${v}`);
  process.stderr.write(`  ${bench} ${side} ${Math.round(m.value).toLocaleString('en-US')}/s ${figures.join(' ')}\n`);
  return m;
}

/** The bus with every acknowledged (new, not duplicate) event counted on `meter` as its result arrives. */
function meteredBus(bus: EventBus, meter: Meter): EventBus {
  const count = (rs: readonly BatchPublishResult[]): number => {
    let k = 0;
    for (const r of rs) if (r.ok && !r.ack.duplicate) k++;
    return k;
  };
  const publishBatch = bus.publishBatch?.bind(bus);
  return {
    name: bus.name,
    state: () => bus.state(),
    publish: async (e, o) => {
      const ack = await bus.publish(e, o);
      if (!ack.duplicate) meter.add(1);
      return ack;
    },
    ...(publishBatch !== undefined
      ? {
          publishBatch: async (events, o) => {
            const rs = await publishBatch(events, o);
            meter.add(count(rs));
            return rs;
          },
        }
      : {}),
    consume: (o) => bus.consume(o),
    kv: (b) => bus.kv(b),
    close: () => bus.close(),
  };
}

/** Runs the event source (the host's real emitter) until the bus acknowledged `n` events; the steady rate. */
export async function drain(bus: EventBus, adapter: EventSourceAdapter, spec: Record<string, unknown>, n: number): Promise<Measurement> {
  const meter = new Meter(n);
  // The source's log records are kept as the server keeps them (a ring of about 1,000), not all of them.
  const r = runAdapter({
    adapter,
    spec,
    bus: meteredBus(bus, meter),
    name: `bench-${randomUUID().slice(0, 6)}`,
    eventName: 'msg',
    maxLogRecords: 1000,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      meter.finished,
      r.done.then(() => {
        throw new Error(`event source ended before ${n} events: ${String(r.error())}`);
      }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out waiting for ${n} events`)), 600_000);
      }),
    ]);
    return meter.measurement();
  } finally {
    clearTimeout(timer);
    await r.stop();
  }
}
