// How the SQLite store turns objects into rows without re-reading stored bodies: an object is serialized once, when
// the write is issued (later mutations by the caller cannot leak in), with its metadata left as a slot that the write
// fills under the lock (uid, resourceVersion, generation...). Also the spec hash that decides generation bumps, and
// the committed change whose object is parsed from the committed body only when a watcher looks at it.
import { createHash } from 'node:crypto';
import type { KindName } from '../api/kinds.js';
import { fieldValue } from './object-rules.js';
import type { Change } from './watch-stream.js';
import type { ObjectMeta, StoredObject } from './types.js';

/** Metadata as a plain JSON copy; the write sets the fields it assigns. */
export type MetadataDraft = Partial<ObjectMeta> & Record<string, unknown>;

export interface EncodedObject {
  /** Top-level members as `"key":<json>` in the object's key order; the metadata member is left out. */
  readonly members: readonly string[];
  /** Where the metadata member goes in `members` (its original position, else last). */
  readonly metaAt: number;
  readonly metadata: MetadataDraft;
  /** Hash of the spec's JSON (or '' when there is no spec): equal hashes mean an unchanged spec. */
  readonly specHash: string;
  /** JSON of metadata.labels ({} when none), as compared to tell whether the labels rows must change. */
  readonly labelsJson: string;
  /** status.phase as a field selector sees it ('' when absent). */
  readonly phase: string;
}

export function hashSpecJson(specJson: string | undefined): string {
  return specJson === undefined ? '' : createHash('sha256').update(specJson).digest('base64');
}

/** Serializes everything but metadata now (JSON.stringify semantics: undefined members are dropped). */
export function encodeObject(obj: { metadata?: unknown; [key: string]: unknown }): EncodedObject {
  const members: string[] = [];
  let metaAt = -1;
  let specJson: string | undefined;
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'metadata') {
      metaAt = members.length;
      continue;
    }
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) continue;
    if (key === 'spec') specJson = json;
    members.push(`${JSON.stringify(key)}:${json}`);
  }
  const metadata = JSON.parse(JSON.stringify(obj.metadata ?? {})) as MetadataDraft;
  return {
    members,
    metaAt: metaAt < 0 ? members.length : metaAt,
    metadata,
    specHash: hashSpecJson(specJson),
    labelsJson: JSON.stringify(metadata.labels ?? {}),
    phase: fieldValue(obj as StoredObject, 'status.phase') ?? '',
  };
}

/** The stored JSON body: the encoded members with `metadata` at its place. */
export function bodyOf(e: EncodedObject, metadata: MetadataDraft): string {
  const meta = `"metadata":${JSON.stringify(metadata)}`;
  const parts =
    e.metaAt === e.members.length ? [...e.members, meta] : [...e.members.slice(0, e.metaAt), meta, ...e.members.slice(e.metaAt)];
  return `{${parts.join(',')}}`;
}

/** A committed change; its object is parsed from the committed body once, when first read (by a watcher). */
export class CommittedChange implements Change {
  constructor(
    readonly rv: number,
    readonly kind: KindName,
    readonly type: Change['type'],
    private readonly body: string,
    /** The object when the writer already has it (read-only from now on); else parsed from `body` on first read. */
    private parsed?: StoredObject,
  ) {}

  get object(): StoredObject {
    this.parsed ??= JSON.parse(this.body) as StoredObject;
    return this.parsed;
  }
}
