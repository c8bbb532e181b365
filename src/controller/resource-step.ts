// `resource` templates for Weir's own kinds, through the store instead of kubectl: the node (type Pod, as in Argo)
// asks the controller to perform the action (create | apply | replace | delete | get | patch) on the substituted
// manifest (or the one in `manifestFrom.artifact`), then waits for `successCondition`/`failureCondition`
// (resource-query.ts). Output parameters come from the final object (`valueFrom.jsonPath` / `jqFilter`).
// Kinds the store does not hold fail the node: "resource kind X is not supported on this host".
// A request in flight at a controller restart is performed again (a `create` with generateName may then repeat).
import { parse as parseYaml } from 'yaml';
import type { Artifact } from '../api/workflow-io.js';
import type { Template } from '../api/workflow-template.js';
import { isKindName } from '../api/kinds.js';
import type { KindName } from '../api/kinds.js';
import type { Exec } from './execute.js';
import { paramString, substDeep } from './params.js';
import type { Vars } from './params.js';
import { jqFilter, kubectlJsonPath, parseCondition } from './resource-query.js';
import type { NodeStatus, ParamValue } from './types.js';
import { errorMessage } from '../core/errors.js';

export type ResourceAction = 'get' | 'create' | 'apply' | 'delete' | 'replace' | 'patch';

export interface ResourceRequest {
  action: ResourceAction;
  /** The parsed manifest (a JSON patch list for `patch` with mergeStrategy json); absent with manifestArtifact. */
  manifest?: unknown;
  /** Load the manifest from this (resolved) input artifact first. */
  manifestArtifact?: Artifact;
  mergeStrategy: 'strategic' | 'merge' | 'json';
  /** Namespace for objects that name none (the workflow's). */
  namespace: string;
  /** kubectl-style `flags`: only a `kind name` / `kind/name` target (json patches) is used. */
  flags: string[];
  ownerReference?: { apiVersion: string; kind: string; name: string; uid: string; blockOwnerDeletion: boolean };
  successCondition?: string;
  failureCondition?: string;
}

/** What the controller knows about a node's resource request. */
export type ResourceState =
  | { state: 'running' }
  | { state: 'done'; phase: 'Succeeded' | 'Failed'; object?: Record<string, unknown>; message?: string }
  | { state: 'failed'; message: string };

/** The store kind of a manifest's `kind`, or the error the node fails with. */
export function storeKind(kind: unknown): KindName | { error: string } {
  const k = typeof kind === 'string' ? kind : '';
  if (k === '') return { error: 'resource manifest has no kind' };
  return isKindName(k) ? k : { error: `resource kind ${k} is not supported on this host` };
}

export function executeResource(ex: Exec, node: NodeStatus, tmpl: Template, vars: Vars, arts: readonly Artifact[]): NodeStatus {
  const errors: string[] = [];
  const res = substDeep(tmpl.resource, { ...vars, 'pod.name': node.id }, errors);
  if (errors.length > 0 || !res) return ex.nodes.mark(node, 'Error', errors[0] ?? 'resource template missing');
  const st = ex.ctx.resource?.(node.id);
  if (st === undefined) {
    if (ex.spec.suspend === true) return node;
    const req: ResourceRequest = {
      action: res.action,
      mergeStrategy: res.mergeStrategy ?? 'strategic',
      namespace: ex.wf.metadata.namespace ?? 'default',
      flags: res.flags ?? [],
      ...(res.successCondition ? { successCondition: res.successCondition } : {}),
      ...(res.failureCondition ? { failureCondition: res.failureCondition } : {}),
    };
    try {
      for (const c of [req.successCondition, req.failureCondition]) if (c !== undefined) parseCondition(c);
    } catch (e) {
      return ex.nodes.mark(node, 'Error', `resource condition: ${errorMessage(e)}`);
    }
    if (res.setOwnerReference === true) {
      const m = ex.wf.metadata;
      req.ownerReference = { apiVersion: ex.wf.apiVersion, kind: ex.wf.kind, name: m.name, uid: m.uid, blockOwnerDeletion: true };
    }
    if (res.manifestFrom?.artifact) {
      const a = arts.find((x) => x.name === res.manifestFrom?.artifact.name);
      if (!a)
        return ex.nodes.mark(node, 'Error', `manifestFrom: no input artifact named ${JSON.stringify(res.manifestFrom.artifact.name)}`);
      req.manifestArtifact = a;
    } else {
      try {
        req.manifest = parseYaml(res.manifest ?? '') as unknown;
      } catch (e) {
        return ex.nodes.mark(node, 'Error', `resource manifest is not valid YAML: ${errorMessage(e)}`);
      }
      const target =
        req.mergeStrategy === 'json' && res.action === 'patch' ? flagTarget(req.flags) : (req.manifest as { kind?: unknown } | null)?.kind;
      const kind = storeKind(typeof target === 'string' ? target.split('/')[0] : undefined);
      if (typeof kind !== 'string') return ex.nodes.mark(node, 'Error', kind.error);
    }
    ex.actions.push({ type: 'resource', nodeId: node.id, request: req });
    node.phase = 'Running';
    return node;
  }
  if (st.state === 'running') {
    node.phase = 'Running';
    return node;
  }
  if (st.state === 'failed') return ex.nodes.mark(node, 'Error', st.message);
  const params: ParamValue[] = [];
  for (const p of tmpl.outputs?.parameters ?? []) {
    const vf = p.valueFrom;
    let value: string | undefined;
    try {
      if (vf?.jsonPath !== undefined) value = kubectlJsonPath(vf.jsonPath, st.object ?? {});
      else if (vf?.jqFilter !== undefined) value = jqFilter(vf.jqFilter, st.object ?? {});
      else if (p.value !== undefined) value = paramString(p.value);
    } catch (e) {
      if (vf?.default === undefined) return ex.nodes.mark(node, 'Error', `output parameter ${p.name}: ${errorMessage(e)}`);
    }
    if ((value === undefined || value === '') && vf?.default !== undefined) value = paramString(vf.default);
    params.push({ name: p.name, ...(value !== undefined ? { value } : {}), ...(p.globalName ? { globalName: p.globalName } : {}) });
  }
  if (params.length > 0) node.outputs = { parameters: params };
  ex.exportGlobals(node);
  return ex.nodes.mark(node, st.phase, st.message);
}

/** `kind name` or `kind/name` from kubectl-style flags (json patches name their target there). */
export function flagTarget(flags: readonly string[]): string | undefined {
  const plain = flags.filter((f) => !f.startsWith('-'));
  if (plain.length >= 2) return `${plain[0]}/${plain[1]}`;
  return plain[0]?.includes('/') ? plain[0] : undefined;
}
