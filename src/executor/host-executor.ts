// StepExecutor that runs steps as detached host processes, isolated with bubblewrap when available.
// Each step owns <dataDir>/steps/<workflow-uid>/<node-id>/; everything needed to wait for it, read its logs
// and outputs, or kill it after a restart of Weir is in that directory and in the serialisable handle.
import { sleep } from '../core/clock.js';
import { existsSync, writeFileSync } from 'node:fs';
import { cp, lstat, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { WeirError, errorMessage } from '../core/errors.js';
import { launchStep } from './host-launch.js';
import { resolveHostExecutorOptions } from './host-options.js';
import type { HostExecutorOptions, ResolvedHostExecutorOptions } from './host-options.js';
import { resolveInView } from './host-view.js';
import type { ViewMap } from './host-view.js';
import { nodeDirFor, nodePaths, readHandleFile, readTail } from './node-dir.js';
import type { HandleFile, NodePaths } from './node-dir.js';
import { signalStep, stepGroupAlive } from './proc.js';
import type { GroupIdentity } from './proc.js';
import { HostLister } from './sandbox.js';
import { cancelled, determineOutcome, StepMonitor } from './step-monitor.js';
import type { Outcome } from './step-monitor.js';
import { STDOUT_TAIL_BYTES } from './types.js';
import type { AdoptState, LogLine, LogsOptions, StepExecutor, StepHandle, StepResult, StepSpec } from './types.js';

const isAborted = (s: AbortSignal | undefined): s is AbortSignal => s?.aborted === true;

interface Tracked {
  paths: NodePaths;
  view: ViewMap;
  isolated: boolean;
  identity: GroupIdentity;
  monitor: StepMonitor;
}

export class HostExecutor implements StepExecutor {
  readonly kind = 'host';
  readonly options: ResolvedHostExecutorOptions;
  private readonly lister = new HostLister();
  private readonly tracked = new Map<string, Tracked>();
  private readonly attaching = new Map<string, Promise<Tracked>>();
  private warned = false;
  /** Starts in flight per step: a second start() of the same step while the first runs joins it (idempotent). */
  private readonly starting = new Map<string, Promise<StepHandle>>();

  constructor(options: HostExecutorOptions) {
    this.options = resolveHostExecutorOptions(options);
  }

  /** Whether steps run inside bubblewrap. */
  get isolated(): boolean {
    return this.options.bwrapPath !== null;
  }

  start(spec: StepSpec, signal?: AbortSignal): Promise<StepHandle> {
    if (isAborted(signal)) return Promise.reject(cancelled(signal));
    if (typeof spec?.workflow?.uid !== 'string' || spec.workflow.uid === '' || typeof spec.nodeId !== 'string' || spec.nodeId === '') {
      return Promise.reject(new WeirError('INVALID_SPEC', 'step spec needs workflow.uid and nodeId'));
    }
    // Two calls for one step at once (say two controller passes) would both find no node dir and launch it twice.
    const key = `${spec.workflow.uid}/${spec.nodeId}`;
    const inFlight = this.starting.get(key);
    if (inFlight) return inFlight;
    const p = this.startOnce(spec, signal).finally(() => this.starting.delete(key));
    this.starting.set(key, p);
    return p;
  }

  private async startOnce(spec: StepSpec, signal?: AbortSignal): Promise<StepHandle> {
    const o = this.options;
    const paths = nodePaths(nodeDirFor(o.stepsDir, spec.workflow.uid, spec.nodeId));
    if (existsSync(paths.dir)) {
      const existing = await readHandleFile(paths.handle);
      if (existing !== undefined) {
        await this.attach(existing.handle);
        return existing.handle;
      }
      await rm(paths.dir, { recursive: true, force: true }); // a launch that died before recording its handle
    }
    if (!this.isolated && !this.warned) {
      this.warned = true;
      o.logger.warn(
        { reason: o.unisolatedReason },
        'steps run WITHOUT isolation: outputs, inputs and /tmp use the real host paths and parallel steps can see each other; volume mounts need bubblewrap',
      );
    }
    if (isAborted(signal)) throw cancelled(signal);
    let handle: StepHandle | undefined;
    // handle.json is written synchronously right after the spawn, before anything else runs: a Weir process killed
    // between the two would leave a running step without a handle, and the next Weir would launch it a second time.
    const launched = await launchStep(spec, paths, o, this.lister, (l) => {
      handle = {
        executor: this.kind,
        id: `${spec.workflow.uid}/${spec.nodeId}`,
        startedAt: new Date(l.startedAt).toISOString(),
        details: {
          dir: paths.dir,
          pid: l.identity.pid,
          startTicks: l.identity.startTicks,
          bootId: l.identity.bootId,
          isolated: this.isolated,
          image: spec.image ?? null,
        },
      };
      const file: HandleFile = { handle, view: l.view };
      writeFileSync(paths.handle, JSON.stringify(file));
    });
    if (handle === undefined) throw new WeirError('INTERNAL', `step ${spec.nodeId} started without a handle`);
    o.logger.debug(
      { workflow: `${spec.workflow.namespace}/${spec.workflow.name}`, node: spec.nodeId, pid: launched.identity.pid },
      'step started',
    );
    const t = this.track(handle, paths, launched.view);
    this.tracked.set(handle.id, t);
    t.monitor.startFresh();
    t.monitor.onLeaderExit(launched.leaderExited, this.isolated);
    return handle;
  }

  async wait(handle: StepHandle, signal?: AbortSignal): Promise<StepResult> {
    const t = await this.attach(handle);
    const outcome = await t.monitor.waitDone(signal);
    return this.result(handle, t, outcome);
  }

  logs(handle: StepHandle, opts: LogsOptions = {}): AsyncIterable<LogLine> {
    return this.streamLogs(handle, opts);
  }

  private async *streamLogs(handle: StepHandle, opts: LogsOptions): AsyncGenerator<LogLine> {
    const t = await this.attach(handle);
    // Imported on the first logs request: a `weir run` without --logs never reads logs through it.
    const { readLogs } = await import('./log-reader.js');
    yield* readLogs(
      {
        paths: t.paths,
        index: () => t.monitor.index(),
        finished: async () => {
          await t.monitor.check();
          return t.monitor.outcome !== undefined;
        },
        changed: (signal) => t.monitor.nextChange(signal, 250),
        // Log stamps are filesystem times (mtimes), so the fallback must be real time too.
        clock: Date.now,
      },
      opts,
    );
  }

  async kill(handle: StepHandle, graceMs: number): Promise<void> {
    const t = await this.attach(handle);
    if (t.monitor.outcome !== undefined || !stepGroupAlive(t.identity)) return;
    // The mark tells the outcome it was a kill; failing to write it (the dir removed meanwhile) must not stop the kill.
    const mark = (signal: NodeJS.Signals): Promise<void> =>
      writeFile(t.paths.killed, JSON.stringify({ at: new Date(this.options.clock.now()).toISOString(), signal })).catch((e: unknown) =>
        this.options.logger.warn({ node: handle.id, err: errorMessage(e) }, 'cannot record the kill'),
      );
    await mark('SIGTERM');
    this.options.logger.info({ node: handle.id, graceMs }, 'terminating step');
    signalStep(t.identity.pid, 'SIGTERM', t.isolated);
    if (!(await this.waitGone(t, graceMs))) {
      await mark('SIGKILL');
      signalStep(t.identity.pid, 'SIGKILL', t.isolated);
      if (!(await this.waitGone(t, 5000))) {
        this.options.logger.warn({ node: handle.id, pid: t.identity.pid }, 'step processes still present after SIGKILL');
      }
    }
    await t.monitor.check();
  }

  async adopt(handle: StepHandle): Promise<AdoptState> {
    let t: Tracked;
    try {
      t = await this.attach(handle);
    } catch (e) {
      if (e instanceof WeirError && e.code === 'NOT_FOUND') return 'lost';
      throw e;
    }
    const out = t.monitor.outcome;
    if (out === undefined) return 'running';
    return out.exitCode === null ? 'lost' : 'exited';
  }

  async cleanup(handle: StepHandle): Promise<void> {
    const dir = this.dirOf(handle);
    if ((await readHandleFile(nodePaths(dir).handle)) !== undefined) {
      const t = await this.attach(handle);
      if (t.monitor.outcome === undefined) await this.kill(handle, 0);
    }
    this.tracked.delete(handle.id);
    await rm(dir, { recursive: true, force: true });
    await rmdir(dirname(dir)).catch(() => undefined); // the workflow's dir, once its last step is gone
  }

  /** Starts following a step (idempotent); works for handles from other executor instances. */
  private attach(handle: StepHandle): Promise<Tracked> {
    if (handle.executor !== this.kind) {
      return Promise.reject(new WeirError('INVALID_ARGUMENT', `handle belongs to executor '${handle.executor}', not 'host'`));
    }
    const known = this.tracked.get(handle.id);
    if (known !== undefined) return Promise.resolve(known);
    let p = this.attaching.get(handle.id);
    if (p === undefined) {
      p = this.doAttach(handle).finally(() => this.attaching.delete(handle.id));
      this.attaching.set(handle.id, p);
    }
    return p;
  }

  private async doAttach(handle: StepHandle): Promise<Tracked> {
    const paths = nodePaths(this.dirOf(handle));
    const file = await readHandleFile(paths.handle);
    if (file === undefined) throw new WeirError('NOT_FOUND', `step ${handle.id} has no state under ${paths.dir}`);
    const t = this.track(handle, paths, file.view);
    const early = await determineOutcome(paths, t.identity);
    if (early === undefined) this.tracked.set(handle.id, t);
    await t.monitor.start(early);
    return t;
  }

  private track(handle: StepHandle, paths: NodePaths, view: ViewMap): Tracked {
    const d = handle.details;
    const identity: GroupIdentity = {
      pid: Number(d.pid),
      startTicks: typeof d.startTicks === 'string' ? d.startTicks : null,
      bootId: typeof d.bootId === 'string' ? d.bootId : null,
    };
    return {
      paths,
      view,
      isolated: d.isolated === true,
      identity,
      monitor: new StepMonitor({
        paths,
        identity,
        clock: this.options.clock,
        logger: this.options.logger,
        pollIntervalMs: this.options.pollIntervalMs,
        maxLogBytes: this.options.maxLogBytes,
        onFinished: () => this.tracked.delete(handle.id),
      }),
    };
  }

  private dirOf(handle: StepHandle): string {
    const dir = handle.details.dir;
    if (typeof dir !== 'string' || !dir.startsWith(this.options.stepsDir + '/')) {
      throw new WeirError('INVALID_ARGUMENT', `handle ${handle.id} does not point into ${this.options.stepsDir}`);
    }
    return dir;
  }

  private async waitGone(t: Tracked, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (!stepGroupAlive(t.identity)) return true;
      if (Date.now() >= deadline) return false;
      await sleep(Math.min(20, Math.max(1, deadline - Date.now())));
    }
  }

  private async result(handle: StepHandle, t: Tracked, out: Outcome): Promise<StepResult> {
    const { paths, view } = t;
    const log = this.options.logger;
    const resolve = async (containerPath: string): Promise<string | undefined> => {
      const p = await resolveInView(view, containerPath);
      if (p === undefined) log.debug({ node: handle.id, path: containerPath }, 'output not found');
      return p;
    };
    const r: StepResult = {
      exitCode: out.exitCode,
      startedAt: new Date(handle.startedAt),
      finishedAt: out.finishedAt,
      stdoutTail: await readTail(paths.stdout, STDOUT_TAIL_BYTES),
      readOutput: async (containerPath) => {
        const p = await resolve(containerPath);
        if (p === undefined) return undefined;
        return readFile(p).catch((e: NodeJS.ErrnoException) => {
          if (e.code === 'EISDIR' || e.code === 'ENOENT') return undefined;
          throw new WeirError('IO_ERROR', `cannot read output ${containerPath}`, { cause: e });
        });
      },
      copyOutput: async (containerPath, hostDest) => {
        const p = await resolve(containerPath);
        if (p === undefined) return undefined;
        const st = await lstat(p);
        await cp(p, hostDest, { recursive: true, verbatimSymlinks: true }).catch((cause: unknown) => {
          throw new WeirError('IO_ERROR', `cannot copy output ${containerPath}`, { cause });
        });
        return st.isDirectory() ? 'dir' : 'file';
      },
    };
    if (out.signal !== undefined) r.signal = out.signal;
    if (out.message !== undefined) r.message = out.message;
    return r;
  }
}
