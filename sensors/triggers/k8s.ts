// k8s trigger (Argo's standard K8s trigger): `operation` create (default), update, patch or delete of the object in
// `source`, after the trigger's `parameters` were applied to it. Created objects are named from the firing key when
// they have only generateName, so a redelivered event finds its object. Where it runs depends on the host's store:
// - embedded (SQLite/memory): only create, only the kinds the store holds (Argo's kinds, ConfigMaps, Secrets);
//   anything else is refused when the trigger is planned, so `weir sensor test` reports what the server would;
// - Kubernetes (`--store kubernetes`): any kind the API server serves, every operation, through the store's
//   `anyKind` capability (Weir's own kinds are still created through the store). update: the object is read, the
//   source merged onto it (non-empty values win, as Argo's mergo merge) and written back; with `liveObject` the
//   parameters are written into the live object instead. patch: the source is sent as the patch body with
//   `patchStrategy` (default application/merge-patch+json). update and patch create the object when it is absent;
//   delete of an absent object is done. Config keys: source, operation, parameters, patchStrategy, liveObject.
import { WeirError, NonRetryableError } from '../../src/core/errors.js';
import { KIND_IDENTITY, isKindName } from '../../src/core/kinds.js';
import { applyParams, resolveParamWrites } from '../parameters.js';
import type { Parameter } from '../parameters.js';
import { metaOf, prepareForCreate, readSource } from './source.js';
import type { K8sAction, K8sOperation, TriggerAdapter } from './types.js';

const OPERATIONS: readonly string[] = ['create', 'update', 'patch', 'delete'] satisfies K8sOperation[];

/** Whether an object is one of Weir's kinds (by kind, and by apiVersion when it names one). */
export function isWeirObject(obj: Record<string, unknown>): boolean {
  const kind = obj.kind;
  if (!isKindName(kind)) return false;
  return obj.apiVersion === undefined || obj.apiVersion === '' || obj.apiVersion === KIND_IDENTITY[kind].apiVersion;
}

interface K8sTemplate {
  source?: unknown;
  operation?: string;
  parameters?: Parameter[];
  patchStrategy?: string;
  liveObject?: boolean;
}

export const k8sTrigger: TriggerAdapter<'k8s'> = {
  kind: 'k8s',
  plan(input) {
    const t = (input.template.k8s ?? {}) as K8sTemplate;
    const op = t.operation || 'create';
    if (!OPERATIONS.includes(op))
      throw new WeirError('INVALID_SPEC', `unknown k8s.operation ${JSON.stringify(op)} (create, update, patch, delete)`);
    const live = op === 'update' && t.liveObject === true;
    const source = readSource(t.source, 'k8s');
    // liveObject: the parameters go into the live object at execution; the source only names it.
    const resource = live ? source : applyParams(source, t.parameters, input.events);
    const kind = typeof resource.kind === 'string' ? resource.kind : '';
    if (kind === '') throw new WeirError('INVALID_SPEC', 'k8s.source resource needs a kind');
    const apiVersion = typeof resource.apiVersion === 'string' ? resource.apiVersion : '';
    if (input.embedded !== undefined) {
      if (!input.embedded.holds(apiVersion, kind)) {
        throw new WeirError(
          'UNKNOWN_KIND',
          `cannot ${op} a ${kind}${apiVersion ? ` (${apiVersion})` : ''}: the embedded store holds only Argo's kinds, ConfigMaps and Secrets (with --store kubernetes, k8s triggers act on any kind the service account may)`,
        );
      }
      if (op !== 'create')
        throw new WeirError('INVALID_SPEC', `k8s.operation ${op} runs only with --store kubernetes; the embedded store supports create`);
    } else if (apiVersion === '' && !isWeirObject(resource)) {
      throw new WeirError('INVALID_SPEC', `k8s.source resource ${kind} needs an apiVersion`);
    }
    let name: string;
    let namespace: string;
    if (op === 'create') {
      ({ name, namespace } = prepareForCreate(resource, input));
    } else {
      const meta = metaOf(resource);
      if (typeof meta.name !== 'string' || meta.name === '') throw new WeirError('INVALID_SPEC', `k8s.operation ${op} needs metadata.name`);
      name = meta.name;
      namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : input.sensor.namespace;
      meta.namespace = namespace;
    }
    const action: K8sAction = { operation: op as K8sOperation, resource, key: input.key };
    if (op === 'patch') action.patchStrategy = t.patchStrategy || 'application/merge-patch+json';
    if (live) action.liveWrites = resolveParamWrites(t.parameters, input.events);
    return { kind: 'k8s', summary: `${op} ${kind} ${namespace}/${name}`, action };
  },
  async execute(plan, rt) {
    const a = plan.action;
    if (a.operation === 'create' && isWeirObject(a.resource)) {
      const r = await rt.resources.create(String(a.resource.kind), structuredClone(a.resource), a.key);
      return { outcome: r.deduplicated ? 'deduplicated' : 'done', detail: { name: r.name } };
    }
    if (rt.resources.anyKind === undefined) {
      throw new NonRetryableError(
        'UNKNOWN_KIND',
        `cannot ${a.operation} a ${String(a.resource.kind)}: this server's store is not a Kubernetes API server`,
      );
    }
    const r = await rt.resources.anyKind(structuredClone(a), rt.signal);
    return { outcome: r.deduplicated ? 'deduplicated' : 'done', detail: { name: r.name, result: r.result } };
  },
};
