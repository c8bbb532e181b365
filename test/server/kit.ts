// Test kit for the API server: starts createApiServer in-process on a free port with a memory store, a recording
// controller and a scriptable fake step executor (log lines pushed by the test), plus small fetch helpers.
/* eslint-disable @typescript-eslint/no-explicit-any -- untyped JSON response bodies, checked field by field */
import { createMemoryStore } from '../../src/store/memory-store.js';
import type { ResourceStore, StoredObject } from '../../src/store/types.js';
import { createApiServer } from '../../src/server/api-server.js';
import type { ApiServer } from '../../src/server/api-server.js';
import type { ApiServerOptions } from '../../src/server/options.js';
import type { LogLine, LogsOptions, StepExecutor, StepHandle } from '../../src/executor/types.js';
import { createRecordingLogger } from '../../src/core/logger.js';
import type { RecordingLogger } from '../../src/core/logger.js';
import { eventually } from '../helpers/eventually.js';
import { clockAt } from '../../src/core/clock.js';

/** A fake executor whose steps are lists of log lines the test appends to and ends. */
export class FakeSteps {
  readonly lines = new Map<string, LogLine[]>();
  readonly ended = new Set<string>();
  readonly killed: string[] = [];
  readonly cleaned: string[] = [];
  private readonly waiters = new Set<() => void>();

  push(nodeId: string, ...text: string[]): void {
    const l = this.lines.get(nodeId) ?? [];
    for (const t of text) l.push({ time: new Date(), stream: 'stdout', line: t });
    this.lines.set(nodeId, l);
    this.wake();
  }

  end(nodeId: string): void {
    this.ended.add(nodeId);
    if (!this.lines.has(nodeId)) this.lines.set(nodeId, []);
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  readonly executor: StepExecutor = {
    kind: 'fake',
    start: () => Promise.reject(new Error('not used')),
    wait: () => Promise.reject(new Error('not used')),
    adopt: () => Promise.resolve('running'),
    kill: (h) => {
      this.killed.push(h.id);
      return Promise.resolve();
    },
    cleanup: (h) => {
      this.cleaned.push(h.id);
      return Promise.resolve();
    },
    logs: (h: StepHandle, o: LogsOptions = {}) => this.stream(h.id, o),
  };

  private async *stream(id: string, o: LogsOptions): AsyncGenerator<LogLine> {
    let i = 0;
    for (;;) {
      const l = this.lines.get(id) ?? [];
      while (i < l.length) {
        const line = l[i++];
        if (o.since && line.time < o.since) continue;
        yield line;
      }
      if (!o.follow || this.ended.has(id) || o.signal?.aborted) return;
      await new Promise<void>((r) => {
        this.waiters.add(r);
        o.signal?.addEventListener('abort', () => r(), { once: true });
      });
    }
  }

  handleOf = (_wf: StoredObject, nodeId: string): StepHandle | undefined =>
    this.lines.has(nodeId) ? { executor: 'fake', id: nodeId, startedAt: new Date().toISOString(), details: {} } : undefined;
}

export interface Kit {
  api: ApiServer;
  url: string;
  store: ResourceStore;
  enqueued: string[];
  steps: FakeSteps;
  logger: RecordingLogger;
  req(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startKit(extra: Partial<ApiServerOptions> = {}): Promise<Kit> {
  const store = createMemoryStore();
  const enqueued: string[] = [];
  const steps = new FakeSteps();
  const logger = createRecordingLogger();
  const api = createApiServer({
    store,
    logger,
    port: 0,
    controller: { enqueue: (k) => enqueued.push(k), queueDepth: () => 7 },
    steps: { executor: steps.executor, handleOf: steps.handleOf },
    clock: clockAt(() => Date.parse('2024-05-01T10:00:00Z')),
    ...extra,
  });
  const { url } = await api.listen();
  const req: Kit['req'] = async (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const r = await fetch(url + path, init);
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: r.status, body: parsed, headers: r.headers };
  };
  return {
    api,
    url,
    store,
    enqueued,
    steps,
    logger,
    req,
    async [Symbol.asyncDispose]() {
      await api.close();
      await store.close();
    },
  };
}

/** Reads an NDJSON response line by line until `until` returns true or the stream ends. */
export async function readLines(res: Response, until: (lines: any[]) => boolean = () => false): Promise<any[]> {
  const lines: any[] = [];
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
    if (until(lines)) {
      await reader.cancel();
      break;
    }
  }
  return lines;
}

export const hello = (name?: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  metadata: name ? { name } : { generateName: 'hello-' },
  spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['echo', 'hi'] } }] },
  ...extra,
});

export { eventually };
