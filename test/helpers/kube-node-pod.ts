// One pod on the test node, run as a kubelet would with podman: volumes prepared (emptyDir, hostPath, secret,
// configMap), init containers one after the other, then all containers, sharing one network namespace (an infra
// container running catatonit's pause mode, as the pause container does), `$(VAR)` expansion in command, args and
// env, the termination message file, CRI-format logs. Every change is written to the pod's status (phase,
// containerStatuses with exit codes, reasons and times, podIP). Deleting the pod stops its containers with the
// pod's grace period (SIGTERM, then SIGKILL), then confirms the deletion as the kubelet does. Once the pod has
// ended, its containers are removed from podman (their log files stay for pods/log until the pod object is gone).
import { appendFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodApi } from '../../src/executor/pod-kube.js';
import { podman } from './kube-node-exits.js';
import type { Batched, ContainerExits } from './kube-node-exits.js';
import type { ClaimVolumes } from './kube-node-volumes.js';
import { PAUSE, createArgs, infraArgs, prepareVolumes, rfc } from './kube-node-spec.js';
import type { ContainerSpec, Json, PodObject } from './kube-node-spec.js';

export { podman };
export type { ContainerSpec, PodObject };

interface CState {
  spec: ContainerSpec;
  name: string;
  logFile: string;
  termFile: string;
  state: Json;
  id?: string;
  exited: boolean;
  startedAt?: string;
}

/** The node's shared runtime helpers: the exit stream and the batched removals and address reads. */
export interface Runtime {
  exits: ContainerExits;
  remover: Batched;
  addresses: Batched;
  /** The node's PersistentVolumeClaims (kube-node-volumes.ts). */
  claims?: ClaimVolumes;
}

export class PodRunner {
  readonly pod: PodObject;
  private readonly api: PodApi;
  private readonly dir: string;
  private readonly nodeLabel: string;
  private readonly containers = new Map<string, CState>();
  private readonly inits: CState[] = [];
  private phase = 'Pending';
  private podIP = '';
  /** A pod without an infra container on podman's bridge: its one container's address is the pod's. */
  private ownAddress = false;
  private infra: string | undefined;
  private stopping: Promise<void> | undefined;
  /** The grace period (seconds) of the deletion, once terminate() was called. */
  private grace = 0;
  private statusChain: Promise<void> = Promise.resolve();
  private readonly startTime = new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  private readonly rt: Runtime;
  /** Set once the pod's containers were removed (after its end status was written). */
  private removed: Promise<void> | undefined;

  constructor(o: { api: PodApi; pod: PodObject; dir: string; nodeLabel: string; runtime: Runtime }) {
    this.rt = o.runtime;
    this.api = o.api;
    this.pod = o.pod;
    this.dir = o.dir;
    this.nodeLabel = o.nodeLabel;
    const mk = (c: ContainerSpec): CState => ({
      spec: c,
      name: `wn-${o.pod.metadata.uid.slice(0, 18)}-${c.name}`,
      logFile: join(o.dir, 'logs', `${c.name}.log`),
      termFile: join(o.dir, 'term', c.name),
      state: { waiting: { reason: 'ContainerCreating' } },
      exited: false,
    });
    for (const c of o.pod.spec.initContainers ?? []) this.inits.push(mk(c));
    for (const c of o.pod.spec.containers) this.containers.set(c.name, mk(c));
    for (const c of this.inits) this.containers.set(c.name, c);
  }

  logFile(container: string): string | undefined {
    return this.containers.get(container)?.logFile;
  }

  exited(container: string): boolean {
    return this.containers.get(container)?.exited ?? true;
  }

  private path(): string {
    return `/api/v1/namespaces/${this.pod.metadata.namespace}/pods/${this.pod.metadata.name}/status`;
  }

  private pushStatus(): Promise<void> {
    const st = (c: CState): Json => ({
      name: c.spec.name,
      image: c.spec.image,
      imageID: '',
      ...(c.id ? { containerID: `podman://${c.id}` } : {}),
      ready: 'running' in c.state,
      restartCount: 0,
      started: 'running' in c.state,
      state: c.state,
    });
    const main = this.pod.spec.containers.map((c) => st(this.containers.get(c.name) as CState));
    const status: Json = {
      phase: this.phase,
      startTime: this.startTime,
      hostIP: '127.0.0.1',
      ...(this.podIP ? { podIP: this.podIP, podIPs: [{ ip: this.podIP }] } : {}),
      containerStatuses: main,
      ...(this.inits.length ? { initContainerStatuses: this.inits.map(st) } : {}),
      conditions: [{ type: 'PodScheduled', status: 'True' }],
    };
    this.statusChain = this.statusChain.then(() =>
      this.api
        .request('PATCH', this.path(), { body: { status }, contentType: 'application/merge-patch+json' })
        .then(() => undefined)
        .catch(() => undefined),
    );
    return this.statusChain;
  }

  /** The container's `podman create` arguments, once its log and termination message files are in place. */
  private async prepare(c: CState, vols: Map<string, string>, network: string): Promise<string[]> {
    await mkdir(join(this.dir, 'logs'), { recursive: true });
    await mkdir(join(this.dir, 'term'), { recursive: true });
    await writeFile(c.termFile, '', { mode: 0o666 });
    await chmod(c.termFile, 0o666);
    for (const m of c.spec.volumeMounts ?? []) {
      const host = vols.get(m.name);
      if (host && m.subPath) await mkdir(join(host, m.subPath), { recursive: true, mode: 0o777 }); // as the kubelet does
    }
    return createArgs({
      pod: this.pod,
      spec: c.spec,
      name: c.name,
      label: this.nodeLabel,
      logFile: c.logFile,
      termFile: c.termFile,
      vols,
      network,
    });
  }

  private async create(c: CState, vols: Map<string, string>, network: string): Promise<void> {
    c.id = (await podman(await this.prepare(c, vols, network))).trim();
    if (c.spec.workingDir) {
      // The runtime creates a missing working directory (runc does; podman 4 refuses to start instead).
      const root = (await podman(['mount', c.name])).trim();
      await mkdir(join(root, c.spec.workingDir), { recursive: true });
      await podman(['unmount', c.name]);
    }
  }

  /**
   * Starts the created container (or, given `run`, its `podman run -d` arguments: creates and starts it in one
   * podman command) and waits for its end; returns its exit code (-1: it never ran).
   */
  private async startAndWait(c: CState, run?: string[]): Promise<number> {
    if (this.stopping) {
      this.fail(c, 'ContainerCreating', 'pod deleted');
      return -1;
    }
    const exited = this.rt.exits.exit(c.name);
    try {
      if (run) c.id = (await podman(run)).trim();
      else await podman(['start', c.name]);
    } catch (e) {
      this.rt.exits.forget(c.name);
      if (
        run &&
        !(await podman(['container', 'exists', c.name]).then(
          () => true,
          () => false,
        ))
      ) {
        this.fail(c, createFailure(e), String(e));
        return -1;
      }
      c.state = { terminated: { exitCode: 128, reason: 'StartError', message: String(e).slice(0, 1000) } };
      c.exited = true;
      await Promise.all(
        [...this.containers.values()]
          .filter((o) => o.id && !o.exited)
          .map((o) => podman(['stop', '-t', '0', o.name]).catch(() => undefined)),
      );
      return 128;
    }
    // Deleted while its start waited for a podman slot: terminate() found nothing running to stop, so stop it now.
    if (this.stopping) void podman(['stop', '-t', String(this.grace), c.name]).catch(() => undefined);
    c.startedAt = rfc(new Date().toISOString());
    c.state = { running: { startedAt: c.startedAt } };
    this.trace(`started:${c.spec.name}`);
    void this.pushStatus().then(() => this.trace(`running-pushed:${c.spec.name}`));
    // The address follows in a second status update: reading it must not hold back the Running state (log follows).
    if (this.ownAddress && !this.podIP)
      void this.rt.addresses.run([c.name]).then((out) => {
        if (this.podIP) return;
        const line = out.split('\n').find((l) => l.startsWith(`${c.name} `));
        this.podIP = line?.slice(c.name.length + 1).trim() || '127.0.0.1';
        return this.pushStatus();
      });
    const { code, finishedAt } = await exited;
    this.trace(`exited:${c.spec.name}`);
    // The died event carries the code and time; inspect only to tell OOMKilled (or for times a sweep did not give).
    const done =
      code !== 0 || !finishedAt
        ? (
            JSON.parse(await podman(['inspect', c.name]).catch(() => '[{}]')) as {
              State?: { StartedAt: string; FinishedAt: string; OOMKilled?: boolean };
            }[]
          )[0]
        : undefined;
    let message = (await readFile(c.termFile, 'utf8').catch(() => '')).slice(0, 4096);
    if (message === '' && code !== 0 && c.spec.terminationMessagePolicy === 'FallbackToLogsOnError')
      message = (await readFile(c.logFile, 'utf8').catch(() => '')).split('\n').slice(-80).join('\n').slice(-2048);
    c.state = {
      terminated: {
        exitCode: code,
        reason: done?.State?.OOMKilled ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error',
        startedAt: rfc(done?.State?.StartedAt ?? c.startedAt ?? ''),
        finishedAt: rfc(done?.State?.FinishedAt ?? finishedAt ?? ''),
        containerID: `podman://${c.id ?? ''}`,
        ...(message ? { message } : {}),
      },
    };
    c.exited = true;
    return code;
  }

  /** The pod cannot start yet (a volume is missing): every container waits in ContainerCreating with the reason. */
  private waitFor(message: string): Promise<void> {
    for (const c of this.containers.values()) c.state = { waiting: { reason: 'ContainerCreating', message } };
    return this.pushStatus();
  }

  private fail(c: CState, reason: string, message: string): void {
    c.state = { waiting: { reason, message } };
    c.exited = true;
  }

  private running: Promise<void> = Promise.resolve();

  /** Runs the pod to its end (or until it is deleted). */
  run(): Promise<void> {
    this.running = this.runPod()
      .catch(() => undefined)
      .then(() => this.removeContainers());
    return this.running;
  }

  /** WEIR_TEST_NODE_TRACE=FILE: a line `<epoch ms> <namespace>/<pod> <stage>` per step of running the pod (benchmarks). */
  private trace(stage: string): void {
    const f = process.env.WEIR_TEST_NODE_TRACE;
    if (f) appendFileSync(f, `${Date.now()} ${this.pod.metadata.namespace}/${this.pod.metadata.name} ${stage}\n`);
  }

  private async runPod(): Promise<void> {
    this.trace('run');
    await mkdir(this.dir, { recursive: true });
    await this.pushStatus();
    this.trace('pending-pushed');
    let vols: Map<string, string>;
    try {
      const claims = this.rt.claims;
      vols = await prepareVolumes(
        this.api,
        this.pod,
        this.dir,
        claims &&
          (async (name) => {
            const d = await claims.dir(
              this.pod.metadata.namespace,
              name,
              (why) => this.waitFor(why),
              () => this.stopping !== undefined,
            );
            if (d === undefined) throw new Error('the pod was deleted while waiting for its claim');
            return d;
          }),
      );
      this.trace('volumes');
    } catch (e) {
      for (const c of this.containers.values()) this.fail(c, 'CreateContainerConfigError', String(e));
      return this.pushStatus();
    }
    let network = this.pod.spec.hostNetwork ? 'host' : 'bridge';
    if (this.containers.size > 1 && !this.pod.spec.hostNetwork && PAUSE) {
      this.infra = `wn-${this.pod.metadata.uid.slice(0, 18)}-infra`;
      await podman(infraArgs(this.infra, this.nodeLabel, this.pod.spec.containers[0].image)).catch(() => undefined);
      network = `container:${this.infra}`;
    }
    if (this.infra) this.podIP = (await podman(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', this.infra]).catch(() => '')).trim();
    for (const c of this.inits) {
      if (this.stopping) return;
      try {
        await this.create(c, vols, network);
      } catch (e) {
        this.fail(c, 'ErrImageNeverPull', String(e));
        this.phase = 'Failed';
        return this.pushStatus();
      }
      const code = await this.startAndWait(c);
      if (code !== 0) {
        this.phase = 'Failed';
        return this.pushStatus();
      }
    }
    const mains = this.pod.spec.containers.map((s) => this.containers.get(s.name) as CState);
    if (this.stopping) return;
    // One container (no init containers, so no infra container) without a working directory to make: `podman run -d`
    // creates and starts it in one command instead of two (podman's own start-up is most of a command's cost).
    const single = mains.length === 1 && this.containers.size === 1 && !mains[0].spec.workingDir;
    let run: string[] | undefined;
    let created = true;
    if (single)
      run = await this.prepare(mains[0], vols, network).then(
        (a) => ['run', '-d', ...a.slice(1)],
        (e: unknown) => {
          this.fail(mains[0], 'CreateContainerError', String(e));
          created = false;
          return undefined;
        },
      );
    else
      created = (
        await Promise.all(
          mains.map((c) =>
            this.create(c, vols, network).then(
              () => true,
              (e: unknown) => {
                this.fail(c, createFailure(e), String(e));
                return false;
              },
            ),
          ),
        )
      ).every(Boolean);
    if (!created) {
      this.phase = 'Failed';
      return this.pushStatus();
    }
    // A pod without an infra container (one container) has its container's bridge address, known once it runs (a
    // daemon's {{steps.x.ip}} is read then; its readinessProbe is sent there).
    this.ownAddress = network === 'bridge';
    this.phase = 'Running';
    this.trace('created');
    const codes = await Promise.all(mains.map((c) => this.startAndWait(c, run).catch(() => -1)));
    this.phase = codes.every((c) => c === 0) ? 'Succeeded' : 'Failed';
    this.trace('inspected');
    await this.pushStatus();
    this.trace('ended-pushed');
  }

  /**
   * Removes the pod's containers, then its infra container (which they join, so podman refuses it before them),
   * once: when the pod has ended (its end status written) or is removed, as a kubelet's garbage collection would.
   * Their log files stay (podman does not delete a k8s-file log at a given path) until the pod object is gone.
   */
  private removeContainers(): Promise<void> {
    this.removed ??= (async () => {
      await this.rt.remover.run([...this.containers.values()].map((c) => c.name));
      if (this.infra) await this.rt.remover.run([this.infra]);
      this.trace('removed');
    })();
    return this.removed;
  }

  /** The pod was deleted (deletionTimestamp set): stop what runs with the grace period, then confirm the deletion. */
  terminate(graceSeconds: number): Promise<void> {
    if (!this.stopping) this.grace = graceSeconds;
    this.stopping ??= (async () => {
      await Promise.all(
        [...this.containers.values()]
          .filter((c) => c.id && !c.exited)
          .map((c) => podman(['stop', '-t', String(graceSeconds), c.name]).catch(() => undefined)),
      );
      await this.running;
      // As the kubelet reports containers of a deleted pod that never ran.
      for (const c of this.containers.values())
        if (!('terminated' in c.state)) {
          c.state = {
            terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'the pod was deleted before the container ran' },
          };
          c.exited = true;
        }
      if (this.phase !== 'Succeeded') this.phase = 'Failed';
      await this.pushStatus();
      const p = this.pod.metadata;
      await this.api
        .request('DELETE', `/api/v1/namespaces/${p.namespace}/pods/${p.name}`, {
          query: { gracePeriodSeconds: 0 },
          body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, preconditions: { uid: p.uid } },
        })
        .catch(() => undefined);
    })();
    return this.stopping;
  }

  /** The pod object is gone: remove its containers and files. */
  async remove(): Promise<void> {
    this.stopping ??= Promise.resolve();
    await this.removeContainers();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** The waiting reason of a container podman could not create. */
function createFailure(e: unknown): string {
  return /image not known|no such image|unable to find/i.test(String(e)) ? 'ErrImageNeverPull' : 'CreateContainerError';
}
