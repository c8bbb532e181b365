// The pod spec as the test node reads it (kube-node-pod.ts runs it): the fields it supports, Kubernetes' `$(VAR)`
// expansion, the volumes prepared on the host (emptyDir, hostPath, secret, configMap) and the `podman create`
// arguments of one container (env, mounts, termination message file, security context, memory limit, CRI-format log).
import { existsSync, realpathSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalImage } from '../../src/executor/container-create.js';
import type { PodApi } from '../../src/executor/pod-kube.js';

export type Json = Record<string, unknown>;
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

export const PAUSE = ['/usr/libexec/podman/catatonit', '/usr/bin/catatonit', '/usr/libexec/catatonit/catatonit'].find((p) => existsSync(p));

/**
 * Prepares the pod's volumes under `dir`/volumes; returns the host path of each by name. `claim`: the directory of a
 * PersistentVolumeClaim (kube-node-volumes.ts; waits while it does not exist).
 */
export async function prepareVolumes(
  api: PodApi,
  pod: PodObject,
  dir: string,
  claim?: (claimName: string) => Promise<string>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ns = pod.metadata.namespace;
  for (const v of pod.spec.volumes ?? []) {
    const d = join(dir, 'volumes', v.name);
    if (v.persistentVolumeClaim && claim) {
      out.set(v.name, await claim(v.persistentVolumeClaim.claimName));
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
    const obj = await api.request<{ data?: Record<string, string>; binaryData?: Record<string, string> }>('GET', src.path);
    const data: Record<string, Buffer> = {};
    for (const [k, val] of Object.entries(obj.data ?? {})) data[k] = src.b64 ? Buffer.from(val, 'base64') : Buffer.from(val);
    for (const [k, val] of Object.entries(obj.binaryData ?? {})) data[k] = Buffer.from(val, 'base64');
    const items = src.items ?? Object.keys(data).map((k) => ({ key: k, path: k }));
    for (const it of items) if (data[it.key]) await writeFile(join(d, it.path), data[it.key], { mode: 0o644 });
  }
  return out;
}

/** One container's `podman create` arguments (its log and termination files must exist). */
export function createArgs(o: {
  pod: PodObject;
  spec: ContainerSpec;
  name: string;
  label: string;
  logFile: string;
  termFile: string;
  vols: Map<string, string>;
  network: string;
}): string[] {
  const s = o.spec;
  const vars = new Map<string, string>();
  const env: string[] = [];
  for (const e of s.env ?? []) {
    const v = expand(e.value ?? '', vars);
    vars.set(e.name, v);
    env.push('--env', `${e.name}=${v}`);
  }
  const args = ['create', '--name', o.name, '--label', `io.weir.test-node=${o.label}`, '--pull', 'never'];
  if (o.network === 'bridge') args.push('--hostname', o.pod.metadata.name);
  args.push('--log-driver', 'k8s-file', '--log-opt', `path=${o.logFile}`, '--network', o.network, ...env);
  args.push('-v', `${o.termFile}:${s.terminationMessagePath ?? '/dev/termination-log'}`);
  for (const m of s.volumeMounts ?? []) {
    const host = o.vols.get(m.name);
    if (!host) throw new Error(`container ${s.name}: volume ${m.name} is not defined`);
    args.push('-v', `${m.subPath ? join(host, m.subPath) : host}:${m.mountPath}${m.readOnly ? ':ro' : ''}`);
  }
  if (s.workingDir) args.push('--workdir', s.workingDir);
  const sc = { ...o.pod.spec.securityContext, ...s.securityContext };
  if (sc.runAsUser !== undefined) args.push('--user', `${sc.runAsUser}${sc.runAsGroup !== undefined ? `:${sc.runAsGroup}` : ''}`);
  if (s.securityContext?.privileged) args.push('--privileged');
  if (s.securityContext?.readOnlyRootFilesystem) args.push('--read-only');
  for (const cap of s.securityContext?.capabilities?.add ?? []) args.push('--cap-add', cap);
  if (s.resources?.limits?.memory) args.push('--memory', s.resources.limits.memory.replace(/i$/, '').toLowerCase());
  if (s.command) args.push('--entrypoint', JSON.stringify(s.command.map((a) => expand(a, vars))));
  args.push(normalImage(s.image), ...(s.args ?? []).map((a) => expand(a, vars)));
  return args;
}

/** The `podman run` arguments of a pod's infra container: catatonit's pause mode holding the network namespace. */
export function infraArgs(name: string, label: string, image: string): string[] {
  const pause = ['-v', `${realpathSync(PAUSE ?? '')}:/weir-pause:ro`, '--entrypoint', '["/weir-pause","-P"]'];
  return ['run', '-d', '--name', name, '--label', `io.weir.test-node=${label}`, '--pull', 'never', ...pause, normalImage(image)];
}

/** podman's times (`2026-01-02T03:04:05.123456789Z` or with an offset) as metav1.Time (seconds). */
export function rfc(t: string): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? new Date().toISOString().replace(/\.\d+Z$/, 'Z') : d.toISOString().replace(/\.\d+Z$/, 'Z');
}
