// Volumes with the pod executor: a container's volumeMounts name Kubernetes volumes, and the pod gets them as Argo
// gives them (its addVolumeReferences): looked up in the template's own volumes, then spec.volumes, then the
// workflow's claims (status.persistentVolumeClaims, made from spec.volumeClaimTemplates); only the volumes some
// container mounts, each once, exactly as written (emptyDir is therefore per pod, as in Argo; persistentVolumeClaim,
// configMap, secret, hostPath and every other kind go to the cluster as they are). Also the claims themselves: their
// names (`<workflow>-<template>`), the PersistentVolumeClaims to create, and which ones volumeClaimGC deletes.
import type { Template } from '../api/workflow-template.js';
import type { WorkflowSpec } from '../api/workflow.js';
import type { Volume } from '../api/k8s.js';
import type { PodVolumeMount } from '../executor/types.js';
import type { OperateContext, WorkflowObject, WorkflowPhase, WorkflowStatus } from './types.js';
import { planMounts } from './volumes.js';
import type { MountPlan } from './volumes.js';
import { hostPathRefusal, NO_HOST_PATHS } from './host-paths.js';
import type { HostPathPolicy } from './host-paths.js';

/** A volume of status.persistentVolumeClaims: the claim template's name, the claim Weir created for it. */
export interface ClaimVolume {
  name: string;
  persistentVolumeClaim: { claimName: string };
}

/** Names Weir gives its own volumes in a step's pod (pod-manifest.ts); a workflow's volume may not take them. */
const RESERVED = /^weir-(agent|inputs(-[0-9]+)?|mount-[0-9]+)$/;

const NO_CLAIMS_STORE =
  'volumeClaimTemplates need the Kubernetes store with the pod executor (weir server --store kubernetes --executor pod): the claims are created in the cluster, owned by the Workflow';

/** status.persistentVolumeClaims for the workflow's claim templates; an error when one has no name. */
export function claimVolumes(wfName: string, spec: WorkflowSpec): ClaimVolume[] | { error: string } {
  const out: ClaimVolume[] = [];
  for (const [i, t] of (spec.volumeClaimTemplates ?? []).entries()) {
    const name = t.metadata?.name;
    if (typeof name !== 'string' || name === '') return { error: `volumeClaimTemplates[${i}].metadata.name is required` };
    out.push({ name, persistentVolumeClaim: { claimName: `${wfName}-${name}` } });
  }
  return out;
}

/** The claims of status.persistentVolumeClaims (what this controller wrote there), tolerant of anything else. */
export function statusClaims(status: WorkflowStatus | undefined): ClaimVolume[] {
  const list = status?.persistentVolumeClaims;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (v): v is ClaimVolume =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as ClaimVolume).name === 'string' &&
      typeof (v as ClaimVolume).persistentVolumeClaim?.claimName === 'string',
  );
}

/** The PersistentVolumeClaims to create: each template as written, named after the workflow, owned by it. */
export function claimManifests(wf: WorkflowObject, spec: WorkflowSpec, claims: readonly ClaimVolume[]): Record<string, unknown>[] {
  const templates = spec.volumeClaimTemplates ?? [];
  return claims.map((c) => {
    const { status: _status, ...t } = structuredClone(templates.find((x) => x.metadata?.name === c.name) ?? {}) as Record<string, unknown>;
    const meta = (t.metadata ?? {}) as Record<string, unknown>;
    return {
      ...t,
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        ...meta,
        name: c.persistentVolumeClaim.claimName,
        namespace: wf.metadata.namespace ?? 'default',
        ownerReferences: [
          {
            apiVersion: wf.apiVersion || 'argoproj.io/v1alpha1',
            kind: 'Workflow',
            name: wf.metadata.name,
            uid: wf.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
    };
  });
}

/**
 * The claims volumeClaimGC deletes once the workflow ended in `phase`: all of them with OnWorkflowCompletion, only
 * after success with OnWorkflowSuccess (Argo's default: a failed workflow keeps its claims for a retry; deleting
 * the Workflow deletes them, being their owner).
 */
export function claimsToCollect(
  spec: Pick<WorkflowSpec, 'volumeClaimGC'>,
  phase: WorkflowPhase | undefined,
  claims: readonly ClaimVolume[],
): string[] {
  if (phase !== 'Succeeded' && phase !== 'Failed' && phase !== 'Error') return [];
  const strategy = spec.volumeClaimGC?.strategy ?? 'OnWorkflowSuccess';
  if (strategy === 'OnWorkflowSuccess' && phase !== 'Succeeded') return [];
  return claims.map((c) => c.persistentVolumeClaim.claimName);
}

/**
 * The pod volumes of a (substituted) container/script template's volumeMounts. `claims`: the workflow's claims, or
 * undefined when this controller cannot create them (a store other than Kubernetes). `hostPaths`: the operator's
 * `--allow-host-path` policy, which holds for hostPath volumes in pods as everywhere else (default: none allowed).
 */
export function planPodVolumes(
  t: Template,
  spec: WorkflowSpec,
  claims: readonly ClaimVolume[] | undefined,
  hostPaths: HostPathPolicy = NO_HOST_PATHS,
): { podVolumes: PodVolumeMount[]; error?: string } {
  const c = t.container ?? t.script;
  const podVolumes: PodVolumeMount[] = [];
  const claimTemplate = (name: string): boolean => (spec.volumeClaimTemplates ?? []).some((p) => p.metadata?.name === name);
  for (const vm of c?.volumeMounts ?? []) {
    const v: Volume | ClaimVolume | undefined =
      (t.volumes ?? []).find((x) => x.name === vm.name) ??
      (spec.volumes ?? []).find((x) => x.name === vm.name) ??
      claims?.find((x) => x.name === vm.name);
    if (v === undefined) {
      if (claims === undefined && claimTemplate(vm.name))
        return { podVolumes, error: `volumeMount ${JSON.stringify(vm.name)}: ${NO_CLAIMS_STORE}` };
      return {
        podVolumes,
        error: `volumeMount ${JSON.stringify(vm.name)}: no volume of that name in the template, spec.volumes or spec.volumeClaimTemplates`,
      };
    }
    if (RESERVED.test(v.name))
      return { podVolumes, error: `volume ${JSON.stringify(v.name)}: the name is reserved for Weir's own volumes` };
    const hostPath = (v as Volume).hostPath;
    if (hostPath !== undefined) {
      // As in the host plan: DirectoryOrCreate writes to the node, so it needs a read-write prefix.
      const readOnly = vm.readOnly === true && hostPath.type !== 'DirectoryOrCreate';
      const refused = hostPathRefusal(hostPath.path, readOnly, hostPaths);
      if (refused !== undefined) return { podVolumes, error: `volume ${JSON.stringify(v.name)}: ${refused}` };
    }
    podVolumes.push({ volume: structuredClone(v) as PodVolumeMount['volume'], mount: { ...vm } });
  }
  return { podVolumes };
}

/** What planStepVolumes reads of the engine (a structural slice of Exec). */
export interface VolumeScope {
  spec: WorkflowSpec;
  status: WorkflowStatus;
  ctx: Pick<OperateContext, 'runsPods' | 'createsClaims' | 'volumeRoot' | 'hostPaths' | 'configMap' | 'secret'>;
}

/**
 * A container's volumes: Kubernetes volumes with the pod executor (`podVolumes`, no host mounts), else the host
 * plan of volumes.ts (host directories the controller owns). `nodeId`: the node whose pod holds the container.
 */
export function planStepVolumes(t: Template, ex: VolumeScope, nodeId: string): MountPlan & { podVolumes?: PodVolumeMount[] } {
  if (ex.ctx.runsPods !== true)
    return planMounts(t, ex.spec, nodeId, ex.ctx.volumeRoot, {
      configMap: (n) => ex.ctx.configMap(n),
      secret: (n) => ex.ctx.secret?.(n),
      hostPaths: ex.ctx.hostPaths,
    });
  const r = planPodVolumes(t, ex.spec, ex.ctx.createsClaims === true ? statusClaims(ex.status) : undefined, ex.ctx.hostPaths);
  return { mounts: [], prepare: [], podVolumes: r.podVolumes, ...(r.error !== undefined ? { error: r.error } : {}) };
}
