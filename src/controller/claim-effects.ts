// The controller's side of volumeClaimTemplates with the pod executor (pod-volumes.ts names the claims): creating
// the PersistentVolumeClaims through the store's objects-of-any-kind path before the steps of a pass start — a claim
// that exists already owned by the workflow is adopted (a restarted controller, a second pass), one owned by anything
// else is refused, as Argo does — and deleting them per volumeClaimGC once the workflow ended, then dropping them
// from status.persistentVolumeClaims. A crash between the two repeats the deletion (absent claims count as deleted).
import { errorMessage, isWeirError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AnyObject, ResourceStore } from '../store/types.js';
import { updateWithRetry } from '../store/update-retry.js';
import type { StoredWorkflow } from '../api/objects.js';
import { claimsToCollect, statusClaims } from './pod-volumes.js';

const claimRef = (namespace: string, name: string): { apiVersion: string; kind: string; namespace: string; name: string } => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  namespace,
  name,
});

export class ClaimEffects {
  /** `<workflow uid>/<claim>` of the claims known to exist (no request per pass once created or adopted). */
  private readonly ready = new Set<string>();

  constructor(
    private readonly store: ResourceStore,
    private readonly log: Logger,
  ) {}

  /** Creates (or adopts) the claims of workflow `uid`; undefined once all exist, else why not. */
  async ensure(key: string, uid: string, claims: readonly Record<string, unknown>[]): Promise<string | undefined> {
    const objects = this.store.anyKind;
    if (!objects) return 'volumeClaimTemplates need the Kubernetes store';
    for (const c of claims) {
      const obj = c as AnyObject;
      const name = obj.metadata.name ?? '';
      const ns = obj.metadata.namespace ?? 'default';
      if (this.ready.has(`${uid}/${name}`)) continue;
      try {
        await objects.create(obj);
        this.log.info({ workflow: key, claim: name }, 'created PersistentVolumeClaim');
      } catch (e) {
        if (!isWeirError(e) || e.code !== 'ALREADY_EXISTS') return `cannot create PersistentVolumeClaim ${name}: ${errorMessage(e)}`;
        let existing: AnyObject | undefined;
        try {
          existing = await objects.read(claimRef(ns, name));
        } catch (e2) {
          return `cannot read PersistentVolumeClaim ${name}: ${errorMessage(e2)}`;
        }
        const owners = (existing?.metadata.ownerReferences ?? []) as { uid?: string }[];
        if (!existing || !owners.some((o) => o.uid === uid))
          return `PersistentVolumeClaim ${name} already exists and is not owned by this workflow`;
        if (existing.metadata.deletionTimestamp !== undefined) return `PersistentVolumeClaim ${name} is being deleted`;
      }
      if (this.ready.size >= 10_000) this.ready.clear();
      this.ready.add(`${uid}/${name}`);
    }
    return undefined;
  }

  /**
   * Deletes the claims `names` of the ended workflow `wf` and drops the deleted ones from its
   * status.persistentVolumeClaims (those that failed stay listed: the next pass over the workflow tries again).
   * Resolves with the saved workflow, or undefined when nothing was saved.
   */
  async collect(key: string, wf: StoredWorkflow, names: readonly string[]): Promise<StoredWorkflow | undefined> {
    const objects = this.store.anyKind;
    if (!objects || names.length === 0) return undefined;
    const ns = wf.metadata.namespace ?? 'default';
    const gone = new Set<string>();
    for (const name of names) {
      try {
        if (await objects.delete(claimRef(ns, name)))
          this.log.info({ workflow: key, claim: name }, 'deleted PersistentVolumeClaim (volumeClaimGC)');
        gone.add(name);
      } catch (e) {
        this.log.warn({ workflow: key, claim: name, err: errorMessage(e) }, 'cannot delete PersistentVolumeClaim');
      }
    }
    for (const name of gone) this.ready.delete(`${wf.metadata.uid}/${name}`);
    if (gone.size === 0) return undefined;
    try {
      const r = await updateWithRetry(this.store, 'Workflow', ns, wf.metadata.name, (cur) => {
        if (cur.metadata.uid !== wf.metadata.uid) return undefined;
        const claims = statusClaims(cur.status);
        const left = claims.filter((c) => !gone.has(c.persistentVolumeClaim.claimName));
        if (left.length === claims.length) return undefined;
        const status = { ...cur.status };
        if (left.length > 0) status.persistentVolumeClaims = left;
        else delete status.persistentVolumeClaims;
        return { ...cur, status };
      });
      return r.updated ? r.object : undefined;
    } catch (e) {
      this.log.warn({ workflow: key, err: errorMessage(e) }, 'cannot drop deleted claims from status.persistentVolumeClaims');
      return undefined;
    }
  }

  /**
   * A finished workflow read again (a restarted controller, or a deletion that failed): the claims volumeClaimGC
   * should have deleted and that are still listed are deleted now. Its own spec decides (not a workflowTemplateRef's).
   */
  async collectEnded(key: string, wf: StoredWorkflow): Promise<StoredWorkflow | undefined> {
    const names = claimsToCollect(wf.spec ?? {}, wf.status?.phase, statusClaims(wf.status));
    return names.length > 0 ? this.collect(key, wf, names) : undefined;
  }
}
