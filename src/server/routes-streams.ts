// Streaming routes, newline-delimited JSON as grpc-gateway streams them (`{"result": ...}` per line):
// workflow watch (GET /api/v1/workflow-events/{ns}), event-source and sensor watches (/api/v1/stream/...), and
// step logs (GET /api/v1/workflows/{ns}/{name}/log and .../{podName}/log) with Argo's logOptions. Streams end when
// the client leaves, the server drains, or (logs with follow) the workflow is finished and every log is read.
import type { KindName } from '../api/kinds.js';
import { WeirError, errorMessage } from '../core/errors.js';
import type { StoredObject } from '../store/types.js';
import { applyFields, listOptionsFrom } from './http.js';
import { STREAMED } from './router.js';
import type { Router, RouteContext } from './router.js';
import { namespaceOf } from './routes-common.js';
import { streamLogs } from './logs.js';
import { startStream, writeLine } from './ndjson.js';

function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur === undefined || cur === null ? '' : typeof cur === 'string' ? cur : JSON.stringify(cur);
}

async function watchKind(ctx: RouteContext, kind: KindName): Promise<typeof STREAMED> {
  const namespace = ctx.params.namespace === undefined ? undefined : namespaceOf(ctx);
  const lo = listOptionsFrom(ctx.query);
  const fields = ctx.query.get('fields');
  const matches = (o: StoredObject): boolean => Object.entries(lo.fieldSelector ?? {}).every(([k, v]) => fieldValue(o, k) === v);
  const send = (type: string, object: StoredObject): Promise<void> =>
    writeLine(ctx.res, applyFields({ result: { type, object } }, fields), ctx.signal);
  let since = lo.resourceVersion;
  startStream(ctx.res);
  try {
    if (since === undefined) {
      // Without a resourceVersion a Kubernetes watch first reports every existing object as ADDED.
      let cont: string | undefined;
      do {
        const page = await ctx.opts.store.list(kind, {
          ...(namespace ? { namespace } : {}),
          ...(lo.labelSelector ? { labelSelector: lo.labelSelector } : {}),
          ...(lo.fieldSelector ? { fieldSelector: lo.fieldSelector } : {}),
          limit: 500,
          ...(cont ? { continue: cont } : {}),
        });
        since ??= page.resourceVersion;
        for (const o of page.items) await send('ADDED', o);
        cont = page.continue;
      } while (cont && !ctx.signal.aborted);
    }
    const events = ctx.opts.store.watch(kind, {
      signal: ctx.signal,
      ...(namespace ? { namespace } : {}),
      ...(lo.labelSelector ? { labelSelector: lo.labelSelector } : {}),
      ...(since !== undefined ? { sinceResourceVersion: since } : {}),
    });
    for await (const ev of events) {
      if (matches(ev.object)) await send(ev.type, ev.object);
    }
  } catch (e) {
    if (!ctx.signal.aborted) ctx.opts.logger.warn({ err: errorMessage(e), kind }, 'watch stream ended with an error');
  } finally {
    if (!ctx.res.writableEnded) ctx.res.end();
  }
  return STREAMED;
}

export function streamRoutes(r: Router): void {
  const wfWatch = (ctx: RouteContext): Promise<typeof STREAMED> => watchKind(ctx, 'Workflow');
  r.get('/api/v1/workflow-events/:namespace', wfWatch);
  r.get('/api/v1/workflow-events/', wfWatch);
  r.get('/api/v1/stream/event-sources/:namespace', (ctx) => watchKind(ctx, 'EventSource'));
  r.get('/api/v1/stream/sensors/:namespace', (ctx) => watchKind(ctx, 'Sensor'));
  const logs = async (ctx: RouteContext): Promise<typeof STREAMED> => {
    if (!ctx.opts.steps) throw new WeirError('NOT_FOUND', 'step logs are not available on this server (no step executor)');
    await streamLogs(ctx, ctx.opts.steps);
    return STREAMED;
  };
  r.get('/api/v1/workflows/:namespace/:name/log', logs);
  r.get('/api/v1/workflows/:namespace/:name/:podName/log', logs);
}
