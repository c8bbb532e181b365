// A timeline of the pod benchmarks, seen from outside Weir through two watches (the same ones a user's kubectl
// would see): when each pod was first seen, bound, its `main` running, `main` terminated, labelled completed (the
// executor has read its outcome) and released (finalizer dropped), and when each node of the Workflow was first seen
// Running / Succeeded in its status. `chain-pods` prints the median of each stage per step, so the overhead beyond
// the direct pod's create→Succeeded can be attributed (node agent, executor, controller pass, next create).
import { readFileSync } from 'node:fs';
import type { Watch } from '@kubernetes/client-node';

interface PodEvent {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
  };
  spec?: { nodeName?: string };
  status?: { phase?: string; containerStatuses?: { name: string; state?: { running?: unknown; terminated?: unknown } }[] };
}

interface WorkflowEvent {
  metadata?: { name?: string };
  status?: { nodes?: Record<string, { id: string; type?: string; phase?: string }> };
}

export type PodStage = 'added' | 'bound' | 'running' | 'ended' | 'succeeded' | 'completed' | 'released';
type NodeStage = 'nodeRunning' | 'nodeDone';

/** First-seen times (performance.now()) of each stage, by pod name and by node id. */
export class Timeline {
  readonly pods = new Map<string, Partial<Record<PodStage, number>> & { node?: string; workflow?: string }>();
  readonly nodes = new Map<string, Partial<Record<NodeStage, number>>>();
  private acs: AbortController[] = [];
  private stopped = false;

  constructor(
    private readonly watch: Watch,
    private readonly ns: string,
  ) {}

  async start(): Promise<void> {
    await Promise.all([this.follow(`/api/v1/namespaces/${this.ns}/pods`, (o) => this.onPod(o as PodEvent)), this.followWorkflows()]);
  }

  private followWorkflows(): Promise<void> {
    return this.follow(`/apis/argoproj.io/v1alpha1/namespaces/${this.ns}/workflows`, (o) => this.onWorkflow(o as WorkflowEvent));
  }

  private async follow(path: string, on: (obj: unknown) => void): Promise<void> {
    if (this.stopped) return;
    const ac = await this.watch.watch(
      path,
      {},
      (_type: string, obj: unknown) => on(obj),
      () => void setTimeout(() => void this.follow(path, on), 100),
    );
    this.acs.push(ac);
  }

  private mark<K extends string>(rec: Partial<Record<K, number>>, stage: K, now: number): void {
    rec[stage] ??= now;
  }

  private onPod(p: PodEvent): void {
    const now = performance.now();
    const name = p.metadata?.name ?? '';
    let rec = this.pods.get(name);
    if (!rec) this.pods.set(name, (rec = {}));
    rec.node ??= p.metadata?.annotations?.['workflows.argoproj.io/node-id'];
    rec.workflow ??= p.metadata?.labels?.['workflows.argoproj.io/workflow'] ?? p.metadata?.labels?.['weir.bench/direct'];
    this.mark(rec, 'added', now);
    if (p.spec?.nodeName) this.mark(rec, 'bound', now);
    const main = p.status?.containerStatuses?.find((c) => c.name === 'main')?.state;
    if (main?.running || main?.terminated) this.mark(rec, 'running', now);
    if (main?.terminated) this.mark(rec, 'ended', now);
    if (p.status?.phase === 'Succeeded') this.mark(rec, 'succeeded', now);
    if (p.metadata?.labels?.['workflows.argoproj.io/completed'] === 'true') this.mark(rec, 'completed', now);
    if (rec.added !== undefined && rec.node !== undefined && !(p.metadata?.finalizers ?? []).includes('weir.io/step'))
      this.mark(rec, 'released', now);
  }

  private onWorkflow(w: WorkflowEvent): void {
    const now = performance.now();
    for (const n of Object.values(w.status?.nodes ?? {})) {
      if (n.type !== 'Pod') continue;
      let rec = this.nodes.get(n.id);
      if (!rec) this.nodes.set(n.id, (rec = {}));
      if (n.phase === 'Running' || n.phase === 'Succeeded') this.mark(rec, 'nodeRunning', now);
      if (n.phase === 'Succeeded') this.mark(rec, 'nodeDone', now);
    }
  }

  /**
   * Median ms of each stage over the pods of one run, in step order: create→bound→running→ended (node agent),
   * ended→completed (the executor read the outcome), completed→node Succeeded in the Workflow (controller pass and
   * save), node Succeeded→next pod seen (next create). `workflow`: the pods' workflow label (or direct batch label).
   */
  stages(workflow: string): Record<string, number> {
    const pods = [...this.pods.entries()].filter(([, r]) => r.workflow === workflow).sort((a, b) => (a[1].added ?? 0) - (b[1].added ?? 0));
    const gaps: Record<string, number[]> = {};
    const add = (k: string, a: number | undefined, b: number | undefined): void => {
      if (a === undefined || b === undefined) return;
      (gaps[k] ??= []).push(b - a);
    };
    pods.forEach(([, r], i) => {
      const node = r.node ? this.nodes.get(r.node) : undefined;
      add('created→bound', r.added, r.bound);
      add('bound→running', r.bound, r.running);
      add('running→ended', r.running, r.ended);
      add('ended→podSucceeded', r.ended, r.succeeded);
      add('ended→completedLabel', r.ended, r.completed);
      add('completedLabel→nodeSucceeded', r.completed, node?.nodeDone);
      add('ended→nodeSucceeded', r.ended, node?.nodeDone);
      add('nodeSucceeded→nextPodSeen', node?.nodeDone, pods[i + 1]?.[1].added);
      add('created→nodeRunning', r.added, node?.nodeRunning);
    });
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(gaps)) out[k] = Math.round(median(v));
    return out;
  }

  /**
   * Median ms from one pod of `workflow` first seen to the next one first seen (a chain's step interval: one pod's
   * create → Succeeded plus what it takes to create the next), the same for Weir's steps and for direct pods.
   */
  medianInterval(workflow: string): number {
    const seen = [...this.pods.values()]
      .filter((r) => r.workflow === workflow && r.added !== undefined)
      .map((r) => r.added ?? 0)
      .sort((a, b) => a - b);
    return Math.round(median(seen.slice(1).map((t, i) => t - seen[i])));
  }

  /**
   * Median ms between the test node's stages (its WEIR_TEST_NODE_TRACE file) for the pods of `workflow`: run (pod
   * bound, seen) → pending-pushed → volumes → created → started:main → exited:main → inspected → ended-pushed →
   * removed (its containers removed from podman). A one-container pod is created and started by one `podman run -d`:
   * its `created` is when that command is queued, so created→started:main holds the wait for a podman slot.
   */
  nodeStages(file: string, workflow: string): Record<string, number> {
    const byPod = new Map<string, Map<string, number>>();
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return {};
    }
    for (const line of text.split('\n')) {
      const [t, pod, stage] = line.split(' ');
      if (!stage) continue;
      const name = pod.slice(pod.indexOf('/') + 1);
      if (this.pods.get(name)?.workflow !== workflow) continue;
      let m = byPod.get(name);
      if (!m) byPod.set(name, (m = new Map<string, number>()));
      if (!m.has(stage)) m.set(stage, Number(t));
    }
    const order = ['run', 'pending-pushed', 'volumes', 'created', 'started:main', 'exited:main', 'inspected', 'ended-pushed', 'removed'];
    const gaps: Record<string, number[]> = {};
    for (const m of byPod.values())
      for (let i = 1; i < order.length; i++) {
        const a = m.get(order[i - 1]);
        const b = m.get(order[i]);
        if (a !== undefined && b !== undefined) (gaps[`${order[i - 1]}→${order[i]}`] ??= []).push(b - a);
      }
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(gaps)) out[k] = Math.round(median(v));
    return out;
  }

  stop(): void {
    this.stopped = true;
    for (const ac of this.acs) ac.abort();
  }
}

/**
 * Median ms of Weir's own stages per step, from its `step timing` debug records (WEIR_DEBUG=1) at or after `since`
 * (epoch ms): pod end seen → outcome read (pods/log) → the pass begins → operated → status saved → next pod created.
 */
export function weirStages(log: string, since: number): Record<string, number> {
  const recs: { stage: string; at: number }[] = [];
  for (const line of log.split('\n')) {
    const m = /step timing: ([^(]+) \(.*\bat=(\d+)/.exec(line);
    if (m && Number(m[2]) >= since) recs.push({ stage: m[1].trim(), at: Number(m[2]) });
  }
  const chain = ['pod end seen', 'outcome read', 'pass begins', 'pass operated', 'pass saved', 'pass started steps'];
  const gaps: Record<string, number[]> = {};
  for (let i = 0; i < recs.length; i++) {
    if (recs[i].stage !== chain[0]) continue;
    let at = recs[i].at;
    let j = i;
    for (let k = 1; k < chain.length; k++) {
      while (j < recs.length && recs[j].stage !== chain[k]) j++;
      if (j >= recs.length) break;
      (gaps[`${chain[k - 1]}→${chain[k]}`] ??= []).push(recs[j].at - at);
      at = recs[j].at;
    }
  }
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(gaps)) out[k] = Math.round(median(v));
  return out;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
