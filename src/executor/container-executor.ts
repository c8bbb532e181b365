// The container executor: every step runs in the image it names, through the Docker Engine API of podman or
// Docker (one HTTP client, no process spawned per step). The container's name derives from workflow uid + node id,
// so start is idempotent and a restarted Weir finds its steps again (adopt); the engine keeps exit codes, logs and
// the stopped container's filesystem until cleanup removes the container. See README "Container executor".
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { EngineStatusError, inspectContainer, query, untilContainer } from './container-api.js';
import type { ContainerInspect, EngineApi } from './container-api.js';
import { LABEL_MANAGED, LABEL_NODE, LABEL_STARTED, containerName, createBody, normalImage, resolveArgv } from './container-create.js';
import { connectEngine, serviceLogFor } from './container-engine.js';
import type { Engine } from './container-engine.js';
import { ImageResolver } from './container-images.js';
import { withImageCommand } from './pod-images.js';
import type { ImageCommands } from './pod-images.js';
import { LABEL_POD, ensureInfra, podAddress, releaseInfra } from './container-pod.js';
import { ROOT_MODE, copyContainerPath, openRootOnHost, putInputs, readContainerFile } from './container-io.js';
import { exitWatchOf } from './container-exits.js';
import { containerLines, stdoutTailOf } from './container-logs.js';
import type { AdoptState, LogLine, LogsOptions, StepExecutor, StepHandle, StepResult, StepSpec } from './types.js';

export interface ContainerExecutorOptions {
  /** Weir's data dir: script files of running steps live under `<dataDir>/container-steps`. */
  dataDir: string;
  logger?: Logger;
  /** Engine socket (path or unix:// URL). Default: WEIR_CONTAINER_HOST, DOCKER_HOST, podman's, Docker's. */
  socket?: string;
  /** Image for steps that name none (Argo requires one; tests and ad-hoc specs may not). */
  defaultImage?: string;
  /** An engine already connected (shared by executor instances of one process). */
  engine?: Engine;
  /** Extra labels on every container (e.g. to find a test's containers). */
  labels?: Record<string, string>;
  /** ENTRYPOINT/CMD of listed images, used instead of the image's own for templates without `command` (pod-images.ts). */
  images?: ImageCommands;
}

export class ContainerExecutor implements StepExecutor {
  readonly kind = 'container';
  readonly options: { readonly dataDir: string };
  private readonly engine: Promise<Engine>;
  private readonly images: Promise<ImageResolver>;
  private readonly log: Logger | undefined;
  private readonly killed = new Map<string, NodeJS.Signals>();

  constructor(private readonly o: ContainerExecutorOptions) {
    this.options = { dataDir: o.dataDir };
    this.log = o.logger;
    this.engine = o.engine
      ? Promise.resolve(o.engine)
      : connectEngine({ socket: o.socket, logger: o.logger, serviceLog: serviceLogFor(o.dataDir) });
    this.engine.catch(() => undefined); // reported by the first call that needs it
    this.images = this.engine.then((e) => new ImageResolver(e.api, o.logger));
    this.images.catch(() => undefined);
  }

  /** Connects (starting podman's service when needed) and returns the executor; throws ENGINE_UNAVAILABLE. */
  static async connect(o: ContainerExecutorOptions): Promise<ContainerExecutor> {
    const ex = new ContainerExecutor(o);
    await ex.engine;
    return ex;
  }

  /** e.g. `podman 4.3.1`. */
  async engineDescription(): Promise<string> {
    return (await this.engine).description;
  }

  private async api(): Promise<EngineApi> {
    return (await this.engine).api;
  }

  private stepDir(name: string): string {
    return join(this.o.dataDir, 'container-steps', name);
  }

  async start(given: StepSpec, signal?: AbortSignal): Promise<StepHandle> {
    const spec = withImageCommand(given, this.o.images);
    const engine = await this.engine;
    const api = engine.api;
    const name = containerName(spec);
    // The exit events' stream is open before the container can exit (see wait()).
    if (engine.isPodman) exitWatchOf(api, LABEL_MANAGED).ensure();
    // No inspect first: a container that already exists (a start in flight, or one to adopt after a restart) makes
    // the create below fail, and that path inspects it. One engine round trip less per step.
    const imageRef = spec.image ?? this.o.defaultImage;
    if (imageRef === undefined || imageRef === '')
      throw new WeirError('INVALID_SPEC', 'the container executor needs an image for every step (container.image)');
    const image = normalImage(imageRef);
    const images = await this.images;
    const config = await images.ensure(image, spec.container?.imagePullPolicy ?? 'IfNotPresent', signal);
    const argv = resolveArgv(spec, config);
    if (argv.length === 0)
      throw new WeirError('INVALID_SPEC', `image ${imageRef} has no ENTRYPOINT or CMD and the container sets no command`);
    let scriptHostPath: string | undefined;
    if (spec.script) {
      await mkdir(this.stepDir(name), { recursive: true });
      scriptHostPath = join(this.stepDir(name), 'script');
      // Executable: `command: [sh, -c]` runs the appended path itself (Argo's scripts-bash example).
      await writeFile(scriptHostPath, spec.script.source, { mode: 0o755 });
      await chmod(scriptHostPath, 0o755);
    }
    const startedAt = new Date().toISOString();
    const podId = spec.container?.networkOf;
    const networkContainer = podId !== undefined ? await ensureInfra(api, spec, podId, image, this.o.labels ?? {}) : undefined;
    const body = createBody({
      spec: { ...spec, image },
      argv,
      name,
      startedAt,
      scriptHostPath,
      networkContainer,
      logDriver: engine.isPodman ? 'k8s-file' : 'json-file',
    });
    body.Labels = {
      ...(body.Labels as Record<string, string>),
      ...this.o.labels,
      ...(networkContainer ? { [LABEL_POD]: networkContainer } : {}),
    };
    try {
      await api.call({ method: 'POST', path: `/containers/create${query({ name })}`, json: body, signal });
    } catch (e) {
      // A concurrent start won the race (409, or 500 from podman): the same handle as that start returned. podman
      // reserves the name before that create has landed, so an inspect right away can still find nothing.
      const again = (await this.inspect(name)) ?? (nameTaken(e) ? await untilContainer(api, name, () => true) : undefined);
      if (again) return this.handleOf(api, again, name, spec.container?.address === true);
      throw new WeirError('STEP_FAILED', `cannot create container for ${imageRef}: ${errorMessage(e)}`, { cause: e });
    }
    try {
      // podman: `/` made writable for root as on Docker (container-io.ts), through the archive PUT only when the
      // engine's storage is not reachable from here.
      const rootMode = engine.isPodman && !(await openRootOnHost(api, name)) ? ROOT_MODE : undefined;
      await putInputs(api, name, spec.inputFiles ?? [], rootMode);
      await api.call({ method: 'POST', path: `/containers/${name}/start`, signal });
    } catch (e) {
      await api.call({ method: 'DELETE', path: `/containers/${name}${query({ force: true })}` }).catch(() => undefined);
      throw new WeirError('STEP_FAILED', `cannot start container for ${imageRef}: ${errorMessage(e)}`, { cause: e });
    }
    const bare: StepHandle = {
      executor: this.kind,
      id: name,
      startedAt,
      details: { container: name, ...(networkContainer ? { pod: networkContainer } : {}) },
    };
    // Only a step whose address is asked for (a daemon) is inspected for it: one engine round trip less per step.
    if (spec.container?.address !== true) return bare;
    // podman can fail an inspect of a container that is just exiting ("read /proc/N/cgroup: no such process"): the
    // container runs (or ran), so the handle without an address is right then.
    const after = await this.inspect(name).catch(() => undefined);
    return after ? this.handleOf(api, after, name, true) : bare;
  }

  /**
   * The handle of a container; `ip` (its address on the engine's network, for `{{steps.X.ip}}`: the pod's for a pod
   * member) while it runs, only when `withAddress` (as start() gives it: for steps whose address is asked for);
   * `pod`: the pod's infra container.
   */
  private async handleOf(api: EngineApi, c: ContainerInspect, name: string, withAddress: boolean): Promise<StepHandle> {
    const startedAt = c.Config.Labels?.[LABEL_STARTED] ?? c.Created;
    const pod = c.Config.Labels?.[LABEL_POD];
    if (!withAddress) return { executor: this.kind, id: name, startedAt, details: { container: name, ...(pod ? { pod } : {}) } };
    const own =
      c.NetworkSettings?.IPAddress ||
      Object.values(c.NetworkSettings?.Networks ?? {})
        .map((n) => n.IPAddress)
        .find((x) => x);
    const ip = pod ? (c.State.Running ? await podAddress(api, pod) : undefined) : own;
    return { executor: this.kind, id: name, startedAt, details: { container: name, ...(pod ? { pod } : {}), ...(ip ? { ip } : {}) } };
  }

  private nameOf(h: StepHandle): string {
    if (h.executor !== this.kind)
      throw new WeirError('INVALID_ARGUMENT', `handle of executor ${h.executor} given to the container executor`);
    const c = h.details.container;
    return typeof c === 'string' ? c : h.id;
  }

  private async inspect(name: string): Promise<ContainerInspect | undefined> {
    return inspectContainer(await this.api(), name);
  }

  async wait(handle: StepHandle, signal?: AbortSignal): Promise<StepResult> {
    const engine = await this.engine;
    const name = this.nameOf(handle);
    const waited = engine.api
      .call({ method: 'POST', path: `/containers/${name}/wait${query({ condition: 'not-running' })}`, signal })
      .then(() => undefined);
    waited.catch(() => undefined); // raced with exit events below, and awaited before files are read
    let c: ContainerInspect | undefined;
    try {
      c = engine.isPodman ? await this.exited(engine.api, name, waited) : await waited;
    } catch (e) {
      if (signal?.aborted) throw new WeirError('CANCELLED', 'wait cancelled', { cause: e });
      if (e instanceof EngineStatusError && e.status === 404) throw new WeirError('NOT_FOUND', `container ${name} is gone`, { cause: e });
      throw e;
    }
    c ??= await this.inspect(name);
    if (!c) throw new WeirError('NOT_FOUND', `container ${name} is gone`);
    // Files are read once the engine's wait has answered: podman's clean-up, still running after an exit event,
    // unmounts the container's filesystem under a read (seen as a missing output file).
    return this.resultOf(engine.api, name, c, () => waited.catch(() => undefined));
  }

  /**
   * Resolves once the container no longer runs: with its inspect when podman's `die` event came first (podman's wait
   * answers only after the container's clean-up, see container-exits.ts), else with undefined when its wait
   * (`waited`) answered.
   */
  private async exited(api: EngineApi, name: string, waited: Promise<undefined>): Promise<ContainerInspect | undefined> {
    const exits = exitWatchOf(api, LABEL_MANAGED);
    exits.ensure();
    let died = false;
    let wake: (() => void) | undefined;
    const off = exits.watch(name, () => {
      died = true;
      wake?.();
    });
    try {
      for (;;) {
        const hint = new Promise<'died'>((r) => (died ? r('died') : (wake = () => r('died'))));
        if ((await Promise.race([waited, hint])) !== 'died') return undefined;
        died = false;
        const c = await this.inspect(name).catch(() => undefined);
        if (c && !c.State.Running && c.State.Status !== 'created' && c.State.Status !== 'configured') return c;
      }
    } finally {
      off();
    }
  }

  private async resultOf(api: EngineApi, name: string, c: ContainerInspect, settled?: () => Promise<unknown>): Promise<StepResult> {
    let exitCode: number | null = c.State.ExitCode;
    let message: string | undefined;
    const stdoutTail = await stdoutTailOf(api, name, c);
    // podman on cgroup v1 does not always flag an OOM kill: a SIGKILL Weir did not send, under a memory limit, is one.
    const limit = c.HostConfig?.Memory ?? 0;
    const oom = c.State.OOMKilled || (exitCode === 137 && limit > 0 && !this.killed.has(name) && (await this.killMark(name)) === undefined);
    if (oom) {
      exitCode = 137;
      message = `OOMKilled: the step exceeded its memory limit${limit > 0 ? ` of ${limit} bytes` : ''} (resources.limits.memory) and was killed`;
    } else if (exitCode === 1) {
      // The init process reports a command it cannot run on stderr and exits 1; runtimes say 127 for it.
      const first = (await this.firstStderr(name, c)) ?? '';
      const m = /failed to exec pid1: (.*)$|exec (.*) failed: (.*)$/.exec(first);
      if (m) {
        exitCode = 127;
        const cmd = this.argv0(c) ?? 'command';
        message = /no such file/i.test(first) ? `${cmd}: executable file not found in $PATH` : `${cmd}: ${m[1] ?? m[3]}`;
      }
    } else if (c.State.Error) message = c.State.Error;
    const signal = this.killed.get(name) ?? (await this.killMark(name));
    const startedAt = new Date(c.State.StartedAt);
    const finishedAt = new Date(c.State.FinishedAt);
    const res: StepResult = {
      exitCode,
      startedAt,
      finishedAt: finishedAt.getTime() < startedAt.getTime() ? startedAt : finishedAt,
      stdoutTail,
      readOutput: async (p) => {
        await settled?.();
        return readContainerFile(api, name, p);
      },
      copyOutput: async (p, dest) => {
        await settled?.();
        return copyContainerPath(api, name, p, dest);
      },
    };
    if (signal && (exitCode === 143 || exitCode === 137) && !oom) res.signal = exitCode === 143 ? 'SIGTERM' : 'SIGKILL';
    if (message !== undefined) res.message = message;
    return res;
  }

  private argv0(c: ContainerInspect): string | undefined {
    const e = c.Config.Entrypoint;
    return Array.isArray(e) ? e[0] : typeof e === 'string' ? e : undefined;
  }

  private async firstStderr(name: string, c: ContainerInspect): Promise<string | undefined> {
    for await (const l of containerLines(await this.api(), name, c, {})) if (l.stream === 'stderr') return l.line;
    return undefined;
  }

  async *logs(handle: StepHandle, opts: LogsOptions = {}): AsyncIterable<LogLine> {
    const name = this.nameOf(handle);
    const c = await this.inspect(name);
    if (!c) return;
    yield* containerLines(await this.api(), name, c, opts);
  }

  private killFile(name: string): string {
    return join(this.stepDir(name), 'killed');
  }

  private async killMark(name: string): Promise<NodeJS.Signals | undefined> {
    return readFile(this.killFile(name), 'utf8').then(
      (s) => (s.trim() === '' ? undefined : (s.trim() as NodeJS.Signals)),
      () => undefined,
    );
  }

  async kill(handle: StepHandle, graceMs: number): Promise<void> {
    const api = await this.api();
    const name = this.nameOf(handle);
    this.killed.set(name, 'SIGTERM');
    await mkdir(this.stepDir(name), { recursive: true });
    await writeFile(this.killFile(name), 'SIGTERM');
    const send = (sig: string): Promise<void> =>
      api.call<void>({ method: 'POST', path: `/containers/${name}/kill${query({ signal: sig })}` }).catch((e: unknown) => {
        if (e instanceof EngineStatusError && (e.status === 404 || e.status === 409 || /not running|stopped|exited/i.test(e.message)))
          return;
        throw e;
      });
    const gone = api.call({ method: 'POST', path: `/containers/${name}/wait${query({ condition: 'not-running' })}` }).then(
      () => true,
      () => true,
    );
    if (graceMs > 0) {
      await send('SIGTERM');
      const stopped = await Promise.race([gone, new Promise<false>((r) => setTimeout(() => r(false), graceMs))]);
      if (stopped) return;
    }
    await send('SIGKILL');
    await gone;
  }

  async adopt(handle: StepHandle): Promise<AdoptState> {
    const name = this.nameOf(handle);
    const c = await this.inspect(name);
    if (!c) return 'lost';
    if (c.State.Running) return 'running';
    if (c.State.Status === 'created' || c.State.Status === 'configured') {
      // Weir stopped between create and start: the step never ran, so starting it now is its first run.
      await (await this.api()).call({ method: 'POST', path: `/containers/${name}/start` });
      return 'running';
    }
    return 'exited';
  }

  async cleanup(handle: StepHandle): Promise<void> {
    const name = this.nameOf(handle);
    await (
      await this.api()
    )
      .call({ method: 'DELETE', path: `/containers/${name}${query({ force: true, v: true })}` })
      .catch((e: unknown) => {
        if (e instanceof EngineStatusError && e.status === 404) return;
        throw e;
      });
    this.killed.delete(name);
    await rm(this.stepDir(name), { recursive: true, force: true });
    const pod = handle.details.pod;
    if (typeof pod === 'string') await releaseInfra(await this.api(), pod);
  }

  /** Removes every container carrying `label=value` (test clean-up; Weir's own clean-up goes per step). */
  async removeLabelled(label: string, value: string): Promise<number> {
    const api = await this.api();
    const list = await api.call<{ Id: string; Labels?: Record<string, string> | null }[]>({
      path: `/containers/json${query({ all: true, filters: JSON.stringify({ label: [`${label}=${value}`] }) })}`,
    });
    const remove = (cs: typeof list): Promise<unknown> =>
      Promise.all(
        cs.map((c) => api.call({ method: 'DELETE', path: `/containers/${c.Id}${query({ force: true, v: true })}` }).catch(() => undefined)),
      );
    // Pod members first: a pod's infra container cannot go while members use its network namespace.
    const isInfra = (c: (typeof list)[number]): boolean => (c.Labels?.[LABEL_NODE] ?? '').endsWith('::pod');
    await remove(list.filter((c) => !isInfra(c)));
    await remove(list.filter(isInfra));
    return list.length;
  }

  /** Nothing to free: the engine connection is shared per process and its idle sockets do not hold it open. */
  close(): void {
    this.log?.debug({}, 'container executor closed');
  }
}

/** Whether a failed create says the name is taken (Docker: 409; podman: 409 or 500 "…name … is already in use"). */
function nameTaken(e: unknown): boolean {
  return e instanceof EngineStatusError && (e.status === 409 || /already in use/.test(e.message));
}
