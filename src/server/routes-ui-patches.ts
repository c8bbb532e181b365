// The workflow page's live stream: GET /api/v1/ui/workflow-patches/{ns}/{name}?resourceVersion=RV, NDJSON like the
// watch, but node-level: after the client's version (RV, from its GET) each change of the workflow is sent as
//   {"result": {"type": "PATCH", "metadata": ..., "spec"?: ..., "status": <status without nodes>,
//               "nodes": {<id>: <node>, ...changed or added}, "removed": [<id>, ...]}}
// so a phase change of one node of a 10,000-node workflow costs a few hundred bytes instead of the whole object
// (the watch resends multi-megabyte objects). `spec` is sent only when it changed. When the store is already past RV
// at the start (or RV is missing) the first line is {"type": "SNAPSHOT", "object": ...}; {"type": "DELETED"} ends it.
import { WeirError, errorMessage } from '../core/errors.js';
import type { StoredObject } from '../store/types.js';
import { startStream, writeResult } from './ndjson.js';
import { STREAMED } from './router.js';
import type { Router, RouteContext } from './router.js';
import { nameOf, namespaceOf } from './routes-common.js';

type Nodes = Record<string, unknown>;

/** What the stream remembers of the last version it sent, to diff the next one against (objects are not changed). */
interface Sent {
  nodes: Map<string, unknown>;
  spec: unknown;
}

function nodesOf(o: StoredObject): Nodes {
  const n = (o.status as { nodes?: unknown } | undefined)?.nodes;
  return n !== null && typeof n === 'object' && !Array.isArray(n) ? (n as Nodes) : {};
}

function remember(o: StoredObject): Sent {
  return { nodes: new Map(Object.entries(nodesOf(o))), spec: o.spec };
}

/** Deep equality of JSON values (no stringify: a 10,000-node status is compared in a few milliseconds). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** The patch from `sent` to `o`; updates `sent` to `o`. */
export function nodePatch(sent: Sent, o: StoredObject): Record<string, unknown> {
  const changed: Nodes = {};
  const now = nodesOf(o);
  for (const [id, n] of Object.entries(now)) {
    if (!sameJson(sent.nodes.get(id), n)) changed[id] = n;
    sent.nodes.set(id, n);
  }
  const removed: string[] = [];
  if (sent.nodes.size > Object.keys(now).length) {
    for (const id of sent.nodes.keys())
      if (!Object.hasOwn(now, id)) {
        removed.push(id);
        sent.nodes.delete(id);
      }
  }
  const { nodes: _nodes, ...status } = (o.status ?? {}) as Record<string, unknown>;
  const specChanged = !sameJson(sent.spec, o.spec);
  sent.spec = o.spec;
  return { type: 'PATCH', metadata: o.metadata, ...(specChanged ? { spec: o.spec } : {}), status, nodes: changed, removed };
}

async function workflowPatches(ctx: RouteContext): Promise<typeof STREAMED> {
  const ns = namespaceOf(ctx);
  const name = nameOf(ctx);
  const clientRv = ctx.query.get('resourceVersion') ?? '';
  const cur = await ctx.opts.store.get('Workflow', ns, name);
  if (!cur) throw new WeirError('NOT_FOUND', `workflow ${ns}/${name} not found`);
  startStream(ctx.res);
  try {
    if (cur.metadata.resourceVersion !== clientRv) await writeResult(ctx.res, { type: 'SNAPSHOT', object: cur }, ctx.signal);
    const sent = remember(cur);
    const events = ctx.opts.store.watch('Workflow', {
      namespace: ns,
      sinceResourceVersion: cur.metadata.resourceVersion,
      signal: ctx.signal,
      shared: true,
    });
    for await (const ev of events) {
      if (ev.object.metadata.name !== name) continue;
      if (ev.type === 'DELETED') {
        await writeResult(ctx.res, { type: 'DELETED' }, ctx.signal);
        break;
      }
      await writeResult(ctx.res, nodePatch(sent, ev.object), ctx.signal);
    }
  } catch (e) {
    if (!ctx.signal.aborted)
      ctx.opts.logger.warn({ err: errorMessage(e), workflow: `${ns}/${name}` }, 'workflow patch stream ended with an error');
  } finally {
    if (!ctx.res.writableEnded) ctx.res.end();
  }
  return STREAMED;
}

export function uiPatchRoutes(r: Router): void {
  r.get('/api/v1/ui/workflow-patches/:namespace/:name', workflowPatches);
}
