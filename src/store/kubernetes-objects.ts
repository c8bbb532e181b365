// Objects of any kind on the API server (the `anyKind` capability of KubernetesStore, used by the sensors' `k8s`
// trigger): @kubernetes/client-node's KubernetesObjectApi resolves apiVersion/kind to the resource (its plural name
// and whether it is namespaced, from the server's discovery, cached per group version and refreshed when a kind is
// missing), and the request itself goes through the store's KubeRest as plain JSON. KubernetesObjectApi's own
// create/patch run objects of the kinds it has models for (Pod, Deployment...) through those models, which drop
// fields the model does not know (a newer API server's fields); sending the JSON as given keeps every field.
import { ApiException, KubernetesObjectApi } from '@kubernetes/client-node';
import type { V1APIResource } from '@kubernetes/client-node';
import { WeirError, errorMessage } from '../core/errors.js';
import { statusError } from './kubernetes-rest.js';
import type { KubeRest } from './kubernetes-rest.js';
import type { AnyKindObjects, AnyObject, AnyObjectRef } from './types.js';

/** KubernetesObjectApi with its discovery lookup made callable. */
class Discovery extends KubernetesObjectApi {
  lookup(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }
}

const groupPath = (apiVersion: string): string => (apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`);

export class KubeObjects implements AnyKindObjects {
  private readonly discovery: Discovery;

  constructor(private readonly rest: KubeRest) {
    this.discovery = rest.kc.makeApiClient(Discovery);
  }

  /** The collection path (name omitted) or object path of a ref; cluster-scoped kinds lose the namespace. */
  private async path(ref: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name?: string;
  }): Promise<{ path: string; namespaced: boolean }> {
    if (!ref.apiVersion || !ref.kind) throw new WeirError('INVALID_SPEC', 'the object needs apiVersion and kind');
    let r: V1APIResource | undefined;
    try {
      r = await this.discovery.lookup(ref.apiVersion, ref.kind);
    } catch (e) {
      if (e instanceof ApiException && e.code === 404) r = undefined;
      else if (e instanceof ApiException) throw statusError(e.code, e.body as never, `discovery of ${ref.apiVersion}`);
      else
        throw new WeirError(
          'IO_ERROR',
          `Kubernetes API ${this.rest.server} unreachable (discovery of ${ref.apiVersion}): ${errorMessage(e)}`,
          { cause: e },
        );
    }
    if (!r) throw new WeirError('UNKNOWN_KIND', `the API server serves no ${ref.kind} in ${ref.apiVersion}`);
    const ns = r.namespaced ? ref.namespace || 'default' : undefined;
    const parts = [groupPath(ref.apiVersion)];
    if (ns !== undefined) parts.push('namespaces', encodeURIComponent(ns));
    parts.push(r.name);
    if (ref.name !== undefined) parts.push(encodeURIComponent(ref.name));
    return { path: parts.join('/'), namespaced: r.namespaced };
  }

  private static refOf(obj: AnyObject): AnyObjectRef {
    return { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? '' };
  }

  /** The body as sent: metadata.namespace dropped for cluster-scoped kinds, set for namespaced ones. */
  private static body(obj: AnyObject, namespaced: boolean): AnyObject {
    const metadata = { ...obj.metadata };
    if (namespaced) metadata.namespace = obj.metadata.namespace || 'default';
    else delete metadata.namespace;
    return { ...obj, metadata };
  }

  async create(obj: AnyObject, signal?: AbortSignal): Promise<AnyObject> {
    const { path, namespaced } = await this.path({ ...obj, namespace: obj.metadata.namespace });
    return this.rest.request<AnyObject>('POST', path, { body: KubeObjects.body(obj, namespaced), signal });
  }

  async read(ref: AnyObjectRef, signal?: AbortSignal): Promise<AnyObject | undefined> {
    const { path } = await this.path(ref);
    try {
      return await this.rest.request<AnyObject>('GET', path, { signal });
    } catch (e) {
      if (e instanceof WeirError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
  }

  async replace(obj: AnyObject, signal?: AbortSignal): Promise<AnyObject> {
    const { path, namespaced } = await this.path(KubeObjects.refOf(obj));
    return this.rest.request<AnyObject>('PUT', path, { body: KubeObjects.body(obj, namespaced), signal });
  }

  async patch(ref: AnyObjectRef, body: unknown, contentType: string, signal?: AbortSignal): Promise<AnyObject> {
    const { path } = await this.path(ref);
    return this.rest.request<AnyObject>('PATCH', path, { body, contentType, signal });
  }

  async delete(ref: AnyObjectRef, signal?: AbortSignal): Promise<boolean> {
    const { path } = await this.path(ref);
    try {
      await this.rest.request('DELETE', path, {
        body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' },
        signal,
      });
      return true;
    } catch (e) {
      if (e instanceof WeirError && e.code === 'NOT_FOUND') return false;
      throw e;
    }
  }
}
