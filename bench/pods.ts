// Benchmarks of the pod executor (issue 17): `weir server --store kubernetes --executor pod` on the real API server
// and the test node (test/helpers/kube-node.ts: pods run with podman), each against pods created and awaited
// directly through @kubernetes/client-node in the same run (CoreV1Api creates, one Watch; a plain `alpine:3.19
// true` pod per step, where Weir's pod wraps `true` in its sh agent).
// - `fanout-pods`: a DAG of WEIR_BENCH_PODS (default 1,000) independent `true` tasks, created with CustomObjectsApi,
//   wall ms until the Watch reports Succeeded; baseline: the same number of pods created (32 requests in flight) and awaited until
//   all ended. Target: at most 1.5x.
// - `chain-pods`: WEIR_BENCH_CHAIN_PODS (default 20) sequential `true` steps, wall ms per step (a mean); baseline:
//   the same number of direct pods in a chain (each created once the previous one Succeeded), wall ms per pod (a
//   mean as well), run once before and once after Weir's chain and averaged. Target: at most 50 ms more per step
//   (controller overhead).
// Between runs the Workflow is deleted (Weir deletes its pods) and the direct pods too, untimed, until none is left.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { startKube } from '../test/helpers/kube.js';
import { buildTestImages } from '../test/executor/container-env.js';
import { spawnReplica } from '../test/kube/kit.js';
import type { Replica } from '../test/kube/kit.js';
import type { Benchmark, Measurement } from './types.js';
import { Timeline, weirStages } from './pod-trace.js';

const run = promisify(execFile);
const NS = 'bench-pods';
const IMAGE = 'alpine:3.19';
const FANOUT = Number(process.env.WEIR_BENCH_PODS ?? 1000);
const CHAIN = Number(process.env.WEIR_BENCH_CHAIN_PODS ?? 20);
/**
 * Direct creates in flight at once (WEIR_BENCH_POD_CREATES, default 32): the client opens a connection per concurrent
 * request, and 1,000 at once failed here (`fetch failed`: TLS connects timing out at load ~30).
 */
const CREATES = Math.max(1, Number(process.env.WEIR_BENCH_POD_CREATES ?? 32));
const TIMEOUT_MS = Number(process.env.WEIR_BENCH_PODS_TIMEOUT_S ?? 3600) * 1000;
const WF = { group: 'argoproj.io', version: 'v1alpha1', namespace: NS, plural: 'workflows' };

interface Phased {
  metadata?: { name?: string };
  status?: { phase?: string; message?: string };
}

/** Resolves waiters by object name once the object reaches an end phase (a watch that ends starts over with a list). */
class Ends {
  private readonly waiting = new Map<string, (phase: string) => void>();
  private readonly done = new Map<string, string>();
  private ac: AbortController | undefined;
  private stopped = false;

  constructor(
    private readonly watch: Watch,
    private readonly path: string,
    private readonly query: Record<string, string>,
    private readonly ended: readonly string[],
  ) {}

  async start(): Promise<void> {
    if (this.stopped) return;
    this.ac = await this.watch.watch(
      this.path,
      this.query,
      (_type: string, obj: Phased) => {
        const name = obj.metadata?.name ?? '';
        const phase = obj.status?.phase ?? '';
        if (!this.ended.includes(phase) || this.done.has(name)) return;
        this.done.set(name, phase + (obj.status?.message ? `: ${obj.status.message}` : ''));
        this.waiting.get(name)?.(this.done.get(name) ?? phase);
      },
      () => void setTimeout(() => void this.start(), 100),
    );
  }

  /** The end phase of `name` (and its message). */
  until(name: string): Promise<string> {
    const d = this.done.get(name);
    if (d !== undefined) return Promise.resolve(d);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${name} did not end within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      this.waiting.set(name, (p) => {
        clearTimeout(t);
        resolve(p);
      });
    });
  }

  forget(name: string): void {
    this.done.delete(name);
    this.waiting.delete(name);
  }

  stop(): void {
    this.stopped = true;
    this.ac?.abort();
  }
}

/**
 * The replica's established TCP connections to the API server, sampled every 250 ms while `work` runs (`ss -tnp`):
 * the most at once, and how many distinct ones it opened. Both count the store's connections too.
 */
async function apiConnections<T>(st: State, work: () => Promise<T>): Promise<{ value: T; maxConns: number; conns: number }> {
  const port = new URL(st.server).port;
  const seen = new Set<string>();
  let maxConns = 0;
  let stop = false;
  const sample = async (): Promise<void> => {
    const { stdout } = await run('ss', ['-tnpH', 'state', 'established', 'dport', `:${port}`], { maxBuffer: 64 << 20 });
    const mine = stdout.split('\n').filter((l) => l.includes(`pid=${st.replica.pid},`));
    for (const l of mine) seen.add(l.trim().split(/\s+/)[2] ?? l);
    maxConns = Math.max(maxConns, mine.length);
  };
  const sampler = (async () => {
    while (!stop) {
      await sample();
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    const value = await work();
    return { value, maxConns, conns: seen.size };
  } finally {
    stop = true;
    await sampler;
  }
}

interface State {
  /** The API server's URL. */
  server: string;
  replica: Replica;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  workflows: Ends;
  pods: Ends;
  timeline: Timeline;
  dir: string;
  run: number;
}

const directPod = (name: string, batch: string): V1Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS, labels: { 'weir.bench/direct': batch } },
  spec: {
    restartPolicy: 'Never',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    containers: [{ name: 'main', image: IMAGE, command: ['true'] }],
  },
});

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > TIMEOUT_MS) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Waits until the test node has removed the containers of these pods (`wn-<uid prefix>-...`): it removes them after
 * the pod objects are gone, and that podman work must not overlap the next timed run.
 */
async function containersGone(uids: string[]): Promise<void> {
  const prefixes = uids.filter(Boolean).map((u) => `wn-${u.slice(0, 18)}-`);
  await until('the test node to remove the containers', async () => {
    const { stdout } = await run('podman', ['ps', '-a', '--format', '{{.Names}}'], { maxBuffer: 64 << 20 });
    return !stdout.split('\n').some((n) => prefixes.some((p) => n.startsWith(p)));
  });
}

const podsLeft = async (st: State, labelSelector: string): Promise<boolean> =>
  (await st.core.listNamespacedPod({ namespace: NS, labelSelector })).items.length === 0;

/** Creates `n` pods at once (or one after the other when `sequential`), awaits every end; wall ms and each pod's ms. */
async function directPods(st: State, n: number, sequential: boolean): Promise<{ ms: number; each: number[]; batch: string }> {
  const batch = `d${st.run++}`;
  const each: number[] = [];
  const uids: string[] = [];
  let creating = 0;
  const turns: (() => void)[] = [];
  const one = async (i: number): Promise<void> => {
    const name = `${batch}-${i}`;
    const t = performance.now();
    while (creating >= CREATES) await new Promise<void>((r) => turns.push(r));
    creating++;
    const made = await st.core.createNamespacedPod({ namespace: NS, body: directPod(name, batch) }).finally(() => {
      creating--;
      turns.shift()?.();
    });
    uids.push(made.metadata?.uid ?? '');
    const phase = await st.pods.until(name);
    if (!phase.startsWith('Succeeded')) throw new Error(`direct pod ${name} ended ${phase}`);
    each.push(performance.now() - t);
  };
  const t0 = performance.now();
  if (sequential) for (let i = 0; i < n; i++) await one(i);
  else await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
  const ms = performance.now() - t0;
  await st.core.deleteCollectionNamespacedPod({ namespace: NS, labelSelector: `weir.bench/direct=${batch}`, gracePeriodSeconds: 0 });
  await until(`the direct pods of ${batch} to go`, () => podsLeft(st, `weir.bench/direct=${batch}`));
  await containersGone(uids);
  for (let i = 0; i < n; i++) st.pods.forget(`${batch}-${i}`);
  return { ms, each, batch };
}

const trueTemplate = { name: 't', container: { image: IMAGE, command: ['true'] } };

/** Creates the Workflow as `kubectl create` would and awaits Succeeded; then deletes it and waits for its pods to go. */
async function runWorkflow(st: State, name: string, main: Record<string, unknown>): Promise<number> {
  const body = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Workflow',
    metadata: { name, namespace: NS },
    spec: { entrypoint: 'main', templates: [{ name: 'main', ...main }, trueTemplate] },
  };
  const t0 = performance.now();
  await st.custom.createNamespacedCustomObject({ ...WF, body });
  const phase = await st.workflows.until(name);
  const ms = performance.now() - t0;
  if (!phase.startsWith('Succeeded')) throw new Error(`${name} ended ${phase}\n${st.replica.log().slice(-3000)}`);
  await st.custom.deleteNamespacedCustomObject({ ...WF, name });
  await until(`the pods of ${name} to go`, () => podsLeft(st, `workflows.argoproj.io/workflow=${name}`));
  st.workflows.forget(name);
  return ms;
}

/** Median ms of each stage per pod (pod-trace.ts), on stderr next to the results. */
function stagesOut(st: State, what: string, label: string): void {
  const line = (s: Record<string, number>): string =>
    Object.entries(s)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  process.stderr.write(`  stages of ${what} (median ms): ${line(st.timeline.stages(label))}\n`);
  process.stderr.write(
    `  test node stages of ${what} (median ms): ${line(st.timeline.nodeStages(process.env.WEIR_TEST_NODE_TRACE ?? NODE_TRACE, label))}\n`,
  );
}

/** The test node's trace file (its WEIR_TEST_NODE_TRACE), set before the node starts. */
const NODE_TRACE = join(tmpdir(), `weir-bench-pods-node-${process.pid}.trace`);

async function setup(): Promise<State> {
  process.env.WEIR_TEST_NODE_TRACE ??= NODE_TRACE;
  process.env.WEIR_DEBUG ??= '1'; // the replica's `step timing` records (pod-trace.ts weirStages)
  buildTestImages();
  const kube = await startKube({ node: true });
  await kube.ensureNamespace(NS);
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  await until('the default ServiceAccount', () =>
    core.readNamespacedServiceAccount({ name: 'default', namespace: NS }).then(
      () => true,
      () => false,
    ),
  );
  const dir = mkdtempSync(join(tmpdir(), 'weir-bench-pods-'));
  const replica = await spawnReplica(kube.kubeconfig, ['--executor', 'pod', '--data-dir', join(dir, 'data')]);
  const watch = new Watch(kc);
  const st: State = {
    server: kube.server,
    replica,
    core,
    custom: kc.makeApiClient(CustomObjectsApi),
    workflows: new Ends(watch, `/apis/argoproj.io/v1alpha1/namespaces/${NS}/workflows`, {}, ['Succeeded', 'Failed', 'Error']),
    pods: new Ends(watch, `/api/v1/namespaces/${NS}/pods`, { labelSelector: 'weir.bench/direct' }, ['Succeeded', 'Failed']),
    timeline: new Timeline(watch, NS),
    dir,
    run: 0,
  };
  await Promise.all([st.workflows.start(), st.pods.start(), st.timeline.start()]);
  // Warm up both paths once (first podman use of the image, the controller's first pass), untimed.
  await directPods(st, 2, false);
  await runWorkflow(st, `warm-${st.run++}`, { dag: { tasks: [{ name: 'a', template: 't' }] } });
  return st;
}

async function teardown(s: unknown): Promise<void> {
  const st = s as State;
  st.workflows.stop();
  st.pods.stop();
  st.timeline.stop();
  await st.replica.stop();
  rmSync(st.dir, { recursive: true, force: true });
  if (process.env.WEIR_TEST_NODE_TRACE === NODE_TRACE) rmSync(NODE_TRACE, { force: true }); // a trace the caller named is kept
}

export const fanoutPodsBenchmark: Benchmark = {
  name: 'fanout-pods',
  description: `a DAG of ${FANOUT} independent \`true\` tasks as pods through weir server --executor pod (wall ms, create to Succeeded)`,
  baselineDescription: `${FANOUT} \`alpine true\` pods created through @kubernetes/client-node (${CREATES} creates in flight) and awaited`,
  unit: 'ms',
  target: { kind: 'ratio-max', max: 1.5 },
  runs: 1,
  warmup: false,
  setup,
  teardown,
  baseline: async (s): Promise<Measurement> => {
    const r = await directPods(s as State, FANOUT, false);
    return { value: r.ms, figures: { podsPerSec: FANOUT / (r.ms / 1000) } };
  },
  run: async (s): Promise<Measurement> => {
    const st = s as State;
    const tasks = Array.from({ length: FANOUT }, (_, i) => ({ name: `t${i}`, template: 't' }));
    const c = await apiConnections(st, () => runWorkflow(st, `fanout-pods-${st.run++}`, { dag: { tasks } }));
    process.stderr.write(`  weir's API server connections during the run: at most ${c.maxConns} at once, ${c.conns} distinct\n`);
    return { value: c.value, figures: { podsPerSec: FANOUT / (c.value / 1000), maxApiConns: c.maxConns, apiConns: c.conns } };
  },
};

export const chainPodsBenchmark: Benchmark = {
  name: 'chain-pods',
  description: `${CHAIN} sequential \`true\` steps as pods through weir server --executor pod: wall ms per step`,
  baselineDescription: `a chain of ${CHAIN} \`alpine true\` pods created through @kubernetes/client-node, each once the previous one Succeeded: wall ms per pod, the mean of one chain before and one after Weir's`,
  unit: 'ms',
  target: { kind: 'excess-max', max: 50 },
  runs: 1,
  warmup: false,
  setup,
  teardown,
  baseline: async (s) => (await directChain(s as State)).value,
  run: weirChain,
  // Direct chain, Weir's chain, direct chain: a load that changes during the run reaches both sides alike.
  pair: async (s) => {
    const st = s as State;
    const before = await directChain(st);
    const weir = await weirChain(st);
    const after = await directChain(st);
    const value = (before.value + after.value) / 2;
    const figures = {
      beforeMs: before.value,
      afterMs: after.value,
      medianPodMs: ((before.figures?.medianPodMs ?? NaN) + (after.figures?.medianPodMs ?? NaN)) / 2,
    };
    process.stderr.write(
      `  per step (mean): weir ${weir.value.toFixed(1)} ms; direct ${before.value.toFixed(1)} before, ${after.value.toFixed(1)} after -> ${(weir.value - value).toFixed(1)} ms overhead; medians: weir ${weir.figures?.medianStepMs} ms, direct ${figures.medianPodMs} ms\n`,
    );
    return { run: weir, baseline: { value, figures } };
  },
};

/**
 * CHAIN direct pods one after the other: wall ms per pod (the mean), and the median interval between consecutive
 * pods first seen (the same figure as Weir's `medianStepMs`).
 */
async function directChain(st: State): Promise<Measurement> {
  const { ms, batch } = await directPods(st, CHAIN, true);
  stagesOut(st, `direct pods ${batch}`, batch);
  return { value: ms / CHAIN, figures: { medianPodMs: st.timeline.medianInterval(batch) } };
}

/** CHAIN sequential `true` steps through Weir: wall ms per step (create Workflow → Succeeded seen, over CHAIN). */
async function weirChain(s: unknown): Promise<Measurement> {
  const st = s as State;
  const steps = Array.from({ length: CHAIN }, (_, i) => [{ name: `s${i}`, template: 't' }]);
  const name = `chain-pods-${st.run++}`;
  const since = Date.now();
  const ms = await runWorkflow(st, name, { steps });
  stagesOut(st, name, name);
  const w = weirStages(st.replica.log(), since);
  process.stderr.write(
    `  weir stages of ${name} (median ms): ${Object.entries(w)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}\n`,
  );
  return { value: ms / CHAIN, figures: { medianStepMs: st.timeline.medianInterval(name) } };
}
