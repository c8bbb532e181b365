// Artifact repository configuration, Argo's convention: a default repository from server config, the
// `artifact-repositories` ConfigMap (key chosen by the `workflows.argoproj.io/default-artifact-repository`
// annotation unless the ref names one), and `spec.artifactRepositoryRef {configMap, key}` per workflow.
// Resolution order (Argo's): with a ref, the ConfigMap in the workflow's namespace, then in the controller's;
// without, the default ConfigMap in the workflow's namespace, then the server default.
import { parse as parseYaml } from 'yaml';
import { WeirError, errorMessage } from '../core/errors.js';
import type { ConfigMap } from '../api/k8s.js';
import type { ArtifactRepository } from '../api/artifact-status.js';
import type { WeirArtifactLocation } from './types.js';

export const ARTIFACT_REPOSITORIES_CONFIGMAP = 'artifact-repositories';
export const DEFAULT_REPOSITORY_ANNOTATION = 'workflows.argoproj.io/default-artifact-repository';
/** Argo's default key format. Outputs are saved as `<resolved format>/<name>.tgz` (or .zip, or the base name). */
export const DEFAULT_KEY_FORMAT = '{{workflow.name}}/{{pod.name}}';

export type { ArtifactRepository } from '../api/artifact-status.js';

/** What resolution reads of a ConfigMap (a manifest or a stored one). */
export type ConfigMapData = Pick<ConfigMap, 'data'> & { metadata?: { annotations?: Record<string, string | number | boolean> } };

/** Where a workflow's repository came from; store it in the workflow status so it never changes mid-run. */
export type ArtifactRepositoryRefStatus = { default: true } | { default?: false; namespace: string; configMap: string; key: string };

/** The repository's location template: its kind's settings with the unresolved key format as the key. */
export function repositoryLocation(repo: ArtifactRepository): WeirArtifactLocation | undefined {
  if (repo.s3) {
    const { keyFormat, keyPrefix, ...bucket } = repo.s3;
    const key =
      keyFormat !== undefined && keyFormat !== ''
        ? keyFormat
        : [keyPrefix, DEFAULT_KEY_FORMAT].filter((s) => s !== undefined && s !== '').join('/');
    return { s3: { ...bucket, key } };
  }
  if (repo.local) return { local: { key: repo.local.keyFormat || DEFAULT_KEY_FORMAT } };
  if (repo.gcs) {
    const { keyFormat, ...rest } = repo.gcs;
    return { gcs: { ...rest, key: keyFormat || DEFAULT_KEY_FORMAT } };
  }
  if (repo.oss) {
    const { keyFormat, ...rest } = repo.oss;
    return { oss: { ...rest, key: keyFormat || DEFAULT_KEY_FORMAT } };
  }
  if (repo.azure) {
    const { blobNameFormat, ...rest } = repo.azure;
    return { azure: { ...rest, blob: blobNameFormat || DEFAULT_KEY_FORMAT } };
  }
  if (repo.artifactory) {
    const { repoURL, keyFormat, ...rest } = repo.artifactory;
    const base = repoURL === undefined ? '' : repoURL.endsWith('/') ? repoURL : `${repoURL}/`;
    return { artifactory: { ...rest, url: `${base}${keyFormat || DEFAULT_KEY_FORMAT}` } };
  }
  if (repo.hdfs) {
    const { pathFormat, ...rest } = repo.hdfs;
    return { hdfs: { ...rest, path: pathFormat || DEFAULT_KEY_FORMAT } };
  }
  return undefined;
}

const REPO_KINDS = ['s3', 'local', 'gcs', 'oss', 'azure', 'artifactory', 'hdfs'] as const;

/** Parses one ConfigMap value (YAML) into a repository; names the source in errors. */
export function parseArtifactRepository(text: string, source: string): ArtifactRepository {
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch (e) {
    throw new WeirError('INVALID_SPEC', `${source}: artifact repository is not valid YAML: ${errorMessage(e)}`, { cause: e });
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new WeirError('INVALID_SPEC', `${source}: artifact repository must be a mapping`);
  const r = v as Record<string, unknown>;
  if (!REPO_KINDS.some((k) => r[k] !== undefined && r[k] !== null)) {
    throw new WeirError('INVALID_SPEC', `${source}: artifact repository names no supported kind (one of ${REPO_KINDS.join(', ')})`);
  }
  for (const k of REPO_KINDS) {
    if (r[k] !== undefined && (r[k] === null || typeof r[k] !== 'object' || Array.isArray(r[k])))
      throw new WeirError('INVALID_SPEC', `${source}: ${k} must be a mapping`);
  }
  return r;
}

export interface ResolveRepositoryOptions {
  /** The workflow's `spec.artifactRepositoryRef`, if any. */
  ref?: { configMap?: string; key?: string };
  workflowNamespace: string;
  /** Where Weir itself "runs" (Argo's controller namespace); checked after the workflow's when a ref is given. */
  controllerNamespace?: string;
  getConfigMap(namespace: string, name: string): Promise<ConfigMapData | undefined>;
  /** Server-configured default (Weir's embedded default is `{ local: {} }`). */
  defaultRepository?: ArtifactRepository;
}

export interface ResolvedRepository {
  repository: ArtifactRepository | undefined;
  ref: ArtifactRepositoryRefStatus;
}

/** Finds the workflow's repository (see the file comment for the order). */
export async function resolveArtifactRepository(o: ResolveRepositoryOptions): Promise<ResolvedRepository> {
  const candidates: { namespace: string; configMap: string; key?: string }[] = [];
  if (o.ref !== undefined) {
    const configMap = o.ref.configMap || ARTIFACT_REPOSITORIES_CONFIGMAP;
    candidates.push({ namespace: o.workflowNamespace, configMap, key: o.ref.key || undefined });
    if (o.controllerNamespace !== undefined && o.controllerNamespace !== o.workflowNamespace) {
      candidates.push({ namespace: o.controllerNamespace, configMap, key: o.ref.key || undefined });
    }
  } else {
    candidates.push({ namespace: o.workflowNamespace, configMap: ARTIFACT_REPOSITORIES_CONFIGMAP });
  }
  for (const c of candidates) {
    const cm = await o.getConfigMap(c.namespace, c.configMap);
    if (cm === undefined) continue;
    const annotated = cm.metadata?.annotations?.[DEFAULT_REPOSITORY_ANNOTATION];
    const key = c.key ?? (annotated !== undefined ? String(annotated) : '');
    const text = cm.data?.[key];
    const where = `ConfigMap ${c.namespace}/${c.configMap}`;
    if (text === undefined)
      throw new WeirError(
        'INVALID_SPEC',
        `${where} has no key ${JSON.stringify(key)} for the artifact repository${c.key === undefined ? ` (set the ${DEFAULT_REPOSITORY_ANNOTATION} annotation)` : ''}`,
      );
    return {
      repository: parseArtifactRepository(text, `${where} key ${key}`),
      ref: { namespace: c.namespace, configMap: c.configMap, key },
    };
  }
  if (o.ref !== undefined) {
    throw new WeirError(
      'NOT_FOUND',
      `artifactRepositoryRef: ConfigMap ${JSON.stringify(o.ref.configMap || ARTIFACT_REPOSITORIES_CONFIGMAP)} not found in namespace ${o.workflowNamespace}`,
    );
  }
  return { repository: o.defaultRepository, ref: { default: true } };
}

/** Re-reads the repository a workflow recorded in its status (e.g. after a restart, or for artifact GC). */
export async function repositoryFromRef(
  ref: ArtifactRepositoryRefStatus,
  getConfigMap: ResolveRepositoryOptions['getConfigMap'],
  defaultRepository: ArtifactRepository | undefined,
): Promise<ArtifactRepository | undefined> {
  if (ref.default === true) return defaultRepository;
  const cm = await getConfigMap(ref.namespace, ref.configMap);
  const text = cm?.data?.[ref.key];
  if (text === undefined)
    throw new WeirError(
      'NOT_FOUND',
      `ConfigMap ${ref.namespace}/${ref.configMap} key ${ref.key} (the workflow's artifact repository) not found`,
    );
  return parseArtifactRepository(text, `ConfigMap ${ref.namespace}/${ref.configMap} key ${ref.key}`);
}
