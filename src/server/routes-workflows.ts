// Workflow routes with argo-server's paths and bodies: create (validated like `weir lint`, generateName applied by
// the store, the controller enqueued), list/get with listOptions and `fields`, delete (running steps are killed),
// lint, submit from a (Cluster)WorkflowTemplate or CronWorkflow, and the manual operations (suspend, resume, stop,
// terminate, set, retry, resubmit) applied as pure functions and saved with optimistic-concurrency retries.
import type { Clock } from '../core/clock.js';
import { WeirError, errorMessage } from '../core/errors.js';
import { resumeWorkflow, setWorkflow, stopWorkflow, suspendWorkflow, terminateWorkflow } from '../controller/manual-ops.js';
import type { OpResult } from '../controller/manual-ops.js';
import { resubmitWorkflow, retryWorkflow } from '../controller/manual-retry.js';
import type { NodePhase } from '../api/workflow-status.js';
import type { NewObject, StoredObject } from '../store/types.js';
import { toNewObjectOf } from '../api/objects.js';
import type { StoredWorkflow } from '../api/objects.js';
import { updateWithRetry } from '../store/update-retry.js';
import { applyFields } from './http.js';
import type { Router, RouteContext } from './router.js';
import {
  bodyObject,
  deleteResource,
  getResource,
  listResource,
  nameOf,
  namespaceOf,
  normalise,
  notFoundError,
  validate,
} from './routes-common.js';
import { submitFrom } from './submit.js';

const WF = '/api/v1/workflows/:namespace';

const str = (v: unknown, field: string): string | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new WeirError('INVALID_ARGUMENT', `${field} must be a string`);
  return v;
};

const strList = (v: unknown, field: string): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new WeirError('INVALID_ARGUMENT', `${field} must be a list of NAME=VALUE strings`);
  return v as string[];
};

function kick(ctx: RouteContext, wf: { metadata: { namespace?: string; name: string } }): void {
  ctx.opts.controller?.enqueue(`${wf.metadata.namespace ?? ctx.opts.namespace}/${wf.metadata.name}`);
}

/** Validates and stores a new Workflow (or only validates, for dry runs); enqueues it. */
export async function createWorkflow(
  ctx: RouteContext,
  obj: NewObject,
  namespace: string,
  dryRun: boolean,
): Promise<StoredObject | NewObject> {
  delete obj.status;
  await validate(ctx.opts.store, obj, namespace);
  if (dryRun) return obj;
  const created = await ctx.opts.store.create('Workflow', toNewObjectOf('Workflow', obj));
  kick(ctx, created);
  return created;
}

/** get → op → update, again on CONFLICT (the controller saves status concurrently). */
async function mutate(
  ctx: RouteContext,
  op: (wf: StoredWorkflow) => OpResult<StoredWorkflow> | Promise<OpResult<StoredWorkflow>>,
): Promise<StoredWorkflow> {
  const ns = namespaceOf(ctx);
  const name = nameOf(ctx);
  const r = await updateWithRetry(
    ctx.opts.store,
    'Workflow',
    ns,
    name,
    async (cur) => {
      const res = await op(cur);
      return res.changed ? res.workflow : undefined;
    },
    { attempts: 10, notFound: () => notFoundError('Workflow', ns, name) },
  );
  if (r.updated) kick(ctx, r.object);
  return r.object;
}

function outputParameters(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  let o: unknown = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch {
      throw new WeirError('INVALID_ARGUMENT', 'outputParameters must be a JSON object of parameter names to values');
    }
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw new WeirError('INVALID_ARGUMENT', 'outputParameters must be a JSON object');
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]));
}

const PHASES = new Set(['Pending', 'Running', 'Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted']);

/** Kills running Pod nodes of a workflow (best effort; used before delete). */
async function killRunning(ctx: RouteContext, wf: StoredWorkflow): Promise<void> {
  const steps = ctx.opts.steps;
  if (!steps) return;
  const nodes = Object.values(wf.status?.nodes ?? {}).filter((n) => n.type === 'Pod' && (n.phase === 'Running' || n.phase === 'Pending'));
  await Promise.all(
    nodes.map(async (n) => {
      const h = await steps.handleOf(wf, n.id);
      if (h)
        await steps.executor
          .kill(h, 2000)
          .catch((e: unknown) => ctx.opts.logger.warn({ workflow: wf.metadata.name, node: n.id, err: errorMessage(e) }, 'kill failed'));
    }),
  );
}

export function workflowRoutes(r: Router): void {
  const list = (ctx: RouteContext): Promise<unknown> =>
    listResource(ctx, 'Workflow', ctx.params.namespace === undefined ? undefined : namespaceOf(ctx));
  r.get(WF, list);
  r.get('/api/v1/workflows/', list);
  r.post(WF, async (ctx) => {
    const ns = namespaceOf(ctx);
    const body = await ctx.body();
    const dry = body.serverDryRun === true || (body.createOptions as { dryRun?: unknown } | undefined)?.dryRun !== undefined;
    return createWorkflow(ctx, normalise('Workflow', bodyObject(body, 'workflow'), ns), ns, dry);
  });
  r.post(`${WF}/lint`, async (ctx) => {
    const ns = namespaceOf(ctx);
    const obj = normalise('Workflow', bodyObject(await ctx.body(), 'workflow'), ns);
    await validate(ctx.opts.store, obj, ns);
    return obj;
  });
  r.post(`${WF}/submit`, async (ctx) => {
    const ns = namespaceOf(ctx);
    const body = await ctx.body();
    const { workflow, dryRun } = await submitFrom(ctx, ns, body);
    return createWorkflow(ctx, workflow, ns, dryRun);
  });
  r.get(`${WF}/:name`, async (ctx) =>
    applyFields(await getResource(ctx, 'Workflow', namespaceOf(ctx), nameOf(ctx)), ctx.query.get('fields')),
  );
  r.delete(`${WF}/:name`, async (ctx) => {
    const wf = await getResource(ctx, 'Workflow', namespaceOf(ctx), nameOf(ctx));
    await killRunning(ctx, wf);
    return deleteResource(ctx, 'Workflow', namespaceOf(ctx), nameOf(ctx));
  });

  const clock = (ctx: RouteContext): { clock: Clock } => ({ clock: ctx.opts.clock });
  r.put(`${WF}/:name/suspend`, (ctx) => mutate(ctx, suspendWorkflow));
  r.put(`${WF}/:name/terminate`, (ctx) => mutate(ctx, terminateWorkflow));
  r.put(`${WF}/:name/resume`, async (ctx) => {
    const b = await ctx.body();
    return mutate(ctx, (wf) => resumeWorkflow(wf, { nodeFieldSelector: str(b.nodeFieldSelector, 'nodeFieldSelector'), ...clock(ctx) }));
  });
  r.put(`${WF}/:name/stop`, async (ctx) => {
    const b = await ctx.body();
    return mutate(ctx, (wf) =>
      stopWorkflow(wf, {
        nodeFieldSelector: str(b.nodeFieldSelector, 'nodeFieldSelector'),
        message: str(b.message, 'message'),
        ...clock(ctx),
      }),
    );
  });
  r.put(`${WF}/:name/set`, async (ctx) => {
    const b = await ctx.body();
    const phase = str(b.phase, 'phase');
    if (phase !== undefined && !PHASES.has(phase))
      throw new WeirError('INVALID_ARGUMENT', `phase must be one of ${[...PHASES].join(', ')}`);
    return mutate(ctx, (wf) =>
      setWorkflow(wf, {
        nodeFieldSelector: str(b.nodeFieldSelector, 'nodeFieldSelector') ?? '',
        phase: phase as NodePhase | undefined,
        message: str(b.message, 'message'),
        outputParameters: outputParameters(b.outputParameters),
        ...clock(ctx),
      }),
    );
  });
  r.put(`${WF}/:name/retry`, async (ctx) => {
    const b = await ctx.body();
    return mutate(ctx, async (wf) => {
      const res = retryWorkflow(wf, {
        restartSuccessful: b.restartSuccessful === true,
        nodeFieldSelector: str(b.nodeFieldSelector, 'nodeFieldSelector'),
        parameters: strList(b.parameters, 'parameters'),
        ...clock(ctx),
      });
      const steps = ctx.opts.steps;
      if (steps) {
        for (const id of res.deletedPodNodeIds) {
          const h = await steps.handleOf(wf, id);
          if (h)
            await steps.executor
              .cleanup(h)
              .catch((e: unknown) =>
                ctx.opts.logger.warn({ workflow: wf.metadata.name, node: id, err: errorMessage(e) }, 'step cleanup failed'),
              );
        }
      }
      return res;
    });
  });
  r.put(`${WF}/:name/resubmit`, async (ctx) => {
    const b = await ctx.body();
    const ns = namespaceOf(ctx);
    const cur = await getResource(ctx, 'Workflow', ns, nameOf(ctx));
    const next = resubmitWorkflow(cur, {
      memoized: b.memoized === true,
      parameters: strList(b.parameters, 'parameters'),
      ...clock(ctx),
    });
    next.metadata.namespace = ns;
    const created = await ctx.opts.store.create('Workflow', next);
    kick(ctx, created);
    return created;
  });
}
