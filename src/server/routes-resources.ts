// CRUD routes for the non-workflow kinds, with argo-server's and argo-events' paths and body keys, from one table:
// workflow-templates, cluster-workflow-templates, cron-workflows (+ suspend/resume), event-sources, sensors; and
// Weir's own configmaps and secrets (argo-server has none; same shape: /api/v1/{configmaps|secrets}/{ns}[/{name}],
// bodies {"configMap": ...} / {"secret": ...}). Adding a kind is one row. Each object is validated with the same schema + lint as `weir lint`.
import type { KindName } from '../api/kinds.js';
import type { StoredObject } from '../store/types.js';
import type { Router, RouteContext } from './router.js';
import {
  bodyObject,
  deleteResource,
  getResource,
  listResource,
  nameOf,
  namespaceOf,
  normalise,
  replaceResource,
  validate,
} from './routes-common.js';

interface ResourceRoute {
  kind: KindName;
  /** Path without the namespace segment. */
  path: string;
  /** Key of the object in create/update/lint bodies. */
  bodyKey: string;
  clusterScoped?: boolean;
  /** POST {path}/{ns}/lint */
  lint?: boolean;
  /** PUT {path}/{ns}/{name}/suspend|resume toggling spec.suspend */
  suspendable?: boolean;
  /** Runtime status merged into `status.weir` on reads (event sources, sensors). */
  live?: 'eventSource' | 'sensor';
}

export const RESOURCE_ROUTES: readonly ResourceRoute[] = [
  { kind: 'WorkflowTemplate', path: '/api/v1/workflow-templates', bodyKey: 'template', lint: true },
  { kind: 'ClusterWorkflowTemplate', path: '/api/v1/cluster-workflow-templates', bodyKey: 'template', clusterScoped: true, lint: true },
  { kind: 'CronWorkflow', path: '/api/v1/cron-workflows', bodyKey: 'cronWorkflow', lint: true, suspendable: true },
  { kind: 'EventSource', path: '/api/v1/event-sources', bodyKey: 'eventSource', live: 'eventSource' },
  { kind: 'Sensor', path: '/api/v1/sensors', bodyKey: 'sensor', live: 'sensor' },
  { kind: 'ConfigMap', path: '/api/v1/configmaps', bodyKey: 'configMap' },
  { kind: 'Secret', path: '/api/v1/secrets', bodyKey: 'secret' },
];

function addResource(r: Router, d: ResourceRoute): void {
  const base = d.clusterScoped ? d.path : `${d.path}/:namespace`;
  const ns = (ctx: RouteContext): string | undefined => (d.clusterScoped ? undefined : namespaceOf(ctx));

  const create = async (ctx: RouteContext, dryRun: boolean): Promise<StoredObject | Record<string, unknown>> => {
    const body = await ctx.body();
    const namespace = ns(ctx);
    const obj = normalise(d.kind, bodyObject(body, d.bodyKey), namespace);
    delete obj.status;
    await validate(ctx.opts.store, obj, namespace);
    if (dryRun) return obj;
    return ctx.opts.store.create(d.kind, obj);
  };

  const withLive = (ctx: RouteContext, o: StoredObject): StoredObject => {
    const name = (o.metadata as { name?: unknown } | undefined)?.name;
    if (d.live === undefined || typeof name !== 'string') return o; // e.g. trimmed away by `fields`
    const live = ctx.opts.live?.[d.live](o.metadata.namespace ?? 'default', name);
    if (live === undefined) return o;
    return { ...o, status: { ...(o.status ?? {}), weir: live } };
  };
  const list = async (ctx: RouteContext, namespace: string | undefined): Promise<unknown> => {
    const body = (await listResource(ctx, d.kind, namespace)) as { items?: unknown };
    if (d.live !== undefined && Array.isArray(body.items)) body.items = body.items.map((o) => withLive(ctx, o as StoredObject));
    return body;
  };
  r.get(base, (ctx) => list(ctx, ns(ctx)));
  if (!d.clusterScoped) r.get(`${d.path}/`, (ctx) => list(ctx, undefined));
  r.post(base, (ctx) => create(ctx, false));
  if (d.lint) r.post(`${base}/lint`, (ctx) => create(ctx, true));
  r.get(`${base}/:name`, async (ctx) => withLive(ctx, await getResource(ctx, d.kind, ns(ctx), nameOf(ctx))));
  r.put(`${base}/:name`, async (ctx) => {
    const body = await ctx.body();
    return replaceResource(ctx, d.kind, ns(ctx), nameOf(ctx), bodyObject(body, d.bodyKey));
  });
  r.delete(`${base}/:name`, (ctx) => deleteResource(ctx, d.kind, ns(ctx), nameOf(ctx)));
  if (d.suspendable) {
    for (const [verb, value] of [
      ['suspend', true],
      ['resume', false],
    ] as const) {
      r.put(`${base}/:name/${verb}`, async (ctx) => {
        const cur: StoredObject = await getResource(ctx, d.kind, ns(ctx), nameOf(ctx));
        const spec = (cur.spec ?? {}) as Record<string, unknown>;
        if (spec.suspend === value || (!value && spec.suspend === undefined)) return cur;
        return ctx.opts.store.update(d.kind, { ...cur, spec: { ...spec, suspend: value } });
      });
    }
  }
}

export function resourceRoutes(r: Router): void {
  for (const d of RESOURCE_ROUTES) addResource(r, d);
}
