// Small read routes the web UI needs beyond argo-server's API, under /api/v1/ui/ (same auth as the rest):
//   GET /api/v1/ui/workflows[/{ns}]  workflow summaries, newest first, filtered by phase, label selector, name
//       substring and creation time, paged with the store's keyset cursor (fast with 100,000 stored workflows)
//   GET /api/v1/ui/workflow/{ns}/{name}  one workflow for its page: {"workflow": <the object without status.nodes>,
//       "nodeTable": <status.nodes as columns, ui-node-table.ts>} (about a third of the bytes of a big workflow, and
//       faster to parse); a node map that cannot be encoded stays in the object and nodeTable is absent
//   GET /api/v1/ui/cron-workflows/{ns}/{name}/next?count=N  the next scheduled times (cron zone and UTC)
// plus the sensor routes of routes-ui-sensors.ts. Registered with one line in api-server.ts.
import { WeirError, errorMessage } from '../core/errors.js';
import { compileSchedules, nextTick, scheduleExpressions } from '../cron/ticks.js';
import type { CronSpecView } from '../cron/types.js';
import { intParam } from './http.js';
import type { Router, RouteContext } from './router.js';
import { getResource, nameOf, namespaceOf } from './routes-common.js';
import { uiPatchRoutes } from './routes-ui-patches.js';
import { uiSensorRoutes } from './routes-ui-sensors.js';
import { encodeNodes } from './ui-node-table.js';
import { summarise } from './ui-summary.js';
import type { WorkflowSummary } from './ui-summary.js';

function timeParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new WeirError('INVALID_ARGUMENT', `query parameter ${name} must be an RFC 3339 time, got ${JSON.stringify(v)}`);
  return t;
}

/** Objects read per request at most when a name/time filter thins the pages out (then `continue` goes on). */
const MAX_SCAN = 20_000;

async function listSummaries(ctx: RouteContext): Promise<unknown> {
  const q = ctx.query;
  const namespace = ctx.params.namespace === undefined ? undefined : namespaceOf(ctx);
  const limit = Math.min(Math.max(intParam(q, 'limit') ?? 50, 1), 500);
  const phase = q.get('phase') || undefined;
  const labelSelector = q.get('labelSelector') || undefined;
  const search = (q.get('search') ?? '').trim().toLowerCase();
  const since = timeParam(q, 'since');
  const until = timeParam(q, 'until');
  const thinned = search !== '' || since !== undefined || until !== undefined;
  const items: WorkflowSummary[] = [];
  let cont = q.get('continue') || undefined;
  let scanned = 0;
  let resourceVersion = '';
  do {
    const page = await ctx.opts.store.list('Workflow', {
      order: 'newest',
      limit: thinned ? 500 : limit,
      ...(namespace ? { namespace } : {}),
      ...(labelSelector ? { labelSelector } : {}),
      ...(phase ? { fieldSelector: { 'status.phase': phase } } : {}),
      ...(cont ? { continue: cont } : {}),
    });
    if (resourceVersion === '') resourceVersion = page.resourceVersion;
    cont = page.continue;
    scanned += page.items.length;
    for (const o of page.items) {
      const created = Date.parse(o.metadata.creationTimestamp);
      if (since !== undefined && created < since) {
        cont = undefined; // newest first: everything after this is older still
        break;
      }
      if (until !== undefined && created > until) continue;
      if (search !== '' && !o.metadata.name.toLowerCase().includes(search)) continue;
      items.push(summarise(o));
    }
  } while (cont !== undefined && items.length < limit && scanned < MAX_SCAN && !ctx.signal.aborted);
  return { items, resourceVersion, scanned, ...(cont ? { continue: cont } : {}) };
}

async function workflowView(ctx: RouteContext): Promise<unknown> {
  const wf = await getResource(ctx, 'Workflow', namespaceOf(ctx), nameOf(ctx));
  const nodes = (wf.status as { nodes?: unknown } | undefined)?.nodes;
  const table =
    nodes !== null && typeof nodes === 'object' && !Array.isArray(nodes) ? encodeNodes(nodes as Record<string, unknown>) : undefined;
  if (table === undefined) return { workflow: wf };
  const { nodes: _nodes, ...status } = wf.status as Record<string, unknown>;
  return { workflow: { ...wf, status }, nodeTable: table };
}

async function nextRuns(ctx: RouteContext): Promise<unknown> {
  const cron = await getResource(ctx, 'CronWorkflow', namespaceOf(ctx), nameOf(ctx));
  const spec = (cron.spec ?? {}) as CronSpecView;
  const count = Math.min(intParam(ctx.query, 'count') ?? 5, 50);
  let schedules;
  try {
    schedules = compileSchedules(scheduleExpressions(spec), spec.timezone);
  } catch (e) {
    throw new WeirError('INVALID_SPEC', `cannot compute the schedule: ${errorMessage(e)}`);
  }
  const times: string[] = [];
  let t = new Date(ctx.opts.clock.now());
  for (let i = 0; i < count; i++) {
    const n = nextTick(schedules, t);
    if (!n) break;
    times.push(n.toISOString());
    t = n;
  }
  return { timezone: spec.timezone ?? 'UTC', schedules: scheduleExpressions(spec), times };
}

export function uiApiRoutes(r: Router): void {
  r.get('/api/v1/ui/workflows', listSummaries);
  r.get('/api/v1/ui/workflows/:namespace', listSummaries);
  r.get('/api/v1/ui/workflow/:namespace/:name', workflowView);
  r.get('/api/v1/ui/cron-workflows/:namespace/:name/next', nextRuns);
  uiSensorRoutes(r);
  uiPatchRoutes(r);
}
