// Volumes on the host executor: each volumeMount becomes an executor mount of a host directory the controller owns.
// Workflow-level volumes (emptyDir, persistentVolumeClaim, volumeClaimTemplates) are one directory per workflow,
// shared by all its steps (`<root>/wf/<name>`, PVCs `<root>/pvc/<claim>`); template-level volumes are per node
// (`<root>/node/<nodeId>/<name>`); configMap/secret volumes are materialised as files; hostPath maps directly.
import { join } from 'node:path';
import type { Template } from '../api/workflow-template.js';
import type { WorkflowSpec } from '../api/workflow.js';
import type { Volume } from '../api/k8s.js';
import type { StepInputFile, StepMount } from '../executor/types.js';
import { safeName } from '../executor/node-dir.js';
import { hostPathRefusal, NO_HOST_PATHS, subPathRefusal } from './host-paths.js';
import type { HostPathPolicy, VolumeCheck } from './host-paths.js';

/** A directory to create (and files to write into it) before a step starts, and what to check first. */
export interface VolumePrep {
  dir: string;
  files?: Record<string, string>;
  /** false: only check (a hostPath that must exist). Default true. */
  create?: boolean;
  check?: VolumeCheck;
}

export interface MountPlan {
  mounts: StepMount[];
  prepare: VolumePrep[];
  error?: string;
}

interface Lookups {
  configMap(name: string): Record<string, string> | undefined;
  secret(name: string): Record<string, string> | undefined;
  /** Allowed hostPath prefixes. Default: none. */
  hostPaths?: HostPathPolicy;
}

function dataVolume(
  dir: string,
  data: Record<string, string> | undefined,
  items: { key: string; path: string }[] | undefined,
  what: string,
  optional: boolean,
): VolumePrep | string {
  if (data === undefined) return optional ? { dir, files: {} } : `${what} not found`;
  const files: Record<string, string> = {};
  if (items && items.length > 0) {
    for (const it of items) {
      if (!Object.hasOwn(data, it.key)) return `${what} has no key ${JSON.stringify(it.key)}`;
      files[it.path] = data[it.key];
    }
  } else Object.assign(files, data);
  return { dir, files };
}

/** Host dirs and mounts for a (substituted) container/script template's volumeMounts. */
export function planMounts(t: Template, spec: WorkflowSpec, nodeId: string, root: string | undefined, lookups: Lookups): MountPlan {
  const c = t.container ?? t.script;
  const vms = c?.volumeMounts ?? [];
  const plan: MountPlan = { mounts: [], prepare: [] };
  if (vms.length === 0) return plan;
  if (root === undefined) return { ...plan, error: 'volumeMounts need a volume directory (controller option volumesDir)' };
  const claimTemplates = new Set(
    (spec.volumeClaimTemplates ?? []).map((p) => p.metadata?.name).filter((n): n is string => typeof n === 'string'),
  );
  const find = (name: string): { v: Volume; scope: 'node' | 'wf' } | undefined => {
    const own = (t.volumes ?? []).find((v) => v.name === name);
    if (own) return { v: own, scope: 'node' };
    const wfv = (spec.volumes ?? []).find((v) => v.name === name);
    return wfv ? { v: wfv, scope: 'wf' } : undefined;
  };
  for (const vm of vms) {
    let hostDir: string;
    let dataFiles = false;
    const found = find(vm.name);
    if (!found && claimTemplates.has(vm.name)) {
      hostDir = join(root, 'wf', safeName(vm.name));
      plan.prepare.push({ dir: hostDir });
    } else if (!found) {
      return {
        ...plan,
        error: `volumeMount ${JSON.stringify(vm.name)}: no volume of that name in the template, spec.volumes or spec.volumeClaimTemplates`,
      };
    } else {
      const { v, scope } = found;
      const base = scope === 'node' ? join(root, 'node', safeName(nodeId)) : join(root, 'wf');
      if (v.hostPath) {
        hostDir = v.hostPath.path;
        // Kubernetes creates the directory for type DirectoryOrCreate (needs a read-write prefix here); other types
        // expect it to exist.
        const create = v.hostPath.type === 'DirectoryOrCreate';
        const policy = lookups.hostPaths ?? NO_HOST_PATHS;
        const readOnly = vm.readOnly === true && !create;
        const refused = hostPathRefusal(hostDir, readOnly, policy);
        if (refused !== undefined) return { ...plan, error: `volume ${JSON.stringify(v.name)}: ${refused}` };
        plan.prepare.push({ dir: hostDir, create, check: { kind: 'hostPath', path: hostDir, readOnly, policy } });
      } else if (v.persistentVolumeClaim) {
        hostDir = join(root, 'pvc', safeName(v.persistentVolumeClaim.claimName));
        plan.prepare.push({ dir: hostDir });
      } else if (v.configMap || v.secret) {
        hostDir = join(base, safeName(v.name));
        const prep = v.configMap
          ? dataVolume(
              hostDir,
              lookups.configMap(v.configMap.name ?? ''),
              v.configMap.items,
              `ConfigMap ${JSON.stringify(v.configMap.name ?? '')}`,
              v.configMap.optional === true,
            )
          : dataVolume(
              hostDir,
              lookups.secret(v.secret?.secretName ?? ''),
              v.secret?.items,
              `Secret ${JSON.stringify(v.secret?.secretName ?? '')}`,
              v.secret?.optional === true,
            );
        if (typeof prep === 'string') return { ...plan, error: `volume ${JSON.stringify(v.name)}: ${prep}` };
        plan.prepare.push(prep);
        dataFiles = true;
      } else if (v.emptyDir || Object.keys(v).length === 1) {
        hostDir = join(base, safeName(v.name));
        plan.prepare.push({ dir: hostDir });
      } else {
        const kind = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
        return { ...plan, error: `not supported yet: ${kind} volumes (volume ${JSON.stringify(v.name)})` };
      }
    }
    if (vm.subPath) {
      const refused = subPathRefusal(vm.subPath);
      if (refused !== undefined) return { ...plan, error: `volumeMount ${JSON.stringify(vm.name)}: ${refused}` };
      const base = hostDir;
      hostDir = join(base, vm.subPath);
      // Checked again on the host with symlinks resolved (an earlier step may have put a link in the volume).
      if (!dataFiles) plan.prepare.push({ dir: hostDir, check: { kind: 'subPath', base, subPath: vm.subPath } });
    }
    plan.mounts.push({ containerPath: vm.mountPath, hostPath: hostDir, ...(vm.readOnly ? { readOnly: true } : {}) });
  }
  return plan;
}

/** Raw input artifacts as files under the node's volume dir, copied to their paths when the step starts. */
export function rawArtifactFiles(
  arts: readonly { name: string; path?: string; mode?: number; raw: string }[],
  nodeId: string,
  root: string | undefined,
): { prepare: VolumePrep[]; inputFiles: StepInputFile[]; error?: string } {
  const out: { prepare: VolumePrep[]; inputFiles: StepInputFile[]; error?: string } = { prepare: [], inputFiles: [] };
  if (root === undefined) return { ...out, error: 'raw input artifacts need a volume directory (controller option volumesDir)' };
  for (const a of arts) {
    if (a.path === undefined) continue;
    const dir = join(root, 'node', safeName(nodeId), 'artifacts', safeName(a.name));
    out.prepare.push({ dir, files: { data: a.raw } });
    out.inputFiles.push({ containerPath: a.path, hostPath: join(dir, 'data'), ...(a.mode !== undefined ? { mode: a.mode } : {}) });
  }
  return out;
}
