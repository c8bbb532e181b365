// Artifacts in the pure engine: merging a template's input artifact declarations with the caller's arguments
// (`from` resolved to the JSON form of an earlier output, own locations, raw data, key-only), the variables that
// carry artifacts between steps (`steps.X.outputs.artifacts.Y`, `inputs.artifacts.X[.path]`,
// `workflow.outputs.artifacts.G`), the plans the controller executes (load inputs before a step starts, save
// outputs after it exits) and the repository a workflow uses (status.artifactRepositoryRef, Argo's shape).
import { join } from 'node:path';
import type { Artifact } from '../api/workflow-io.js';
import { safeName } from '../executor/node-dir.js';
import type { ArtifactRepository } from '../artifacts/repository-config.js';
import type { Vars } from './params.js';
import type { NodeStatus, OutputArtifactPlan, WorkflowStatus } from './types.js';

/** Argo's status.artifactRepositoryRef: where the repository came from plus the repository itself. */
export interface ArtifactRepositoryRefStatus {
  default?: boolean;
  namespace?: string;
  configMap?: string;
  key?: string;
  artifactRepository?: ArtifactRepository;
}

const LOCATION_KEYS = ['s3', 'gcs', 'git', 'http', 'artifactory', 'hdfs', 'raw', 'oss', 'azure', 'plugin', 'local'] as const;

/** Whether an artifact object names where its bytes are (any location kind, a key-only one included). */
export const hasAnyLocation = (a: object): boolean => LOCATION_KEYS.some((k) => (a as Record<string, unknown>)[k] !== undefined);

/** Only the location part of an artifact object. */
export function locationPart(a: object): Partial<Artifact> {
  const out: Record<string, unknown> = {};
  for (const k of LOCATION_KEYS) if ((a as Record<string, unknown>)[k] !== undefined) out[k] = (a as Record<string, unknown>)[k];
  return out;
}

/** Parses the JSON an artifact variable holds (`{{steps.X.outputs.artifacts.Y}}`); undefined for anything else. */
export function parseArtifactRef(text: string | undefined): Partial<Artifact> | undefined {
  if (text === undefined || !text.trimStart().startsWith('{')) return undefined;
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    if (v === null || typeof v !== 'object') return undefined;
    // Weir <= the first raw-only version passed raw data as {"raw": "<text>"}.
    if (typeof v.raw === 'string') return { raw: { data: v.raw } };
    return hasAnyLocation(v) ? locationPart(v) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A template input artifact merged with its argument: the declaration's name/path/mode/optional/archive/subPath
 * with the argument's location (its own, or from `from`), else the declaration's own location.
 * Returns undefined for an absent optional artifact, a message when a required one has no source.
 */
export function mergeInputArtifact(decl: Artifact, arg: Artifact | undefined): Artifact | undefined | string {
  const fromArg = arg === undefined ? undefined : (parseArtifactRef(arg.from) ?? (hasAnyLocation(arg) ? locationPart(arg) : undefined));
  const loc = fromArg ?? (hasAnyLocation(decl) ? locationPart(decl) : undefined);
  if (loc === undefined) {
    if (decl.optional === true) return undefined;
    if (arg?.from !== undefined) return `inputs.artifacts.${decl.name}: cannot resolve from ${JSON.stringify(arg.from)}`;
    return `inputs.artifacts.${decl.name}: required artifact '${decl.name}' not supplied`;
  }
  const own: Record<string, unknown> = { ...decl };
  for (const k of LOCATION_KEYS) delete own[k];
  delete own.from;
  delete own.fromExpression;
  if (arg?.subPath !== undefined) own.subPath = arg.subPath;
  return { ...(own as Artifact), ...loc };
}

/** The JSON form of an artifact a variable carries (location only, as `from` needs). */
export const artifactRefJson = (a: object): string => JSON.stringify(locationPart(a));

/** `inputs.artifacts.X` (JSON, for `from`) and `inputs.artifacts.X.path` of a node's resolved input artifacts. */
export function inputArtifactVars(arts: readonly Artifact[]): Vars {
  const v: Vars = {};
  for (const a of arts) {
    v[`inputs.artifacts.${a.name}`] = artifactRefJson(a);
    if (a.path !== undefined) v[`inputs.artifacts.${a.name}.path`] = a.path;
  }
  return v;
}

/** `outputs.artifacts.X.path` and `outputs.parameters.X.path` (valueFrom.path) of a template's output declarations. */
export function outputArtifactPathVars(
  arts: readonly Artifact[] | undefined,
  params?: readonly { name: string; valueFrom?: { path?: string } }[],
): Vars {
  const v: Vars = {};
  for (const a of arts ?? []) if (a.path !== undefined) v[`outputs.artifacts.${a.name}.path`] = a.path;
  for (const p of params ?? []) if (p.valueFrom?.path !== undefined) v[`outputs.parameters.${p.name}.path`] = p.valueFrom.path;
  return v;
}

/** `<prefix>.outputs.artifacts.Y` of a node's saved outputs. */
export function nodeArtifactVars(prefix: string, node: NodeStatus): Vars {
  const v: Vars = {};
  for (const a of node.outputs?.artifacts ?? []) if (hasAnyLocation(a)) v[`${prefix}.outputs.artifacts.${a.name}`] = artifactRefJson(a);
  return v;
}

/** The workflow's artifact repository as recorded in its status (undefined: none configured). */
export const repositoryOf = (status: WorkflowStatus): ArtifactRepository | undefined =>
  (status.artifactRepositoryRef as ArtifactRepositoryRefStatus | undefined)?.artifactRepository;

/** Host staging directories of a node's artifacts (under the workflow's volume directory). */
export function stagingDir(volumeRoot: string, nodeId: string, what: 'inputs' | 'outputs'): string {
  return join(volumeRoot, 'node', safeName(nodeId), what);
}

const STRFTIME: Record<string, (d: Date) => string> = {
  Y: (d) => String(d.getUTCFullYear()),
  m: (d) => String(d.getUTCMonth() + 1).padStart(2, '0'),
  d: (d) => String(d.getUTCDate()).padStart(2, '0'),
  H: (d) => String(d.getUTCHours()).padStart(2, '0'),
  M: (d) => String(d.getUTCMinutes()).padStart(2, '0'),
  S: (d) => String(d.getUTCSeconds()).padStart(2, '0'),
  y: (d) => String(d.getUTCFullYear()).slice(2),
  j: (d) => String(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1).padStart(3, '0'),
};

/**
 * Variables a repository key format may use: workflow.name/namespace/uid, pod.name, the creation time parts
 * (`workflow.creationTimestamp.Y` etc., strftime letters as Argo has them) and any other variable in scope.
 */
export function keyFormatVars(vars: Vars, podName: string, repository: ArtifactRepository | undefined): Record<string, string> {
  const out: Record<string, string> = { 'pod.name': podName };
  for (const k of ['workflow.name', 'workflow.namespace', 'workflow.uid']) if (vars[k] !== undefined) out[k] = vars[k];
  const text = JSON.stringify(repository ?? {});
  const created = vars['workflow.creationTimestamp'] ? new Date(vars['workflow.creationTimestamp']) : undefined;
  for (const m of text.matchAll(/\{\{\s*([^{}\s]+)\s*\}\}/g)) {
    const name = m[1];
    if (Object.hasOwn(vars, name)) out[name] = vars[name];
    const ts = /^workflow\.creationTimestamp\.(\w)$/.exec(name);
    if (ts && created && !Number.isNaN(created.getTime()) && STRFTIME[ts[1]]) out[name] = STRFTIME[ts[1]](created);
  }
  return out;
}

/** The save plan of a pod's output artifacts (undefined when it declares none). */
export function outputPlan(arts: readonly Artifact[] | undefined, keyVars: Record<string, string>): OutputArtifactPlan | undefined {
  const list = (arts ?? []).filter((a) => (a.path !== undefined && a.path !== '') || hasAnyLocation(a));
  return list.length === 0 ? undefined : { artifacts: list.map((a) => ({ ...a })), keyVars };
}
