// POST /api/v1/workflows/{ns}/submit: a new Workflow from a WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow,
// labelled as argo-server does, with Argo's submitOptions (entrypoint, parameters, labels, annotations,
// generateName, name, serverDryRun) applied.
import { overrideParameters } from '../controller/manual-ops.js';
import { WeirError } from '../core/errors.js';
import type { NewObject } from '../store/types.js';
import type { RouteContext } from './router.js';
import { getResource, normalise } from './routes-common.js';

function parsePairs(s: unknown, field: string): Record<string, string> {
  if (s === undefined || s === null || s === '') return {};
  if (typeof s !== 'string') throw new WeirError('INVALID_ARGUMENT', `submitOptions.${field} must be a string like a=b,c=d`);
  const out: Record<string, string> = {};
  for (const pair of s.split(',')) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new WeirError('INVALID_ARGUMENT', `submitOptions.${field}: expected NAME=VALUE, got ${JSON.stringify(pair)}`);
    out[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return out;
}

export async function submitFrom(
  ctx: RouteContext,
  ns: string,
  body: Record<string, unknown>,
): Promise<{ workflow: NewObject; dryRun: boolean }> {
  const kind = body.resourceKind;
  const name = body.resourceName;
  if (typeof name !== 'string' || name === '') throw new WeirError('INVALID_ARGUMENT', 'resourceName is required');
  const so = (body.submitOptions ?? {}) as Record<string, unknown>;
  if (typeof so !== 'object' || Array.isArray(so)) throw new WeirError('INVALID_ARGUMENT', 'submitOptions must be an object');
  const labels: Record<string, string> = {};
  let annotations: Record<string, string> = {};
  let spec: Record<string, unknown>;
  switch (kind) {
    case 'WorkflowTemplate':
    case 'workflowtemplate':
      await getResource(ctx, 'WorkflowTemplate', ns, name);
      spec = { workflowTemplateRef: { name } };
      labels['workflows.argoproj.io/workflow-template'] = name;
      break;
    case 'ClusterWorkflowTemplate':
    case 'clusterworkflowtemplate':
      await getResource(ctx, 'ClusterWorkflowTemplate', undefined, name);
      spec = { workflowTemplateRef: { name, clusterScope: true } };
      labels['workflows.argoproj.io/cluster-workflow-template'] = name;
      break;
    case 'CronWorkflow':
    case 'cronworkflow': {
      const cron = await getResource(ctx, 'CronWorkflow', ns, name);
      const cs = (cron.spec ?? {}) as {
        workflowSpec?: Record<string, unknown>;
        workflowMetadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      };
      spec = structuredClone(cs.workflowSpec ?? {});
      Object.assign(labels, cs.workflowMetadata?.labels ?? {});
      annotations = { ...(cs.workflowMetadata?.annotations ?? {}) };
      labels['workflows.argoproj.io/cron-workflow'] = name;
      break;
    }
    default:
      throw new WeirError(
        'INVALID_ARGUMENT',
        `resourceKind must be WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow, got ${JSON.stringify(kind)}`,
      );
  }
  Object.assign(labels, parsePairs(so.labels, 'labels'));
  Object.assign(annotations, parsePairs(so.annotations, 'annotations'));
  if (typeof so.entrypoint === 'string' && so.entrypoint !== '') spec.entrypoint = so.entrypoint;
  if (so.parameters !== undefined) {
    if (!Array.isArray(so.parameters) || so.parameters.some((p) => typeof p !== 'string')) {
      throw new WeirError('INVALID_ARGUMENT', 'submitOptions.parameters must be a list of NAME=VALUE strings');
    }
    overrideParameters(spec, so.parameters as string[]);
  }
  const metadata: Record<string, unknown> = {
    generateName: typeof so.generateName === 'string' && so.generateName !== '' ? so.generateName : `${name}-`,
    labels,
  };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  if (typeof so.name === 'string' && so.name !== '') metadata.name = so.name;
  const wf = normalise('Workflow', { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata, spec }, ns);
  return { workflow: wf, dryRun: so.serverDryRun === true || so.dryRun === true };
}
