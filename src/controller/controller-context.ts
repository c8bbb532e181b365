// The OperateContext of one pass: stored WorkflowTemplates, ConfigMaps and Secrets (read only when the workflow or
// a template it uses refers to them: a namespace may hold many, the sensor history ConfigMaps among them), other
// workflows' lock holdings (read under a mutex held until the pass ends, so two passes never take the same lock),
// step states, request outcomes and the artifact repository.
import type { ResourceStore, StoredObject } from '../store/types.js';
import { lockHoldersOf } from './controller-effects.js';
import type { ArtifactHost } from './artifact-effects.js';
import type { ControllerRequests } from './controller-requests.js';
import type { StepTracker } from './step-tracker.js';
import type { OperateContext, WorkflowObject } from './types.js';
import type { HostPathPolicy } from './host-paths.js';

/** A FIFO mutex: acquire() resolves with the release function. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const before = this.tail;
    this.tail = before.then(() => mine);
    await before;
    return release;
  }
}

export interface ContextDeps {
  store: ResourceStore;
  now: number;
  maxDepth: number | undefined;
  volumeRoot: string | undefined;
  hostPaths: HostPathPolicy;
  /** The executor runs images (any executor but the host one). */
  runsImages?: boolean;
  /** The executor runs steps as Pods. */
  runsPods?: boolean;
  /** The workflow spec's JSON text (cached per generation). */
  specText: string;
  steps: StepTracker;
  requests: ControllerRequests;
  artifacts: ArtifactHost | undefined;
  syncMutex: Mutex;
  /** Receives the mutex's release when the pass took it; the caller releases after the pass. */
  held: { release?: () => void };
}

const byName = (items: StoredObject[]): Map<string, StoredObject> => new Map(items.map((i) => [i.metadata.name, i]));

export async function buildContext(d: ContextDeps, wf: WorkflowObject): Promise<OperateContext> {
  const s = d.store;
  const ns = wf.metadata.namespace ?? 'default';
  const none = Promise.resolve({ items: [] as StoredObject[] });
  const refsTemplates = d.specText.includes('emplateRef');
  const [wts, cwts] = await Promise.all([
    refsTemplates ? s.list('WorkflowTemplate', { namespace: ns }) : none,
    refsTemplates ? s.list('ClusterWorkflowTemplate') : none,
  ]);
  const all = refsTemplates ? d.specText + JSON.stringify([...wts.items, ...cwts.items].map((o) => o.spec)) : d.specText;
  const [cms, secrets] = await Promise.all([
    /configmap/i.test(all) ? s.list('ConfigMap', { namespace: ns }) : none,
    /secret/i.test(all) ? s.list('Secret', { namespace: ns }) : none,
  ]);
  if (/synchronization|templateRef/.test(all)) d.held.release = await d.syncMutex.acquire();
  const locks = d.held.release ? await lockHoldersOf(s, wf) : undefined;
  const artifactRepository =
    d.artifacts && wf.status?.artifactRepositoryRef === undefined ? await d.artifacts.resolveRepository(wf) : undefined;
  const wt = byName(wts.items);
  const cwt = byName(cwts.items);
  const cm = byName(cms.items);
  const sec = byName(secrets.items);
  return {
    now: d.now,
    maxDepth: d.maxDepth,
    volumeRoot: d.volumeRoot,
    hostPaths: d.hostPaths,
    ...(d.runsImages ? { runsImages: true } : {}),
    ...(d.runsPods ? { runsPods: true } : {}),
    ...(d.runsPods && d.store.anyKind ? { createsClaims: true } : {}),
    workflowTemplate: (name, cluster) => {
      const o = (cluster ? cwt : wt).get(name);
      return o ? { spec: o.spec ?? {} } : undefined;
    },
    configMap: (name) => {
      const o = cm.get(name);
      return o ? Object.fromEntries(Object.entries((o.data ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : undefined;
    },
    secret: (name) => {
      const o = sec.get(name);
      if (!o) return undefined;
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries((o.data ?? {}) as Record<string, string>))
        out[k] = Buffer.from(String(v), 'base64').toString('utf8');
      for (const [k, v] of Object.entries((o.stringData ?? {}) as Record<string, string>)) out[k] = String(v);
      return out;
    },
    pod: (nodeId) => d.steps.podState(wf, nodeId),
    ...(locks ? { lockHolders: (key: string) => locks.get(key) ?? 0 } : {}),
    ...d.requests.contextFor(wf.metadata.uid),
    ...(artifactRepository ? { artifactRepository } : {}),
  };
}
