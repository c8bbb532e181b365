// Big workflows on Kubernetes, as Argo keeps them: etcd refuses objects over ~1.5 MB, so a Workflow whose encoded
// size passes `maxObjectBytes` has its `status.nodes` stored gzip+base64 in `status.compressedNodes`; when even that
// is too big, the nodes go to a NodeOffload (PostgreSQL: node-offload-pg.ts) and the object keeps only
// `status.offloadNodeStatusVersion`. KubernetesStore encodes on create/update and decodes every object it returns,
// so readers always see plain `status.nodes`.
import { gunzipSync, gzipSync } from 'node:zlib';
import { WeirError } from '../core/errors.js';
import type { StoredObject } from './types.js';

/** Where node status goes when compression is not enough; keyed by workflow namespace/name and a content version. */
export interface NodeOffload {
  /** Stores `nodesJson`; returns its version (the same JSON gives the same version). */
  save(namespace: string, name: string, nodesJson: string): Promise<string>;
  /** NOT_FOUND when that version is gone. */
  load(namespace: string, name: string, version: string): Promise<string>;
  /** Drops every version of a deleted workflow (with `savedUpTo`: those saved at or before it, by now()'s clock). */
  remove(namespace: string, name: string, savedUpTo?: Date): Promise<void>;
  /** The offload database's clock. */
  now(): Promise<Date>;
  /** Every workflow with rows. */
  workflows(): Promise<{ namespace: string; name: string }[]>;
  close(): Promise<void>;
}

export interface NodeStatusOptions {
  /**
   * Encoded object size above which nodes are compressed (then offloaded). Default 500,000 bytes: the API server
   * stores managedFields next to the object (one entry per field a writer set, about as big again for a node map),
   * and etcd refuses anything over 1.5 MiB.
   */
  maxObjectBytes?: number;
  offload?: NodeOffload;
}

type Status = Record<string, unknown> & { nodes?: unknown; compressedNodes?: unknown; offloadNodeStatusVersion?: unknown };

const statusOf = (o: StoredObject | { status?: unknown }): Status | undefined =>
  o.status !== null && typeof o.status === 'object' ? (o.status as Status) : undefined;

/** The Workflow as it should be written: unchanged when small enough, else with compressed or offloaded nodes. */
export async function encodeNodes<T extends { status?: unknown; metadata: { name?: string; namespace?: string } }>(
  obj: T,
  o: NodeStatusOptions,
): Promise<T> {
  const status = statusOf(obj);
  if (!status || status.nodes === undefined) return obj;
  const max = o.maxObjectBytes ?? 500_000;
  const text = JSON.stringify(obj);
  if (Buffer.byteLength(text) <= max) {
    if (status.compressedNodes === undefined && status.offloadNodeStatusVersion === undefined) return obj;
    const { compressedNodes: _c, offloadNodeStatusVersion: _v, ...plain } = status;
    return { ...obj, status: plain };
  }
  const { nodes, compressedNodes: _c, offloadNodeStatusVersion: _v, ...rest } = status;
  const nodesJson = JSON.stringify(nodes);
  const compressed = { ...obj, status: { ...rest, compressedNodes: gzipSync(nodesJson).toString('base64') } };
  if (Buffer.byteLength(JSON.stringify(compressed)) <= max) return compressed;
  if (!o.offload) {
    throw new WeirError(
      'PAYLOAD_TOO_LARGE',
      `workflow ${obj.metadata.namespace ?? ''}/${obj.metadata.name ?? ''}: node status exceeds ${max} bytes even compressed, and no node status offload database is configured (--offload-db)`,
    );
  }
  const version = await o.offload.save(obj.metadata.namespace ?? '', obj.metadata.name ?? '', nodesJson);
  return { ...obj, status: { ...rest, offloadNodeStatusVersion: version } };
}

/** The Workflow as readers see it: `status.nodes` restored from compressedNodes or the offload store. */
export async function decodeNodes(obj: StoredObject, o: NodeStatusOptions): Promise<StoredObject> {
  const status = statusOf(obj);
  if (!status) return obj;
  if (typeof status.compressedNodes === 'string') {
    const { compressedNodes, ...rest } = status;
    obj.status = { ...rest, nodes: JSON.parse(gunzipSync(Buffer.from(compressedNodes, 'base64')).toString('utf8')) as unknown };
  } else if (typeof status.offloadNodeStatusVersion === 'string') {
    if (!o.offload) {
      throw new WeirError(
        'INTERNAL',
        `workflow ${obj.metadata.namespace ?? ''}/${obj.metadata.name}: its node status is offloaded (${status.offloadNodeStatusVersion}) but no offload database is configured (--offload-db)`,
      );
    }
    const { offloadNodeStatusVersion, ...rest } = status;
    const json = await o.offload.load(obj.metadata.namespace ?? '', obj.metadata.name, offloadNodeStatusVersion);
    obj.status = { ...rest, nodes: JSON.parse(json) as unknown };
  }
  return obj;
}
