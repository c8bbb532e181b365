// Artifact library contracts: the driver interface every repository kind implements, the Weir location type
// (Argo's ArtifactLocation plus Weir's embedded `local` repository), secret look-ups and per-call options.
// Drivers move bytes only; archiving, key formats and optional/missing handling live in service.ts.
import type { SecretKeySelector } from '../api/k8s.js';
import type { WeirArtifactLocation } from '../api/artifact-status.js';

export type { LocalArtifact, WeirArtifactLocation } from '../api/artifact-status.js';

/** The location kinds a location object can carry (Argo's plus `local`). */
export const LOCATION_KINDS = ['s3', 'gcs', 'git', 'http', 'artifactory', 'hdfs', 'raw', 'oss', 'azure', 'plugin', 'local'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

/** Reads one key of a Secret (in the workflow's namespace). Undefined only for `optional` selectors. */
export interface SecretSource {
  get(ref: SecretKeySelector): Promise<string | undefined>;
}

export interface TransferOptions {
  signal?: AbortSignal;
}

/** What a load produced at the destination. */
export type LoadedKind = 'file' | 'dir';

/**
 * One repository kind. `load` writes the object (a file) or a key prefix (a directory) to `destHostPath`,
 * which must not exist yet; a missing object throws WeirError NOT_FOUND. `save` uploads a file, or a directory
 * as one object per file under `<key>/`. Input-only kinds (http, raw) have no `save`/`delete`.
 */
export interface ArtifactDriver {
  readonly kind: LocationKind;
  load(location: WeirArtifactLocation, destHostPath: string, opts?: TransferOptions): Promise<LoadedKind>;
  save?(srcHostPath: string, location: WeirArtifactLocation, opts?: TransferOptions): Promise<void>;
  /** Deletes the object, or every object under the key prefix. Deleting what is absent is not an error. */
  delete?(location: WeirArtifactLocation, opts?: TransferOptions): Promise<void>;
  exists?(location: WeirArtifactLocation, opts?: TransferOptions): Promise<boolean>;
  /** Keys of the objects under the location's key (itself when it is one object). */
  list?(location: WeirArtifactLocation, opts?: TransferOptions): Promise<string[]>;
}

/** What drivers are built with. */
export interface DriverContext {
  /** Weir's data directory; the local repository lives in `<dataDir>/artifacts/`. */
  dataDir: string;
  secrets: SecretSource;
}
