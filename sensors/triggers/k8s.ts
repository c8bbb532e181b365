// k8s trigger: creates a Weir resource (Workflow, WorkflowTemplate, CronWorkflow, ConfigMap, ...) from `source` in
// the store, named from the firing key when the resource has only generateName. Only `operation: create` is
// supported; update/patch/delete, and kinds the host's store cannot hold, are refused at plan time (so `weir sensor
// test` reports what the server would). Config keys: source, operation, parameters.
import { WeirError } from '../../src/core/errors.js';
import { applyParams } from '../parameters.js';
import type { Parameter } from '../parameters.js';
import { prepareForCreate, readSource } from './source.js';
import type { TriggerAdapter } from './types.js';

export const k8sTrigger: TriggerAdapter<'k8s'> = {
  kind: 'k8s',
  plan(input) {
    const t = (input.template.k8s ?? {}) as { source?: unknown; operation?: string; parameters?: Parameter[] };
    const op = t.operation || 'create';
    if (op !== 'create') throw new WeirError('INVALID_SPEC', `k8s.operation ${JSON.stringify(op)} is not supported by Weir (only create)`);
    const resource = applyParams(readSource(t.source, 'k8s'), t.parameters, input.events);
    const kind = typeof resource.kind === 'string' ? resource.kind : '';
    if (kind === '') throw new WeirError('INVALID_SPEC', 'k8s.source resource needs a kind');
    if (input.canStore !== undefined && !input.canStore(kind)) {
      throw new WeirError(
        'UNKNOWN_KIND',
        `cannot create a ${kind}: not a kind Weir stores (the embedded store holds Argo's kinds, ConfigMaps and Secrets)`,
      );
    }
    const { name, namespace } = prepareForCreate(resource, input);
    return { kind: 'k8s', summary: `create ${kind} ${namespace}/${name}`, action: { operation: op, resource, key: input.key } };
  },
  async execute(plan, rt) {
    const a = plan.action;
    const r = await rt.resources.create(String(a.resource.kind), structuredClone(a.resource), a.key);
    return { outcome: r.deduplicated ? 'deduplicated' : 'done', detail: { name: r.name } };
  },
};
