// ResourceStore on a Kubernetes API server: argoproj kinds as our CRDs (crds/), ConfigMaps and Secrets as the native
// kinds. The API server assigns names (generateName), uids, resourceVersions and timestamps; a stale update is its
// 409 Conflict, a taken name its AlreadyExists. Lists and watches: kubernetes-list.ts and kubernetes-watch.ts.
import { WeirError } from '../core/errors.js';
import { KIND_IDENTITY } from '../core/kinds.js';
import type { KindName } from '../api/kinds.js';
import { assertKind, assertValidLabels, namespaceFor, parseResourceVersion, requestedName } from './object-rules.js';
import { kubeList, normalize, SYSTEM_NAMESPACES } from './kubernetes-list.js';
import type { KubeList } from './kubernetes-list.js';
import { KubeRest, loadKubeConfig, resourcePath } from './kubernetes-rest.js';
import type { KubeConnectOptions } from './kubernetes-rest.js';
import { decodeNodes, encodeNodes } from './kubernetes-nodes.js';
import type { NodeStatusOptions } from './kubernetes-nodes.js';
import { kubeWatch } from './kubernetes-watch.js';
import { KubeObjects } from './kubernetes-objects.js';
import type { KubeWatchOptions } from './kubernetes-watch.js';
import { parseLabelSelector } from './label-selector.js';
import type {
  AnyKindObjects,
  ListOptions,
  ListResult,
  NewObject,
  NewObjectOf,
  ObjectOf,
  ResourceStore,
  StoredObject,
  UpdateOptions,
  WatchEvent,
  WatchOptions,
} from './types.js';

export interface KubernetesStoreOptions extends KubeConnectOptions {
  /** Big Workflows: compression threshold and the offload database (kubernetes-nodes.ts). */
  nodeStatus?: NodeStatusOptions;
  /**
   * Namespaces left out of lists and watches across all namespaces (a get, or a list naming the namespace, still
   * reaches them). Default: the system namespaces kube-system, kube-public and kube-node-lease.
   */
  skipNamespaces?: readonly string[];
}

export class KubernetesStore implements ResourceStore {
  readonly rest: KubeRest;
  /** Objects of any kind (the sensors' `k8s` trigger), with this store's credentials. */
  readonly anyKind: AnyKindObjects;
  private readonly closing = new AbortController();
  /**
   * The newest resourceVersion this store has seen in a response. A watch without a start version starts here, so
   * it sees every change after this store's own last write or read (and never misses one racing with its start).
   */
  private latestRv = 0;

  private readonly nodes: NodeStatusOptions;

  constructor(opts: KubernetesStoreOptions = {}) {
    this.rest = new KubeRest(loadKubeConfig(opts));
    this.anyKind = new KubeObjects(this.rest);
    this.nodes = opts.nodeStatus ?? {};
    this.skipNamespaces = opts.skipNamespaces ?? SYSTEM_NAMESPACES;
  }

  private readonly skipNamespaces: readonly string[];

  /** Restores offloaded or compressed Workflow nodes (a DELETED event's may be gone: then it goes without). */
  private async decode(kind: KindName, o: StoredObject, tolerant = false): Promise<StoredObject> {
    if (kind !== 'Workflow') return o;
    try {
      return await decodeNodes(o, this.nodes);
    } catch (e) {
      if (tolerant) return o;
      throw e;
    }
  }

  private encode<T extends NewObject>(kind: KindName, o: T): Promise<T> {
    return kind === 'Workflow' ? encodeNodes(o, this.nodes) : Promise.resolve(o);
  }

  /** Checks that the API server answers (and learns its current resourceVersion). */
  async ready(signal?: AbortSignal): Promise<void> {
    await this.currentVersion(signal);
  }

  private seen(o: StoredObject | KubeList | undefined): void {
    const rv = Number((o as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion);
    if (Number.isSafeInteger(rv) && rv > this.latestRv) this.latestRv = rv;
  }

  private async currentVersion(signal?: AbortSignal): Promise<string> {
    const l = await this.rest.request<KubeList>('GET', resourcePath('ConfigMap', 'default'), { query: { limit: 1 }, signal });
    this.seen(l);
    return String(this.latestRv);
  }

  private checkOpen(): void {
    if (this.closing.signal.aborted) throw new WeirError('CANCELLED', 'the Kubernetes store is closed');
  }

  async create<K extends KindName>(kind: K, obj: NewObjectOf<K>): Promise<ObjectOf<K>> {
    assertKind(kind);
    this.checkOpen();
    // The same label rules and message as every store (the API server would refuse them too, in its own words).
    assertValidLabels(kind, obj);
    const name = requestedName(kind, obj);
    const namespace = namespaceFor(kind, obj.metadata?.namespace);
    const k = KIND_IDENTITY[kind];
    const metadata: Record<string, unknown> = { ...obj.metadata };
    if (namespace === undefined) delete metadata.namespace;
    else metadata.namespace = namespace;
    if (name === undefined) delete metadata.name;
    const body = await this.encode(kind, { ...obj, apiVersion: k.apiVersion, kind: k.kind, metadata });
    const out = normalize(await this.rest.request<StoredObject>('POST', resourcePath(kind, namespace), { body }), kind);
    this.seen(out);
    return (await this.decode(kind, out)) as ObjectOf<K>;
  }

  async get<K extends KindName>(kind: K, namespace: string | undefined, name: string): Promise<ObjectOf<K> | undefined> {
    assertKind(kind);
    this.checkOpen();
    try {
      const out = normalize(await this.rest.request<StoredObject>('GET', resourcePath(kind, namespaceFor(kind, namespace), name)), kind);
      this.seen(out);
      return (await this.decode(kind, out)) as ObjectOf<K>;
    } catch (e) {
      if (e instanceof WeirError && e.code === 'NOT_FOUND') return undefined;
      throw e;
    }
  }

  async list<K extends KindName>(kind: K, opts: ListOptions = {}): Promise<ListResult<ObjectOf<K>>> {
    assertKind(kind);
    this.checkOpen();
    const namespace = KIND_IDENTITY[kind].namespaced ? opts.namespace || undefined : undefined;
    const out = await kubeList(this.rest, { kind, namespace, opts, skipNamespaces: this.skipNamespaces });
    this.seen({ metadata: { resourceVersion: out.resourceVersion } });
    if (kind === 'Workflow') for (const o of out.items) await this.decode(kind, o);
    return { ...out, items: out.items as ObjectOf<K>[] };
  }

  async update<K extends KindName>(kind: K, obj: ObjectOf<K>, _opts?: UpdateOptions): Promise<ObjectOf<K>> {
    assertKind(kind);
    this.checkOpen();
    assertValidLabels(kind, obj);
    const namespace = namespaceFor(kind, obj.metadata.namespace);
    const k = KIND_IDENTITY[kind];
    const metadata: Record<string, unknown> = { ...obj.metadata };
    if (namespace === undefined) delete metadata.namespace;
    else metadata.namespace = namespace;
    const body = await this.encode(kind, { ...obj, apiVersion: k.apiVersion, kind: k.kind, metadata });
    let out: StoredObject;
    try {
      out = normalize(await this.rest.request<StoredObject>('PUT', resourcePath(kind, namespace, obj.metadata.name), { body }), kind);
    } catch (e) {
      // A save racing with a delete may have offloaded its nodes just before the API server refused it.
      if (kind === 'Workflow' && e instanceof WeirError && e.code === 'NOT_FOUND' && offloaded(body))
        await this.dropOffloadedNodes(namespace ?? '', obj.metadata.name).catch(() => undefined);
      throw e;
    }
    this.seen(out);
    return (await this.decode(kind, out)) as ObjectOf<K>;
  }

  async delete(kind: KindName, namespace: string | undefined, name: string, opts: { resourceVersion?: string } = {}): Promise<boolean> {
    assertKind(kind);
    this.checkOpen();
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Background',
      ...(opts.resourceVersion ? { preconditions: { resourceVersion: opts.resourceVersion } } : {}),
    };
    try {
      const ns = namespaceFor(kind, namespace);
      const out = await this.rest.request<StoredObject>('DELETE', resourcePath(kind, ns, name), { body });
      this.seen(out);
      if (kind === 'Workflow') await this.dropOffloadedNodes(ns ?? '', name);
      return true;
    } catch (e) {
      if (e instanceof WeirError && e.code === 'NOT_FOUND') return false;
      throw e;
    }
  }

  watch<K extends KindName>(kind: K, opts: WatchOptions): AsyncIterable<WatchEvent<ObjectOf<K>>> {
    assertKind(kind);
    this.checkOpen();
    if (opts.sinceResourceVersion !== undefined) parseResourceVersion(opts.sinceResourceVersion);
    if (opts.labelSelector) parseLabelSelector(opts.labelSelector);
    const signal = AbortSignal.any([opts.signal, this.closing.signal]);
    const namespace = KIND_IDENTITY[kind].namespaced ? opts.namespace || undefined : undefined;
    const start = opts.sinceResourceVersion ?? (this.latestRv > 0 ? String(this.latestRv) : undefined);
    return this.watchFrom(start, {
      kind,
      namespace,
      labelSelector: opts.labelSelector,
      since: '',
      signal,
      skipNamespaces: KIND_IDENTITY[kind].namespaced ? this.skipNamespaces : [],
    });
  }

  private async *watchFrom<K extends KindName>(
    start: string | undefined,
    o: KubeWatchOptions & { kind: K },
  ): AsyncGenerator<WatchEvent<ObjectOf<K>>> {
    const since = start ?? (await this.currentVersion(o.signal));
    for await (const ev of kubeWatch(this.rest, { ...o, since })) {
      // Deleted by anyone (kubectl delete too): its offloaded nodes go. Failures are left to the startup collection.
      if (ev.type === 'DELETED' && o.kind === 'Workflow' && offloaded(ev.object) && this.onceFor(ev.object.metadata.uid))
        void this.dropOffloadedNodes(ev.object.metadata.namespace ?? '', ev.object.metadata.name).catch(() => undefined);
      const object = o.kind === 'Workflow' ? await this.decode(o.kind, ev.object, ev.type === 'DELETED') : ev.object;
      yield { type: ev.type, object: object as ObjectOf<K> };
    }
  }

  /** Uids whose offloaded nodes were dropped after their DELETED event (every watch sees it; the first one acts). */
  private readonly dropped = new Set<string>();

  private onceFor(uid: string): boolean {
    if (this.dropped.has(uid)) return false;
    this.dropped.add(uid);
    for (const old of this.dropped) {
      if (this.dropped.size <= 1000) break;
      this.dropped.delete(old);
    }
    return true;
  }

  /**
   * Drops the offloaded node status of a deleted Workflow: the rows saved up to now by the database's clock, when no
   * Workflow of that name exists. One re-created under the name existed before it saved a row, so this check sees
   * it; rows saved after the clock was read are kept either way.
   */
  async dropOffloadedNodes(namespace: string, name: string): Promise<boolean> {
    const offload = this.nodes.offload;
    if (!offload) return false;
    const upTo = await offload.now();
    try {
      await this.rest.request('GET', resourcePath('Workflow', namespace, name), { signal: this.closing.signal });
      return false;
    } catch (e) {
      if (!(e instanceof WeirError && e.code === 'NOT_FOUND')) throw e;
    }
    await offload.remove(namespace, name, upTo);
    return true;
  }

  /** Drops the offloaded nodes of every Workflow that no longer exists (a collection at startup); returns how many. */
  async collectOffloadedNodes(): Promise<number> {
    let n = 0;
    for (const w of (await this.nodes.offload?.workflows()) ?? []) if (await this.dropOffloadedNodes(w.namespace, w.name)) n++;
    return n;
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.nodes.offload?.close();
  }
}

const offloaded = (o: object): boolean =>
  typeof ((o as { status?: unknown }).status as { offloadNodeStatusVersion?: unknown } | undefined)?.offloadNodeStatusVersion === 'string';
