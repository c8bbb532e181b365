// What the controller remembers about each workflow between passes: the object its last save returned (a pass
// starts from it instead of reading the store, while the watch shows nothing newer; a stale copy only makes the save
// conflict), the newest resourceVersion seen, its own last write (whose watch event needs no pass), and the spec's
// JSON text per generation.
import type { StoredWorkflow } from '../api/objects.js';
import type { WorkflowObject } from './types.js';

export interface OwnedCopy {
  obj: StoredWorkflow;
  /** JSON of obj.status when known (saves a serialisation when the next pass compares). */
  statusJson: string | undefined;
}

export class PassCache {
  private readonly owned = new Map<string, OwnedCopy>();
  private readonly latest = new Map<string, string>();
  private readonly written = new Map<string, string>();
  private readonly specTexts = new Map<string, { generation: unknown; text: string }>();

  /** `enabled: false` (no watch tells about other writers): copies are never reused. */
  constructor(private readonly enabled: boolean) {}

  /** A watch event: the store now holds `rv` of `key`. Returns true when it is our own last write. */
  observed(key: string, rv: string): boolean {
    this.latest.set(key, rv);
    return this.written.get(key) === rv;
  }

  /** Our last saved copy of `key` when nothing newer is known to exist, else undefined. */
  copy(key: string): OwnedCopy | undefined {
    if (!this.enabled) return undefined;
    const c = this.owned.get(key);
    if (!c) return undefined;
    const mine = c.obj.metadata.resourceVersion;
    const seen = this.latest.get(key);
    if (seen === undefined || seen === mine) return c;
    // Versions of our stores are increasing integers: a watch event older than our save is not news.
    return /^\d+$/.test(seen) && /^\d+$/.test(mine) && Number(seen) < Number(mine) ? c : undefined;
  }

  /** The object a save of ours returned. */
  saved(key: string, obj: StoredWorkflow, statusJson: string | undefined): void {
    this.written.set(key, obj.metadata.resourceVersion);
    this.latest.set(key, obj.metadata.resourceVersion);
    this.owned.set(key, { obj, statusJson });
  }

  /** Another writer's version, from the watch: the next pass starts from it instead of reading the store. */
  seen(key: string, obj: StoredWorkflow): void {
    if (this.enabled && this.latest.get(key) === obj.metadata.resourceVersion) this.owned.set(key, { obj, statusJson: undefined });
  }

  /** The stored object, read or reused, that a pass left unchanged. */
  unchanged(key: string, copy: OwnedCopy): void {
    this.owned.set(key, copy);
  }

  /** Until the next save, passes read the store. */
  drop(key: string): void {
    this.owned.delete(key);
  }

  forget(key: string): void {
    this.owned.delete(key);
    this.latest.delete(key);
    this.written.delete(key);
    this.specTexts.delete(key);
  }

  /** The spec's JSON text, recomputed only when the spec changes (generation). */
  specText(key: string, wf: WorkflowObject): string {
    const generation = (wf.metadata as { generation?: unknown }).generation;
    const c = this.specTexts.get(key);
    if (c && generation !== undefined && c.generation === generation) return c.text;
    const text = JSON.stringify(wf.spec);
    this.specTexts.set(key, { generation, text });
    return text;
  }
}
