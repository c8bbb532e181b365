// Work the controller does itself for nodes that have no step (http, resource and data templates): each request
// runs once per `<workflow uid>/<node id>` in this process, its state is reported to `operate` through the
// OperateContext, and its completion enqueues the workflow again. State is kept in memory only: a request in
// flight when the controller restarts is performed again.
import type { Artifact } from '../api/workflow-io.js';
import type { ArtifactRepository } from '../artifacts/repository-config.js';
import type { ResourceStore } from '../store/types.js';
import type { ArtifactHost } from './artifact-effects.js';
import type { DataListState } from './data-step.js';
import type { HttpState } from './http-step.js';
import type { ResourceState } from './resource-step.js';
import type { Action, OperateContext } from './types.js';
import { errorMessage } from '../core/errors.js';

type Request = Extract<Action, { type: 'http' | 'resource' | 'data-list' }>;

export class ControllerRequests {
  private readonly http = new Map<string, HttpState>();
  private readonly resources = new Map<string, ResourceState>();
  private readonly listings = new Map<string, DataListState>();
  private readonly aborts = new Map<string, AbortController>();
  private readonly stopAll = new AbortController();

  constructor(
    private readonly o: {
      store: ResourceStore;
      artifacts: ArtifactHost | undefined;
      /** Called with the workflow key when a request finished. */
      done: (workflowKey: string) => void;
    },
  ) {}

  /** The OperateContext look-ups of one workflow. */
  contextFor(uid: string): Pick<OperateContext, 'http' | 'resource' | 'dataList'> {
    return {
      http: (nodeId) => this.http.get(`${uid}/${nodeId}`),
      resource: (nodeId) => this.resources.get(`${uid}/${nodeId}`),
      dataList: (nodeId) => this.listings.get(`${uid}/${nodeId}`),
    };
  }

  /** Starts a request unless it already runs or ran. */
  perform(key: string, namespace: string, uid: string, a: Request, repository: ArtifactRepository | undefined): void {
    const reqKey = `${uid}/${a.nodeId}`;
    const signal = (): AbortSignal => {
      const ac = new AbortController();
      this.aborts.set(reqKey, ac);
      return AbortSignal.any([this.stopAll.signal, ac.signal]);
    };
    const finish = <T>(map: Map<string, T>, st: T): void => {
      this.aborts.delete(reqKey);
      if (!map.has(reqKey)) return;
      map.set(reqKey, st);
      this.o.done(key);
    };
    if (a.type === 'http' && !this.http.has(reqKey)) {
      this.http.set(reqKey, { state: 'running' });
      const sig = signal();
      // http-step.js loads with the first http template (a run without one skips it)
      void import('./http-step.js').then(({ performHttp }) => performHttp(a.request, sig)).then((st) => finish(this.http, st));
    }
    if (a.type === 'resource' && !this.resources.has(reqKey)) {
      this.resources.set(reqKey, { state: 'running' });
      const host = this.o.artifacts;
      const sig = signal();
      void (async (): Promise<ResourceState> => {
        const [{ performResource }, service] = await Promise.all([import('./resource-effects.js'), host?.service(namespace)]);
        const artifacts = service ? { service, ...(repository ? { repository } : {}) } : undefined;
        return performResource(a.request, { store: this.o.store, signal: sig, ...(artifacts ? { artifacts } : {}) });
      })()
        .catch((e: unknown): ResourceState => ({ state: 'failed', message: errorMessage(e) }))
        .then((st) => finish(this.resources, st));
    }
    if (a.type === 'data-list' && !this.listings.has(reqKey)) {
      this.listings.set(reqKey, { state: 'running' });
      void this.list(namespace, a.artifact, repository).then((st) => finish(this.listings, st));
    }
  }

  private async list(namespace: string, artifact: Artifact, repository: ArtifactRepository | undefined): Promise<DataListState> {
    try {
      if (!this.o.artifacts) throw new Error('no artifact repository on this controller');
      return { state: 'done', keys: await this.o.artifacts.listKeys(namespace, artifact, repository) };
    } catch (e) {
      return { state: 'failed', message: `data source: ${errorMessage(e)}` };
    }
  }

  /** A finished workflow: forget its requests and stop those still waiting. */
  forget(uid: string): void {
    for (const map of [this.http, this.resources, this.listings] as Map<string, unknown>[]) {
      for (const k of [...map.keys()]) if (k.startsWith(`${uid}/`)) map.delete(k);
    }
    for (const [k, ac] of this.aborts) if (k.startsWith(`${uid}/`)) ac.abort();
  }

  /** Stops every request (the controller stops). */
  close(): void {
    this.stopAll.abort();
  }
}
