// argoWorkflow trigger: `submit` creates the Workflow from `source` (inline object/YAML, or a Workflow whose spec
// has `workflowTemplateRef`) with a name derived from the firing key, so a redelivered event finds it ALREADY_EXISTS;
// `submit-from` creates one from a WorkflowTemplate/ClusterWorkflowTemplate/CronWorkflow; resubmit, resume, retry,
// suspend, terminate and stop act on the named Workflow through the store (never an `argo` process).
// Config keys: source, operation, parameters, args (-p/--parameter, --entrypoint, --serviceaccount, -l/--labels,
// --name, --generate-name).
import { WeirError } from '../../src/core/errors.js';
import { applyParams } from '../parameters.js';
import type { Parameter } from '../parameters.js';
import { metaOf, prepareForCreate, readSource } from './source.js';
import type { TriggerAdapter } from './types.js';

const OPS = ['submit', 'submit-from', 'resubmit', 'resume', 'retry', 'suspend', 'terminate', 'stop'] as const;
const isOperation = (op: string): op is (typeof OPS)[number] => (OPS as readonly string[]).includes(op);

function pair(s: string, flag: string): [string, string] {
  const i = s.indexOf('=');
  if (i <= 0) throw new WeirError('INVALID_SPEC', `argoWorkflow.args: ${flag} needs NAME=VALUE, got ${JSON.stringify(s)}`);
  return [s.slice(0, i), s.slice(i + 1)];
}

/** Applies the argo CLI arguments Weir understands to a Workflow object. */
function applyArgs(wf: Record<string, unknown>, args: readonly unknown[]): void {
  const spec = (wf.spec ??= {}) as Record<string, unknown>;
  const meta = metaOf(wf);
  for (let i = 0; i < args.length; i++) {
    const a = String(args[i]);
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const next = (): string => {
      if (eq > 0) return a.slice(eq + 1);
      if (i + 1 >= args.length) throw new WeirError('INVALID_SPEC', `argoWorkflow.args: ${flag} needs a value`);
      return String(args[++i]);
    };
    switch (flag) {
      case '-p':
      case '--parameter': {
        const [k, v] = pair(next(), flag);
        const argsObj = (spec.arguments ??= {}) as { parameters?: { name: string; value?: unknown }[] };
        const params = (argsObj.parameters ??= []);
        const found = params.find((p) => p.name === k);
        if (found) found.value = v;
        else params.push({ name: k, value: v });
        break;
      }
      case '--entrypoint':
        spec.entrypoint = next();
        break;
      case '--serviceaccount':
        spec.serviceAccountName = next();
        break;
      case '--name':
        meta.name = next();
        break;
      case '--generate-name':
        meta.generateName = next();
        delete meta.name;
        break;
      case '-l':
      case '--labels': {
        const labels = (meta.labels ??= {}) as Record<string, string>;
        for (const p of next().split(',')) {
          const [k, v] = pair(p, flag);
          labels[k] = v;
        }
        break;
      }
      default:
        throw new WeirError(
          'INVALID_SPEC',
          `argoWorkflow.args: ${JSON.stringify(a)} is not supported by Weir (supported: -p, --parameter, --entrypoint, --serviceaccount, -l, --labels, --name, --generate-name)`,
        );
    }
  }
}

export const argoWorkflowTrigger: TriggerAdapter<'argoWorkflow'> = {
  kind: 'argoWorkflow',
  plan(input) {
    const t = (input.template.argoWorkflow ?? {}) as { source?: unknown; operation?: string; parameters?: Parameter[]; args?: unknown[] };
    const op = t.operation || 'submit';
    if (!isOperation(op))
      throw new WeirError('INVALID_SPEC', `argoWorkflow.operation ${JSON.stringify(op)} is not one of ${OPS.join(', ')}`);
    let resource = readSource(t.source, 'argoWorkflow');
    resource = applyParams(resource, t.parameters, input.events);
    const meta = metaOf(resource);
    if (op === 'submit') {
      if (resource.kind !== undefined && resource.kind !== 'Workflow')
        throw new WeirError('INVALID_SPEC', `argoWorkflow submit needs a Workflow resource, got kind ${JSON.stringify(resource.kind)}`);
      resource.apiVersion ??= 'argoproj.io/v1alpha1';
      resource.kind = 'Workflow';
      applyArgs(resource, t.args ?? []);
      const { name, namespace } = prepareForCreate(resource, input);
      return {
        kind: 'argoWorkflow',
        summary: `submit Workflow ${namespace}/${name}`,
        action: { operation: op, key: input.key, workflow: resource },
      };
    }
    const name = typeof meta.name === 'string' ? meta.name : '';
    if (name === '') throw new WeirError('INVALID_SPEC', `argoWorkflow ${op} needs the resource's metadata.name`);
    const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : input.sensor.namespace;
    if (op === 'submit-from') {
      const kind = typeof resource.kind === 'string' ? resource.kind : '';
      if (!['WorkflowTemplate', 'ClusterWorkflowTemplate', 'CronWorkflow'].includes(kind))
        throw new WeirError(
          'INVALID_SPEC',
          `argoWorkflow submit-from needs a WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow, got ${JSON.stringify(kind)}`,
        );
      const base: Record<string, unknown> = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Workflow',
        metadata: { generateName: `${name}-` },
        spec: {},
      };
      applyArgs(base, t.args ?? []);
      const created = prepareForCreate(base, { ...input, sensor: { namespace } });
      return {
        kind: 'argoWorkflow',
        summary: `submit Workflow ${created.namespace}/${created.name} from ${kind} ${name}`,
        action: { operation: op, key: input.key, from: { kind, name, namespace }, workflow: base },
      };
    }
    if ((t.args ?? []).length > 0) throw new WeirError('INVALID_SPEC', `argoWorkflow.args are only supported with submit and submit-from`);
    return {
      kind: 'argoWorkflow',
      summary: `${op} Workflow ${namespace}/${name}`,
      action: { operation: op, key: input.key, namespace, name },
    };
  },
  async execute(plan, rt) {
    const a = plan.action;
    let r: { name: string; deduplicated: boolean };
    if (a.operation === 'submit') {
      r = await rt.resources.create('Workflow', structuredClone(a.workflow), a.key);
    } else if (a.operation === 'submit-from') {
      const wf = await rt.resources.workflowFrom(a.from.kind, a.from.namespace, a.from.name, structuredClone(a.workflow));
      r = await rt.resources.create('Workflow', wf, a.key);
    } else {
      r = await rt.resources.workflowOp(a.operation, a.namespace, a.name, a.key);
    }
    return { outcome: r.deduplicated ? 'deduplicated' : 'done', detail: { workflow: r.name } };
  },
};
