// Runs each step as one Kubernetes Pod (Argo's model): created through the API server in the workflow's namespace,
// scheduled by the cluster, its outcome read back from the pod itself — the exit code and the agent's report from
// the main container's termination message, stdout and logs from pods/log, output files from the wait container's
// log. Everything lives in the API server, so a restarted Weir (or the standby leader) adopts running pods from
// their handles. A finalizer keeps a finished or killed pod readable until cleanup() releases it. Input files go in
// through Secrets (pod-inputs.ts); output files are unpacked on Weir's side by pod-outputs.ts.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { WeirError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { SAVED_MARK } from './pod-agent.js';
import { withImageCommands } from './pod-images.js';
import type { ImageCommands } from './pod-images.js';
import { outputReaders, unpackOutputs } from './pod-outputs.js';
import { createInputSecrets, deleteInputSecrets } from './pod-inputs.js';
import { podPath } from './pod-kube.js';
import type { PodApi } from './pod-kube.js';
import { containerLogs, containerText, stdoutOutcome } from './pod-logs.js';
import type { LogTarget } from './pod-logs.js';
import {
  agentArgv,
  ANNOTATION_KILLED,
  ANNOTATION_NODE_ID,
  FINALIZER,
  isInputsVolume,
  LABEL_COMPLETED,
  LABEL_UID,
  podManifest,
  podName,
} from './pod-manifest.js';
import type { PodSettings } from './pod-manifest.js';
import { containerStatus, getPod, podAddress, untilPod } from './pod-watch.js';
import { PodInformer } from './pod-informer.js';
import { keptPods, podHandle, workflowPods } from './pod-handles.js';
import type { Pod } from './pod-watch.js';
import { endOf, FATAL_WAITING, memberResults } from './pod-outcome.js';
import type { Ended, PodShape } from './pod-outcome.js';
import type { AdoptState, KeptStep, LogLine, LogsOptions, StepExecutor, StepHandle, StepResult, StepSpec } from './types.js';

export interface PodExecutorOptions {
  api: PodApi;
  /** Where finished steps' output files are unpacked (`<dataDir>/pod-outputs/<pod uid>`). */
  dataDir: string;
  logger: Logger;
  /** Image of a step that names none (default busybox). */
  defaultImage?: string;
  /** Image of the wait container (sh, tar, base64); default the step's own image. */
  agentImage?: string;
  /** Extra labels on every pod (tests use one to find theirs). */
  labels?: Record<string, string>;
  /** ENTRYPOINT/CMD of images whose templates name no command (Argo's `images` setting; src/executor/pod-images.ts). */
  images?: ImageCommands;
  /** Cap on a step's input files as a tar, shipped in Secrets of 900 KiB (default 32 MiB: src/executor/pod-io.ts). */
  maxInputBytes?: number;
  /** Pod-level settings per step (the template's nodeSelector, tolerations, ...), when the caller has any. */
  podSettings?: (spec: StepSpec) => PodSettings | undefined;
  /**
   * Whether the Workflows are objects of this cluster (the Kubernetes store): only then do pods and input Secrets get
   * the Workflow as ownerReference (`weir run` and the SQLite store: false, else the cluster's garbage collector
   * would delete them at once, their owner being absent). Default true.
   */
  ownedByWorkflow?: boolean;
}

export class PodExecutor implements StepExecutor {
  readonly kind = 'pod';
  private readonly o: PodExecutorOptions;
  /** Every wait on a pod goes through one LIST+WATCH per namespace (started on first use, stopped by close()). */
  private readonly pods: PodInformer;

  constructor(o: PodExecutorOptions) {
    this.o = o;
    this.pods = new PodInformer({ api: o.api, logger: o.logger });
  }

  /** Stops the pod watches and closes the API connections; waits still pending reject with CANCELLED. */
  async close(): Promise<void> {
    await this.pods.close();
    this.o.api.close();
  }

  /** Its data dir (the controller puts workflow volumes under it: hostPath volumes of the pods). */
  get options(): { dataDir: string } {
    return { dataDir: this.o.dataDir };
  }

  private details(h: StepHandle): { namespace: string; pod: string } {
    const d = h.details;
    if (h.executor !== this.kind || typeof d.namespace !== 'string' || typeof d.pod !== 'string')
      throw new WeirError('INVALID_ARGUMENT', `not a pod executor handle: ${h.id}`);
    return { namespace: d.namespace, pod: d.pod };
  }

  /** The outcome container (`main`, or a containerSet's) and a containerSet's members, from the handle. */
  private shape(h: StepHandle): PodShape {
    const { main, members } = h.details;
    return {
      podName: this.details(h).pod,
      main: typeof main === 'string' ? main : 'main',
      ...(typeof members === 'string' ? { members: members.split(',') } : {}),
    };
  }

  private target(h: StepHandle, container = this.shape(h).main): LogTarget {
    const d = this.details(h);
    return { api: this.o.api, namespace: d.namespace, pod: d.pod, container };
  }

  private handleOf(spec: StepSpec, name: string, startedAt: string): StepHandle {
    const h = podHandle(this.kind, spec.workflow.uid, spec.nodeId, spec.workflow.namespace, name, startedAt);
    const cs = spec.pod?.containerSet;
    return cs ? { ...h, details: { ...h.details, main: cs.outcome, members: cs.members.map((m) => m.name).join(',') } } : h;
  }

  async start(given: StepSpec, signal?: AbortSignal): Promise<StepHandle> {
    const spec = withImageCommands(given, this.o.images);
    if (!agentArgv(spec) && (spec.outputPaths.length > 0 || spec.inputFiles?.length))
      throw new WeirError(
        'INVALID_SPEC',
        `step ${spec.nodeId}: the pod executor needs the template's \`command\` to place inputs and collect outputs (image entrypoints are not looked up in registries: list the image in the \`--pod-images\` file of weir server or weir run)`,
      );
    for (const m of spec.pod?.containerSet?.members ?? [])
      if (!agentArgv(m.spec))
        throw new WeirError(
          'INVALID_SPEC',
          `step ${spec.nodeId}: container ${m.name}: the pod executor needs each containerSet container's \`command\` to run it after its dependencies`,
        );
    for (const m of spec.pod?.sidecars ?? [])
      if (!agentArgv(m.spec) || !agentArgv(spec))
        throw new WeirError(
          'INVALID_SPEC',
          `step ${spec.nodeId}: sidecar ${m.name}: the pod executor needs the sidecar's and the main container's \`command\` to stop the sidecar once main exits`,
        );
    const name = podName(spec);
    const ns = spec.workflow.namespace;
    const startedAt = new Date().toISOString();
    const sig = signal ? { signal } : {};
    const owned = this.o.ownedByWorkflow !== false;
    const inputsSecrets = await createInputSecrets(this.o.api, spec, name, { maxBytes: this.o.maxInputBytes, owned, signal });
    const manifest = podManifest({
      spec,
      name,
      image: spec.image ?? this.o.defaultImage ?? 'busybox',
      agentImage: this.o.agentImage ?? spec.image ?? this.o.defaultImage ?? 'busybox',
      startedAt,
      ...(inputsSecrets.length ? { inputsSecrets } : {}),
      ...(this.o.labels ? { labels: this.o.labels } : {}),
      ...(spec.pod || this.o.podSettings ? { pod: { ...spec.pod, ...this.o.podSettings?.(spec) } } : {}),
      terminationGraceSeconds: 30,
      owned,
    });
    try {
      await this.o.api.request('POST', podPath(ns), { body: manifest, ...sig });
      return await this.withAddress(spec, this.handleOf(spec, name, startedAt), signal);
    } catch (e) {
      if (!(e instanceof WeirError && e.code === 'ALREADY_EXISTS')) throw e;
    }
    const existing = await getPod(this.o.api, ns, name, signal);
    const a = existing?.metadata.annotations ?? {};
    if (!existing || existing.metadata.labels?.[LABEL_UID] !== spec.workflow.uid || a[ANNOTATION_NODE_ID] !== spec.nodeId)
      throw new WeirError('CONFLICT', `pod ${ns}/${name} exists and belongs to another step`);
    return this.withAddress(spec, this.handleOf(spec, name, a['weir.io/started-at'] ?? startedAt), signal);
  }

  /** A daemon step's handle carries its pod's IP (Argo's `{{steps.x.ip}}`), once the pod has one. */
  private async withAddress(spec: StepSpec, h: StepHandle, signal?: AbortSignal): Promise<StepHandle> {
    if (spec.pod?.daemon !== true) return h;
    const d = this.details(h);
    const ip = await podAddress(this.pods, d.namespace, d.pod, signal);
    return ip ? { ...h, details: { ...h.details, ip } } : h;
  }

  /** The pod once its step has ended (pod-outcome.ts), or gone. */
  private ended(h: StepHandle, signal?: AbortSignal): Promise<Ended> {
    const d = this.details(h);
    const shape = this.shape(h);
    return untilPod<Ended>(this.pods, d.namespace, d.pod, (pod) => endOf(pod, shape), signal);
  }

  async wait(h: StepHandle, signal?: AbortSignal): Promise<StepResult> {
    const { pod, why, exitCode } = await this.ended(h, signal);
    this.o.logger.debug({ pod: this.details(h).pod, at: Date.now() }, 'step timing: pod end seen');
    const shape = this.shape(h);
    const t = containerStatus(pod, shape.main)?.state?.terminated;
    const started = new Date(h.startedAt);
    const members = shape.members ? { members: memberResults(pod, shape.members, started, why) } : {};
    if (!pod || !t) {
      const now = new Date();
      return {
        exitCode: exitCode ?? null,
        startedAt: started,
        finishedAt: now,
        stdoutTail: '',
        message: why ?? 'the step ended without an exit code',
        ...members,
        ...noOutputs,
      };
    }
    const main = this.target(h);
    // One pods/log request: the stdout tail and its last line's time (a last line on stderr is not looked at).
    const { tail, lastLine: last } = await stdoutOutcome(main);
    const startedAt = t.startedAt ? new Date(t.startedAt) : started;
    let finishedAt = t.finishedAt ? new Date(t.finishedAt) : new Date();
    if (last && last > finishedAt) finishedAt = last;
    // Kubernetes states times in whole seconds: never report an end before the start.
    if (finishedAt < startedAt) finishedAt = startedAt;
    const lines = (t.message ?? '').split('\n').filter((l) => l !== SAVED_MARK && l !== '');
    let message = lines.join('\n') || undefined;
    if (!message && t.reason && t.reason !== 'Completed' && t.reason !== 'Error') message = `${t.reason} (exit code ${t.exitCode})`;
    const killed = pod.metadata.annotations?.[ANNOTATION_KILLED];
    const signalName: NodeJS.Signals | undefined = killed
      ? ({ 143: 'SIGTERM', 137: 'SIGKILL', 130: 'SIGINT' } as const)[t.exitCode]
      : undefined;
    const saved = (t.message ?? '').startsWith(SAVED_MARK) && containerStatus(pod, 'wait')?.state?.terminated?.exitCode === 0;
    const outDir = saved ? await unpackOutputs(this.outDir(pod), pod, () => containerText(this.target(h, 'wait'))) : undefined;
    this.o.logger.debug({ pod: this.details(h).pod, at: Date.now() }, 'step timing: outcome read');
    return {
      exitCode: t.exitCode,
      ...(signalName ? { signal: signalName } : {}),
      startedAt,
      finishedAt,
      stdoutTail: tail,
      ...(message ? { message } : {}),
      ...members,
      ...(outDir ? outputReaders(outDir) : noOutputs),
    };
  }

  /** Where a finished pod's output files are unpacked. */
  private outDir(pod: Pod): string {
    return join(this.o.dataDir, 'pod-outputs', pod.metadata.uid ?? pod.metadata.name);
  }

  async *logs(h: StepHandle, opts: LogsOptions = {}): AsyncIterable<LogLine> {
    const d = this.details(h);
    const ready = await untilPod(
      this.pods,
      d.namespace,
      d.pod,
      (pod) => {
        if (!pod) return false;
        const s = containerStatus(pod, this.shape(h).main)?.state;
        if (s?.running || s?.terminated) return true;
        if (s?.waiting?.reason && FATAL_WAITING.has(s.waiting.reason)) return false;
        if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return false;
        return undefined;
      },
      opts.signal,
    ).catch((e: unknown) => {
      if (e instanceof WeirError && e.code === 'CANCELLED') return false;
      throw e;
    });
    if (!ready) return;
    yield* containerLogs(this.target(h), opts);
  }

  async kill(h: StepHandle, graceMs: number): Promise<void> {
    const d = this.details(h);
    const pod = await getPod(this.o.api, d.namespace, d.pod);
    if (!pod) return;
    if (!pod.metadata.deletionTimestamp) {
      await this.o.api
        .request('PATCH', podPath(d.namespace, d.pod), {
          body: { metadata: { annotations: { [ANNOTATION_KILLED]: 'SIGTERM' } } },
          contentType: 'application/merge-patch+json',
        })
        .catch(notFound);
      await this.o.api
        .request('DELETE', podPath(d.namespace, d.pod), { query: { gracePeriodSeconds: Math.ceil(Math.max(0, graceMs) / 1000) } })
        .catch(notFound);
    }
    await untilPod(this.pods, d.namespace, d.pod, (p) => {
      if (!p) return true;
      const all = p.status?.containerStatuses ?? [];
      if (!p.spec?.nodeName || p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') return true;
      return all.length > 0 && all.every((c) => c.state?.terminated) ? true : undefined;
    });
  }

  async adopt(h: StepHandle): Promise<AdoptState> {
    const d = this.details(h);
    const pod = await getPod(this.o.api, d.namespace, d.pod);
    if (!pod) return 'lost';
    return containerStatus(pod, this.shape(h).main)?.state?.terminated ? 'exited' : 'running';
  }

  /**
   * The step's outcome is saved: labels the pod completed (Argo's `workflows.argoproj.io/completed=true`, once the
   * controller has recorded it) and drops the finalizer in one patch, then the inputs Secrets (when the pod mounts
   * any) and the unpacked outputs; the pod itself stays (logs, status) until podGC or its Workflow's deletion.
   */
  async release(h: StepHandle): Promise<void> {
    const d = this.details(h);
    const pod = await getPod(this.o.api, d.namespace, d.pod);
    await this.dropFinalizer(d, pod, true);
    if (!pod || pod.spec?.volumes?.some((v) => isInputsVolume(v.name))) await deleteInputSecrets(this.o.api, d.namespace, d.pod, pod);
    if (pod) await rm(this.outDir(pod), { recursive: true, force: true });
  }

  async cleanup(h: StepHandle): Promise<void> {
    const d = this.details(h);
    const pod = await getPod(this.o.api, d.namespace, d.pod);
    await this.dropFinalizer(d, pod);
    await this.o.api.request('DELETE', podPath(d.namespace, d.pod), { query: { gracePeriodSeconds: 0 } }).catch(notFound);
    await deleteInputSecrets(this.o.api, d.namespace, d.pod, pod);
    if (pod) await rm(this.outDir(pod), { recursive: true, force: true });
  }

  /** Drops the executor's finalizer (and, with `completed`, labels the pod completed) in one patch per try. */
  private async dropFinalizer(d: { namespace: string; pod: string }, pod: Pod | undefined, completed = false): Promise<void> {
    const pending = (p: Pod | undefined): p is Pod =>
      p !== undefined &&
      ((p.metadata.finalizers ?? []).includes(FINALIZER) || (completed && p.metadata.labels?.[LABEL_COMPLETED] !== 'true'));
    for (let p = pod; pending(p); p = await getPod(this.o.api, d.namespace, d.pod)) {
      const finalizers = (p.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
      const labels = completed ? { labels: { [LABEL_COMPLETED]: 'true' } } : {};
      const done = await this.o.api
        .request('PATCH', podPath(d.namespace, d.pod), {
          body: { metadata: { finalizers, ...labels, resourceVersion: p.metadata.resourceVersion } },
          contentType: 'application/merge-patch+json',
        })
        .then(
          () => true,
          (e: unknown) => {
            if (e instanceof WeirError && (e.code === 'CONFLICT' || e.code === 'NOT_FOUND')) return e.code === 'NOT_FOUND';
            throw e;
          },
        );
      if (done) break;
    }
  }

  /** The pods labelled completed (this executor's labels, any namespace), with whether the finalizer still holds them. */
  kept(signal?: AbortSignal): Promise<KeptStep[]> {
    return keptPods(this.o.api, this.kind, this.o.labels ?? {}, signal);
  }

  /** Deletes every pod of a workflow and their inputs Secrets, in any namespace (`weir run` with a temporary data dir). */
  async removeWorkflow(uid: string): Promise<void> {
    const pods = await workflowPods(this.o.api, this.kind, uid);
    await Promise.all(pods.map((h) => this.cleanup(h)));
  }
}

const noOutputs: Pick<StepResult, 'readOutput' | 'copyOutput'> = {
  readOutput: () => Promise.resolve(undefined),
  copyOutput: () => Promise.resolve(undefined),
};

function notFound(e: unknown): undefined {
  if (e instanceof WeirError && e.code === 'NOT_FOUND') return undefined;
  throw e;
}
