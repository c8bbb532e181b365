// Artifact garbage collection (Argo's `artifactGC`): a pure planner choosing which saved output artifacts to
// delete when a workflow completes or is deleted, and a runner that deletes them through the service.
// Strategy: the artifact's own `artifactGC.strategy`, else the workflow's `spec.artifactGC.strategy`, else none.
// At deletion, OnWorkflowCompletion artifacts not yet deleted (workflow deleted before completing) go too.
import type { Artifact } from '../api/workflow-io.js';
import type { ArtifactRepository } from './repository-config.js';
import type { ArtifactService, StatusArtifact } from './service.js';
import { errorMessage } from '../core/errors.js';

export type ArtifactGCStrategy = 'OnWorkflowCompletion' | 'OnWorkflowDeletion' | 'Never' | '';
export type ArtifactGCEvent = 'completion' | 'deletion';

/** One saved output artifact, as recorded in node status. */
export interface SavedArtifactRecord {
  nodeId: string;
  artifact: StatusArtifact;
}

export function effectiveGCStrategy(a: Pick<Artifact, 'artifactGC'>, workflowStrategy?: string): ArtifactGCStrategy {
  const own = a.artifactGC?.strategy;
  const s = own !== undefined && own !== '' ? own : (workflowStrategy ?? '');
  return s === 'OnWorkflowCompletion' || s === 'OnWorkflowDeletion' || s === 'Never' ? s : '';
}

export interface GCPlan {
  delete: SavedArtifactRecord[];
  keep: SavedArtifactRecord[];
}

/** Pure: which artifacts `event` deletes. Artifacts already marked `deleted` are neither deleted nor kept. */
export function planArtifactGC(o: {
  artifacts: readonly SavedArtifactRecord[];
  workflowStrategy?: string;
  event: ArtifactGCEvent;
}): GCPlan {
  const plan: GCPlan = { delete: [], keep: [] };
  for (const r of o.artifacts) {
    if (r.artifact.deleted === true) continue;
    const s = effectiveGCStrategy(r.artifact, o.workflowStrategy);
    const due = o.event === 'completion' ? s === 'OnWorkflowCompletion' : s === 'OnWorkflowDeletion' || s === 'OnWorkflowCompletion';
    (due ? plan.delete : plan.keep).push(r);
  }
  return plan;
}

export interface GCOutcome {
  deleted: SavedArtifactRecord[];
  failed: { record: SavedArtifactRecord; message: string }[];
}

/** Deletes the planned artifacts one by one; failures are collected (with redacted messages), not thrown. */
export async function runArtifactGC(
  plan: GCPlan,
  service: ArtifactService,
  o: { repository?: ArtifactRepository; signal?: AbortSignal } = {},
): Promise<GCOutcome> {
  const out: GCOutcome = { deleted: [], failed: [] };
  for (const r of plan.delete) {
    try {
      await service.deleteArtifact(r.artifact, o);
      out.deleted.push(r);
    } catch (e) {
      out.failed.push({ record: r, message: errorMessage(e) });
    }
  }
  return out;
}
