// Pure location logic, Argo's rules: which kind a location is, its key, whether an artifact is fully located,
// key-only (only a key: bucket and credentials come from the workflow's repository), or unlocated (an output
// the repository names: `<keyFormat>/<file name>`, file name `<name>.tgz` | `<name>.zip` | base name of path).
import { posix } from 'node:path';
import { WeirError } from '../core/errors.js';
import type { Artifact } from '../api/workflow-io.js';
import { LOCATION_KINDS } from './types.js';
import type { LocationKind, WeirArtifactLocation } from './types.js';
import type { ArtifactRepository } from './repository-config.js';
import { repositoryLocation } from './repository-config.js';

type AnyLoc = Record<string, unknown>;
const obj = (v: unknown): AnyLoc | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as AnyLoc) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The field holding the key for each kind that has one. */
const KEY_FIELD: Partial<Record<LocationKind, string>> = {
  s3: 'key',
  gcs: 'key',
  oss: 'key',
  azure: 'blob',
  hdfs: 'path',
  plugin: 'key',
  local: 'key',
  artifactory: 'url',
};

/** What makes each kind "fully located" (beyond a key). */
const LOCATED: Record<LocationKind, (l: AnyLoc) => boolean> = {
  s3: (l) => str(l.bucket) !== undefined && str(l.key) !== undefined,
  gcs: (l) => str(l.bucket) !== undefined && str(l.key) !== undefined,
  oss: (l) => str(l.bucket) !== undefined && str(l.key) !== undefined,
  azure: (l) => str(l.container) !== undefined && str(l.blob) !== undefined,
  hdfs: (l) => Array.isArray(l.addresses) && l.addresses.length > 0 && str(l.path) !== undefined,
  plugin: (l) => str(l.name) !== undefined && str(l.key) !== undefined,
  local: (l) => str(l.key) !== undefined,
  artifactory: (l) => str(l.url) !== undefined,
  http: (l) => str(l.url) !== undefined,
  git: (l) => str(l.repo) !== undefined,
  raw: (l) => typeof l.data === 'string',
};

/** The kind a location (or artifact) carries, or undefined when it has none. */
export function locationKind(loc: object): LocationKind | undefined {
  const l = loc as AnyLoc;
  return LOCATION_KINDS.find((k) => obj(l[k]) !== undefined);
}

/** Only the location keys of an artifact (drops name, path, archive, ...). */
export function locationOf(a: object): WeirArtifactLocation {
  const kind = locationKind(a);
  return kind === undefined ? {} : { [kind]: (a as AnyLoc)[kind] };
}

export function getKey(loc: object): string | undefined {
  const kind = locationKind(loc);
  const field = kind && KEY_FIELD[kind];
  return field ? str(obj((loc as AnyLoc)[kind])?.[field]) : undefined;
}

/** A copy of `loc` with its key replaced; throws for kinds without keys (http, raw, git). */
export function withKey(loc: WeirArtifactLocation, key: string): WeirArtifactLocation {
  const kind = locationKind(loc);
  const field = kind && KEY_FIELD[kind];
  if (!kind || !field) throw new WeirError('INVALID_SPEC', `artifact location ${kind ?? '(none)'} has no key`);
  return { [kind]: { ...obj((loc as AnyLoc)[kind]), [field]: key } };
}

export function hasLocation(a: object): boolean {
  const kind = locationKind(a);
  return kind !== undefined && LOCATED[kind](obj((a as AnyLoc)[kind]) ?? {});
}

/** Key-only (Argo v3): a key and nothing else that locates it. */
export function isKeyOnly(a: object): boolean {
  return !hasLocation(a) && getKey(a) !== undefined;
}

export function hasLocationOrKey(a: object): boolean {
  return hasLocation(a) || getKey(a) !== undefined;
}

export type ArchiveMode = 'tar' | 'zip' | 'none';

/** The save strategy: tar+gzip unless `archive` says none or zip. */
export function archiveMode(a: Pick<Artifact, 'archive'>): ArchiveMode {
  if (a.archive?.none !== undefined) return 'none';
  if (a.archive?.zip !== undefined) return 'zip';
  return 'tar';
}

/** Argo's file name for an output saved into a repository. */
export function archiveFileName(a: Pick<Artifact, 'name' | 'path' | 'archive'>): string {
  switch (archiveMode(a)) {
    case 'zip':
      return `${a.name}.zip`;
    case 'none':
      return posix.basename(a.path ?? a.name) || a.name;
    default:
      return `${a.name}.tgz`;
  }
}

/** Replaces `{{ var }}` in a key format; every referenced variable must be present. */
export function substituteKeyFormat(format: string, vars: Readonly<Record<string, string>>): string {
  return format.replace(/\{\{\s*([^{}\s]+)\s*\}\}/g, (_m, name: string) => {
    if (!Object.hasOwn(vars, name))
      throw new WeirError('INVALID_SPEC', `artifact key format ${JSON.stringify(format)} references unknown variable ${name}`);
    return vars[name];
  });
}

/**
 * Where an artifact lives. Fully located artifacts keep their own location; key-only ones take the
 * repository's (bucket, endpoint, credentials) with their key; unlocated ones (outputs) get the repository's
 * key format, resolved with `vars` (`workflow.name`, `pod.name`, ...), joined with archiveFileName.
 */
export function resolveArtifactLocation(
  artifact: Artifact | (WeirArtifactLocation & Pick<Artifact, 'name' | 'path' | 'archive'>),
  repository: ArtifactRepository | undefined,
  vars: Readonly<Record<string, string>> = {},
): WeirArtifactLocation {
  if (hasLocation(artifact)) return locationOf(artifact);
  const repoLoc = repository !== undefined ? repositoryLocation(repository) : undefined;
  if (repoLoc === undefined) {
    throw new WeirError(
      'INVALID_SPEC',
      `artifact ${JSON.stringify(artifact.name)} has no location and no artifact repository is configured`,
    );
  }
  const ownKey = getKey(artifact);
  if (ownKey !== undefined) return withKey(repoLoc, ownKey);
  const format = getKey(repoLoc) ?? '';
  const prefix = substituteKeyFormat(format, vars);
  return withKey(repoLoc, posix.join(prefix, archiveFileName(artifact)));
}

/** A short human-readable name of a location for messages: `s3://bucket/key`, `local:key`, `http <url>`. */
export function describeLocation(loc: WeirArtifactLocation): string {
  const kind = locationKind(loc);
  const l = kind ? (obj((loc as AnyLoc)[kind]) ?? {}) : {};
  switch (kind) {
    case 's3':
      return `s3://${str(l.bucket) ?? ''}/${str(l.key) ?? ''}`;
    case 'local':
      return `local:${str(l.key) ?? ''}`;
    case 'http':
      return `http ${str(l.url) ?? ''}`;
    case 'raw':
      return 'raw data';
    case undefined:
      return '(no location)';
    default:
      return `${kind}:${getKey(loc) ?? ''}`;
  }
}
