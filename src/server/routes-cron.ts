// Backfill routes of CronWorkflows. POST starts a durable backfill job (stored in the CronWorkflow's status and run
// by the cron controller, so it survives the client going away) or, with dryRun, returns the plan; GET reads a job's
// progress while it runs; DELETE cancels it (running workflows go on). Dates without a time are midnight in the
// CronWorkflow's zone; a bare date as `to` includes that whole day.
import { WeirError } from '../core/errors.js';
import { cancelBackfill, getBackfill, planBackfill, startBackfill } from '../cron/backfill.js';
import type { BackfillRequest } from '../cron/backfill.js';
import { parseTimeInZone } from '../cron/ticks.js';
import type { CronSpecView, CronStatus, ReprocessMode } from '../cron/types.js';
import type { Router, RouteContext } from './router.js';
import { getResource, nameOf, namespaceOf } from './routes-common.js';

const BASE = '/api/v1/cron-workflows/:namespace/:name/backfill';

function timeField(body: Record<string, unknown>, key: 'from' | 'to', zone: string | undefined): Date {
  const v = body[key];
  if (typeof v !== 'string' || v.trim() === '')
    throw new WeirError('INVALID_ARGUMENT', `backfill needs "${key}" (a date like 2026-01-01 or an RFC 3339 time)`);
  const t = parseTimeInZone(v, zone, key === 'to');
  if (t === undefined)
    throw new WeirError('INVALID_ARGUMENT', `invalid "${key}" ${JSON.stringify(v)}: use a date like 2026-01-01 or an RFC 3339 time`);
  return t;
}

async function request(ctx: RouteContext): Promise<{ req: BackfillRequest; dryRun: boolean }> {
  const body = await ctx.body();
  const cron = await getResource(ctx, 'CronWorkflow', namespaceOf(ctx), nameOf(ctx));
  const zone = ((cron.spec ?? {}) as CronSpecView).timezone;
  const req: BackfillRequest = { from: timeField(body, 'from', zone), to: timeField(body, 'to', zone) };
  if (body.maxActive !== undefined) {
    if (typeof body.maxActive !== 'number') throw new WeirError('INVALID_ARGUMENT', 'maxActive must be a number');
    req.maxActive = body.maxActive;
  }
  if (body.reverse !== undefined) req.reverse = body.reverse === true;
  if (body.reprocess !== undefined) req.reprocess = body.reprocess as ReprocessMode;
  return { req, dryRun: body.dryRun === true };
}

export function cronRoutes(r: Router): void {
  r.post(BASE, async (ctx) => {
    const { req, dryRun } = await request(ctx);
    const ns = namespaceOf(ctx);
    const name = nameOf(ctx);
    if (dryRun) {
      const items = await planBackfill(ctx.opts.store, await getResource(ctx, 'CronWorkflow', ns, name), req);
      return { dryRun: true, from: req.from.toISOString(), to: req.to.toISOString(), items };
    }
    return startBackfill(ctx.opts.store, ns, name, req, ctx.opts.clock.now());
  });
  r.get(BASE, async (ctx) => {
    const cron = await getResource(ctx, 'CronWorkflow', namespaceOf(ctx), nameOf(ctx));
    return { items: ((cron.status ?? {}) as CronStatus).backfills ?? [] };
  });
  r.get(`${BASE}/:id`, (ctx) => getBackfill(ctx.opts.store, namespaceOf(ctx), nameOf(ctx), ctx.params.id ?? ''));
  r.delete(`${BASE}/:id`, (ctx) =>
    cancelBackfill(ctx.opts.store, namespaceOf(ctx), nameOf(ctx), ctx.params.id ?? '', ctx.opts.clock.now()),
  );
}
