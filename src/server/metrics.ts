// Prometheus metrics of the server (prom-client, one Registry per server so tests can run many): API request
// durations by route pattern, workflow counts by namespace and phase (read from the store at scrape time), and the
// controller's queue depth when it exposes one.
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ResolvedServerOptions } from './options.js';

export interface ServerMetrics {
  registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
}

export function createServerMetrics(opts: ResolvedServerOptions): ServerMetrics {
  const registry = new Registry();
  const requests = new Histogram({
    name: 'weir_api_request_duration_seconds',
    help: 'Duration of API requests by method, route pattern and status code (streams: until they end).',
    labelNames: ['method', 'route', 'code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'weir_workflows',
    help: 'Workflows in the store by namespace and phase (phase "Pending" when not started yet).',
    labelNames: ['namespace', 'phase'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const counts = new Map<string, number>();
      let cont: string | undefined;
      do {
        const page = await opts.store.list('Workflow', { limit: 500, ...(cont ? { continue: cont } : {}) });
        for (const wf of page.items) {
          const phase = String((wf.status as { phase?: string } | undefined)?.phase ?? 'Pending');
          const key = `${wf.metadata.namespace ?? ''}\u0000${phase}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        cont = page.continue;
      } while (cont);
      for (const [key, n] of counts) {
        const [namespace, phase] = key.split('\u0000');
        this.set({ namespace, phase }, n);
      }
    },
  });
  const depth = opts.controller?.queueDepth?.bind(opts.controller);
  if (depth) {
    new Gauge({
      name: 'weir_controller_queue_depth',
      help: 'Workflow keys waiting for the controller.',
      registers: [registry],
      collect() {
        this.set(depth());
      },
    });
  }
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'weir_' });
  return {
    registry,
    observeRequest: (method, route, status, seconds) => requests.observe({ method, route, code: String(status) }, seconds),
  };
}
