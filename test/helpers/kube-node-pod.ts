// One pod on the test node, run as a kubelet would with podman: volumes prepared (emptyDir, hostPath, secret,
// configMap), init containers one after the other, then all containers, sharing one network namespace (an infra
// container running catatonit's pause mode, as the pause container does), `$(VAR)` expansion in command, args and
// env, the termination message file, CRI-format logs. Every change is written to the pod's status (phase,
// containerStatuses with exit codes, reasons and times, podIP). Deleting the pod stops its containers with the
// pod's grace period (SIGTERM, then SIGKILL), then confirms the deletion as the kubelet does.
import { existsSync, realpathSync } from 'node:fs';
import { appendFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalImage } from '../../src/executor/container-create.js';
import type { PodApi } from '../../src/executor/pod-kube.js';
import { podman } from './kube-node-exits.js';
import type { ContainerExits } from './kube-node-exits.js';
import type { ClaimVolumes } from './kube-node-volumes.js';

export { podman };

type Json = Record<string, unknown>;
interface EnvVar {
  name: string;
  value?: string;
}
interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}
export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  volumeMounts?: Mount[];
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  securityContext?: {
    runAsUser?: number;
    runAsGroup?: number;
    privileged?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { add?: string[] };
  };
  resources?: { limits?: { memory?: string; cpu?: string } };
}
interface Volume {
  name: string;
  emptyDir?: unknown;
  hostPath?: { path: string };
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  configMap?: { name: string; items?: { key: string; path: string }[] };
  persistentVolumeClaim?: { claimName: string };
}
export interface PodObject {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; deletionGracePeriodSeconds?: number };
  spec: {
    nodeName?: string;
    hostNetwork?: boolean;
    initContainers?: ContainerSpec[];
    containers: ContainerSpec[];
    volumes?: Volume[];
    terminationGracePeriodSeconds?: number;
    securityContext?: { runAsUser?: number; runAsGroup?: number };
  };
}

/** Kubernetes' `$(VAR)` expansion: defined names are replaced, `$$` is a literal `$`, anything else stays. */
export function expand(s: string, vars: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '$' || i + 1 >= s.length) {
      out += s[i];
      continue;
    }
    if (s[i + 1] === '$') {
      out += '$';
      i++;
    } else if (s[i + 1] === '(') {
      const end = s.indexOf(')', i + 2);
      const name = end < 0 ? undefined : s.slice(i + 2, end);
      if (name !== undefined && vars.has(name)) {
        out += vars.get(name);
        i = end;
      } else out += '$';
    } else out += '$';
  }
  return out;
}

const PAUSE = ['/usr/libexec/podman/catatonit', '/usr/bin/catatonit', '/usr/libexec/catatonit/catatonit'].find((p) => existsSync(p));

interface CState {
  spec: ContainerSpec;
  name: string;
  logFile: string;
  termFile: string;
  state: Json;
  id?: string;
  exited: boolean;
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
  private statusChain: Promise<void> = Promise.resolve();
  private readonly startTime = new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  private readonly exits: ContainerExits;
  private readonly claims: ClaimVolumes | undefined;

  constructor(o: { api: PodApi; pod: PodObject; dir: string; nodeLabel: string; exits: ContainerExits; claims?: ClaimVolumes }) {
    this.exits = o.exits;
    this.claims = o.claims;
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

  private async volumes(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const ns = this.pod.metadata.namespace;
    for (const v of this.pod.spec.volumes ?? []) {
      const d = join(this.dir, 'volumes', v.name);
      if (v.persistentVolumeClaim && this.claims) {
        const claim = await this.claims.dir(
          ns,
          v.persistentVolumeClaim.claimName,
          (why) => this.waitFor(why),
          () => this.stopping !== undefined,
        );
        if (claim === undefined) throw new Error('the pod was deleted while waiting for its claim');
        out.set(v.name, claim);
        continue;
      }
      if (v.hostPath) {
        await mkdir(v.hostPath.path, { recursive: true });
        out.set(v.name, v.hostPath.path);
        continue;
      }
      await mkdir(d, { recursive: true });
      await chmod(d, 0o777);
      out.set(v.name, d);
      const src = v.secret
        ? { path: `/api/v1/namespaces/${ns}/secrets/${v.secret.secretName}`, items: v.secret.items, b64: true }
        : v.configMap
          ? { path: `/api/v1/namespaces/${ns}/configmaps/${v.configMap.name}`, items: v.configMap.items, b64: false }
          : undefined;
      if (!src) {
        if (v.emptyDir === undefined)
          throw new Error(`volume ${v.name}: only emptyDir, hostPath, secret, configMap and persistentVolumeClaim are supported`);
        continue;
      }
      const obj = await this.api.request<{ data?: Record<string, string>; binaryData?: Record<string, string> }>('GET', src.path);
      const data: Record<string, Buffer> = {};
      for (const [k, val] of Object.entries(obj.data ?? {})) data[k] = src.b64 ? Buffer.from(val, 'base64') : Buffer.from(val);
      for (const [k, val] of Object.entries(obj.binaryData ?? {})) data[k] = Buffer.from(val, 'base64');
      const items = src.items ?? Object.keys(data).map((k) => ({ key: k, path: k }));
      for (const it of items) if (data[it.key]) await writeFile(join(d, it.path), data[it.key], { mode: 0o644 });
    }
    return out;
  }

  private async create(c: CState, vols: Map<string, string>, network: string): Promise<void> {
    const s = c.spec;
    const vars = new Map<string, string>();
    const env: string[] = [];
    for (const e of s.env ?? []) {
      const v = expand(e.value ?? '', vars);
      vars.set(e.name, v);
      env.push('--env', `${e.name}=${v}`);
    }
    await mkdir(join(this.dir, 'logs'), { recursive: true });
    await mkdir(join(this.dir, 'term'), { recursive: true });
    await writeFile(c.termFile, '', { mode: 0o666 });
    await chmod(c.termFile, 0o666);
    const args = ['create', '--name', c.name, '--label', `io.weir.test-node=${this.nodeLabel}`, '--pull', 'never'];
    if (network === 'bridge') args.push('--hostname', this.pod.metadata.name);
    args.push('--log-driver', 'k8s-file', '--log-opt', `path=${c.logFile}`, '--network', network, ...env);
    args.push('-v', `${c.termFile}:${s.terminationMessagePath ?? '/dev/termination-log'}`);
    for (const m of s.volumeMounts ?? []) {
      const host = vols.get(m.name);
      if (!host) throw new Error(`container ${s.name}: volume ${m.name} is not defined`);
      if (m.subPath) await mkdir(join(host, m.subPath), { recursive: true, mode: 0o777 }); // as the kubelet does
      args.push('-v', `${m.subPath ? join(host, m.subPath) : host}:${m.mountPath}${m.readOnly ? ':ro' : ''}`);
    }
    if (s.workingDir) args.push('--workdir', s.workingDir);
    const sc = { ...this.pod.spec.securityContext, ...s.securityContext };
    if (sc.runAsUser !== undefined) args.push('--user', `${sc.runAsUser}${sc.runAsGroup !== undefined ? `:${sc.runAsGroup}` : ''}`);
    if (s.securityContext?.privileged) args.push('--privileged');
    if (s.securityContext?.readOnlyRootFilesystem) args.push('--read-only');
    for (const cap of s.securityContext?.capabilities?.add ?? []) args.push('--cap-add', cap);
    if (s.resources?.limits?.memory) args.push('--memory', s.resources.limits.memory.replace(/i$/, '').toLowerCase());
    if (s.command) args.push('--entrypoint', JSON.stringify(s.command.map((a) => expand(a, vars))));
    args.push(normalImage(s.image), ...(s.args ?? []).map((a) => expand(a, vars)));
    c.id = (await podman(args)).trim();
    if (s.workingDir) {
      // The runtime creates a missing working directory (runc does; podman 4 refuses to start instead).
      const root = (await podman(['mount', c.name])).trim();
      await mkdir(join(root, s.workingDir), { recursive: true });
      await podman(['unmount', c.name]);
    }
  }

  private async startAndWait(c: CState): Promise<number> {
    if (this.stopping) {
      this.fail(c, 'ContainerCreating', 'pod deleted');
      return -1;
    }
    const exited = this.exits.exit(c.name);
    try {
      await podman(['start', c.name]);
    } catch (e) {
      this.exits.forget(c.name);
      c.state = { terminated: { exitCode: 128, reason: 'StartError', message: String(e).slice(0, 1000) } };
      c.exited = true;
      await Promise.all(
        [...this.containers.values()]
          .filter((o) => o.id && !o.exited)
          .map((o) => podman(['stop', '-t', '0', o.name]).catch(() => undefined)),
      );
      return 128;
    }
    c.state = { running: { startedAt: rfc(new Date().toISOString()) } };
    this.trace(`started:${c.spec.name}`);
    void this.pushStatus().then(() => this.trace(`running-pushed:${c.spec.name}`));
    // The address follows in a second status update: reading it must not hold back the Running state (log follows).
    if (this.ownAddress && !this.podIP)
      void podman(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', c.name])
        .catch(() => '')
        .then((ip) => {
          if (this.podIP) return;
          this.podIP = ip.trim() || '127.0.0.1';
          return this.pushStatus();
        });
    const code = await exited;
    this.trace(`exited:${c.spec.name}`);
    const [done] = JSON.parse(await podman(['inspect', c.name])) as {
      State: { StartedAt: string; FinishedAt: string; OOMKilled?: boolean };
    }[];
    let message = (await readFile(c.termFile, 'utf8').catch(() => '')).slice(0, 4096);
    if (message === '' && code !== 0 && c.spec.terminationMessagePolicy === 'FallbackToLogsOnError')
      message = (await readFile(c.logFile, 'utf8').catch(() => '')).split('\n').slice(-80).join('\n').slice(-2048);
    c.state = {
      terminated: {
        exitCode: code,
        reason: done.State.OOMKilled ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error',
        startedAt: rfc(done.State.StartedAt),
        finishedAt: rfc(done.State.FinishedAt),
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
    this.running = this.runPod().catch(() => undefined);
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
      vols = await this.volumes();
      this.trace('volumes');
    } catch (e) {
      for (const c of this.containers.values()) this.fail(c, 'CreateContainerConfigError', String(e));
      return this.pushStatus();
    }
    let network = this.pod.spec.hostNetwork ? 'host' : 'bridge';
    if (this.containers.size > 1 && !this.pod.spec.hostNetwork && PAUSE) {
      this.infra = `wn-${this.pod.metadata.uid.slice(0, 18)}-infra`;
      const img = normalImage(this.pod.spec.containers[0].image);
      await podman([
        'run',
        '-d',
        '--name',
        this.infra,
        '--label',
        `io.weir.test-node=${this.nodeLabel}`,
        '--pull',
        'never',
        '-v',
        `${realpathSync(PAUSE)}:/weir-pause:ro`,
        '--entrypoint',
        '["/weir-pause","-P"]',
        img,
      ]).catch(() => undefined);
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
    const created = await Promise.all(
      mains.map((c) =>
        this.create(c, vols, network).then(
          () => true,
          (e: unknown) => {
            this.fail(
              c,
              /image not known|no such image|unable to find/i.test(String(e)) ? 'ErrImageNeverPull' : 'CreateContainerError',
              String(e),
            );
            return false;
          },
        ),
      ),
    );
    if (created.includes(false)) {
      this.phase = 'Failed';
      return this.pushStatus();
    }
    // A pod without an infra container (one container) has its container's bridge address, known once it runs (a
    // daemon's {{steps.x.ip}} is read then; its readinessProbe is sent there).
    this.ownAddress = network === 'bridge';
    this.phase = 'Running';
    this.trace('created');
    const codes = await Promise.all(mains.map((c) => this.startAndWait(c).catch(() => -1)));
    this.phase = codes.every((c) => c === 0) ? 'Succeeded' : 'Failed';
    this.trace('inspected');
    await this.pushStatus();
    this.trace('ended-pushed');
    if (this.infra) await podman(['rm', '-f', this.infra]).catch(() => undefined);
  }

  /** The pod was deleted (deletionTimestamp set): stop what runs with the grace period, then confirm the deletion. */
  terminate(graceSeconds: number): Promise<void> {
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
    const names = [...this.containers.values()].map((c) => c.name);
    if (this.infra) names.push(this.infra);
    await podman(['rm', '-f', '-i', '-t', '0', ...names]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** podman's times (`2026-01-02T03:04:05.123456789Z` or with an offset) as metav1.Time (seconds). */
function rfc(t: string): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? new Date().toISOString().replace(/\.\d+Z$/, 'Z') : d.toISOString().replace(/\.\d+Z$/, 'Z');
}
