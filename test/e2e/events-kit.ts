// Kit for the events acceptance tests: a real `weir server` with a JetStream bus, either in-process (startServer) or
// spawned as its own process (for SIGKILL), manifests written to a temp dir, Workflows read back through the REST
// API (what a user sees), `eventually()` polling, and small YAML builders for webhook-to-Workflow sensors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryIo } from '../../src/cli/io.js';
import { startServer } from '../../src/cli/server.js';
import { spawnWeirChild } from '../helpers/weir-child.js';
import { eventually } from '../helpers/eventually.js';

export { eventually };

/** A temp dir removed on dispose. */
export async function tempDir(
  prefix: string,
): Promise<{ dir: string; file(name: string, text: string): Promise<string>; [Symbol.asyncDispose](): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `weir-e2e-${prefix}-`));
  return {
    dir,
    async file(name, text) {
      const p = join(dir, name);
      await writeFile(p, text);
      return p;
    },
    // A host step of a stopped server may still write into its step dir for a moment (ENOTEMPTY): retried.
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 }),
  };
}

export interface WeirOptions {
  dataDir: string;
  busUrl: string;
  manifests: string[];
}

export interface Weir {
  url: string;
  /** Server log so far (stderr). */
  log(): string;
  /** Graceful stop (the documented drain order). Idempotent. */
  stop(): Promise<void>;
}

export interface SpawnedWeir extends Weir {
  pid: number;
  /** SIGKILL: no drain, no flush. */
  kill(): Promise<void>;
}

/** `weir server` in this process, on a free port. */
export async function startWeir(o: WeirOptions): Promise<Weir> {
  const io = memoryIo();
  const srv = await startServer(
    {
      dataDir: o.dataDir,
      busUrl: o.busUrl,
      authToken: undefined,
      port: 0,
      host: '127.0.0.1',
      manifests: o.manifests,
      namespace: 'default',
    },
    io,
  );
  return { url: srv.url, log: () => io.err, stop: () => srv.stop() };
}

/** `weir server` as a child process of this build (like bin/weir.js); resolves once it printed its URL. */
export function spawnWeir(o: WeirOptions): Promise<SpawnedWeir> {
  return spawnWeirChild(['server', '--port', '0', '--data-dir', o.dataDir, '--bus', o.busUrl, ...o.manifests], {
    startTimeoutMs: 120_000,
    keepBytes: 200_000,
  });
}

export interface Wf {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { arguments?: { parameters?: { name: string; value?: string }[] } };
  status?: { phase?: string; nodes?: Record<string, { outputs?: unknown; phase?: string }> };
}

/** Workflows a sensor created, through GET /api/v1/workflows/default (label events.weir.dev/sensor=NAME). */
export async function workflowsOf(url: string, sensor: string): Promise<Wf[]> {
  const res = await fetch(
    `${url}/api/v1/workflows/default?listOptions.labelSelector=${encodeURIComponent(`events.weir.dev/sensor=${sensor}`)}`,
  );
  if (res.status !== 200) throw new Error(`listing workflows: HTTP ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { items?: Wf[] | null };
  return body.items ?? [];
}

/** The Workflow's `spec.arguments.parameters` as name -> value. */
export function paramsOf(wf: Wf): Record<string, string | undefined> {
  return Object.fromEntries((wf.spec.arguments?.parameters ?? []).map((p) => [p.name, p.value]));
}

/** Values of one parameter over Workflows, sorted. */
export function paramValues(wfs: Wf[], name: string): string[] {
  return wfs.map((w) => String(paramsOf(w)[name])).sort();
}

/** Duplicated values in a list (for "exactly once" messages). */
export function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

export interface SensorYamlOptions {
  name: string;
  /** Dependencies: name, eventSourceName, eventName (delivered from the start of the stream), data filters. */
  deps: {
    name: string;
    eventSourceName: string;
    eventName: string;
    dataFilters?: { path: string; type: string; value: string[]; comparator?: string }[];
  }[];
  /** Trigger conditions (default: all dependencies). */
  conditions?: string;
  /** Workflow parameters: name -> { dependency, dataKey }. */
  params: Record<string, { dependencyName: string; dataKey: string }>;
  /** Keep the Workflow suspended (default true): it is created and reconciled but starts no step. */
  suspend?: boolean;
}

/** A Sensor whose one trigger submits a Workflow with the given parameters (echoed by its one step). */
export function sensorYaml(o: SensorYamlOptions): string {
  const names = Object.keys(o.params);
  const lines = [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Sensor',
    'metadata:',
    `  name: ${o.name}`,
    'spec:',
    '  dependencies:',
    ...o.deps.flatMap((d) => [
      `    - name: ${d.name}`,
      `      eventSourceName: ${d.eventSourceName}`,
      `      eventName: ${d.eventName}`,
      '      jetStream: { deliverPolicy: all }',
      ...(d.dataFilters !== undefined ? ['      filters:', `        data: ${JSON.stringify(d.dataFilters)}`] : []),
    ]),
    '  triggers:',
    '    - template:',
    '        name: submit',
    ...(o.conditions !== undefined ? [`        conditions: ${JSON.stringify(o.conditions)}`] : []),
    '        argoWorkflow:',
    '          operation: submit',
    '          source:',
    '            resource:',
    '              apiVersion: argoproj.io/v1alpha1',
    '              kind: Workflow',
    `              metadata: { generateName: ${o.name}- }`,
    '              spec:',
    ...(o.suspend === false ? [] : ['                suspend: true']),
    '                entrypoint: main',
    `                arguments: { parameters: [${names.map((n) => `{ name: ${n} }`).join(', ')}] }`,
    '                templates:',
    '                  - name: main',
    `                    container: { image: alpine, command: [echo, ${JSON.stringify(names.map((n) => `${n}={{workflow.parameters.${n}}}`).join(' '))}] }`,
    '          parameters:',
    ...names.flatMap((n, i) => [
      `            - src: { dependencyName: ${o.params[n].dependencyName}, dataKey: ${o.params[n].dataKey} }`,
      `              dest: spec.arguments.parameters.${i}.value`,
    ]),
  ];
  return lines.join('\n') + '\n';
}

/** An EventSource with one webhook event. */
export function webhookSourceYaml(name: string, eventName: string, port: number, endpoint: string): string {
  return [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: EventSource',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  webhook:',
    `    ${eventName}:`,
    `      port: "${port}"`,
    `      endpoint: ${endpoint}`,
    '      method: POST',
    '',
  ].join('\n');
}

/** POSTs JSON; resolves to the status (0 when the connection failed). */
export async function post(url: string, body: unknown, key?: string): Promise<number> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...(key !== undefined ? { 'idempotency-key': key } : {}) },
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}
