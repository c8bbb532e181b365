// The artifact shapes a Workflow's status records (api types, so readers of a stored Workflow need not import the
// artifact library): Weir's location (Argo's ArtifactLocation plus the embedded `local` repository), an artifact as
// recorded in node status, and the artifact repository configuration a workflow resolves once.
import type { Artifact, ArtifactLocation, S3ArtifactSchema } from './workflow-io.js';
import type { Static } from './schema-kit.js';

/** Weir's embedded filesystem repository: objects under `<dataDir>/artifacts/<key>`. */
export interface LocalArtifact {
  key?: string;
}

/** Argo's location (one kind key set) plus Weir's `local` kind. */
export type WeirArtifactLocation = ArtifactLocation & { local?: LocalArtifact };

/** An artifact as it is recorded in node status: its fields plus a location (key-only stays key-only). */
export type StatusArtifact = Artifact & WeirArtifactLocation;

type S3Bucket = Omit<Static<typeof S3ArtifactSchema>, 'key'> & {
  /** Weir extension: force path-style URLs (default: on when `endpoint` is set, as minio-go does). */
  forcePathStyle?: boolean;
};

/** Argo's ArtifactRepository (the kinds Weir can store to) plus Weir's embedded `local` repository. */
export interface ArtifactRepository {
  archiveLogs?: boolean;
  s3?: S3Bucket & { keyFormat?: string; /** deprecated in Argo: prefix joined before the default format */ keyPrefix?: string };
  /** Weir: objects under `<dataDir>/artifacts/`. */
  local?: { keyFormat?: string };
  gcs?: { bucket?: string; keyFormat?: string; [k: string]: unknown };
  oss?: { bucket?: string; keyFormat?: string; [k: string]: unknown };
  azure?: { container?: string; blobNameFormat?: string; [k: string]: unknown };
  artifactory?: { repoURL?: string; keyFormat?: string; [k: string]: unknown };
  hdfs?: { pathFormat?: string; [k: string]: unknown };
}
