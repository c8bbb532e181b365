// Reads the resource of an argoWorkflow/k8s trigger from its `source`: the embedded `resource` object or an
// `inline` YAML/JSON string. Other locations (s3, file, url, configmap, git) are refused with a clear error.
import { parse } from 'yaml';
import { WeirError, errorMessage } from '../../src/core/errors.js';

export function readSource(source: unknown, where: string): Record<string, unknown> {
  const s = (source ?? {}) as Record<string, unknown>;
  if (s.resource !== undefined && s.resource !== null) {
    if (typeof s.resource !== 'object' || Array.isArray(s.resource))
      throw new WeirError('INVALID_SPEC', `${where}.source.resource must be an object`);
    return structuredClone(s.resource as Record<string, unknown>);
  }
  if (typeof s.inline === 'string') {
    let v: unknown;
    try {
      v = parse(s.inline) as unknown;
    } catch (e) {
      throw new WeirError('INVALID_SPEC', `${where}.source.inline is not valid YAML/JSON: ${errorMessage(e)}`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new WeirError('INVALID_SPEC', `${where}.source.inline must hold one object`);
    return v as Record<string, unknown>;
  }
  const other = Object.keys(s).filter((k) => s[k] !== undefined);
  if (other.length > 0)
    throw new WeirError('INVALID_SPEC', `${where}.source.${other[0]} is not supported by Weir; use source.resource or source.inline`);
  throw new WeirError('INVALID_SPEC', `${where}.source is required`);
}

/** The deterministic name of a created object: `name` as given, else `generateName` + firing key (max 63 chars). */
export function deterministicName(meta: Record<string, unknown>, key: string): string {
  if (typeof meta.name === 'string' && meta.name !== '') return meta.name;
  const gen = typeof meta.generateName === 'string' ? meta.generateName : '';
  if (gen === '') throw new WeirError('INVALID_SPEC', 'the resource needs metadata.name or metadata.generateName');
  return gen.slice(0, 63 - key.length) + key;
}

export function metaOf(obj: Record<string, unknown>): Record<string, unknown> {
  const m = obj.metadata;
  if (typeof m === 'object' && m !== null && !Array.isArray(m)) return m as Record<string, unknown>;
  const fresh: Record<string, unknown> = {};
  obj.metadata = fresh;
  return fresh;
}

/** Adds lineage labels/annotations and fixes name/namespace for creation. */
export function prepareForCreate(
  obj: Record<string, unknown>,
  input: { key: string; sensor: { namespace: string }; lineage: { labels: Record<string, string>; annotations: Record<string, string> } },
): { name: string; namespace: string } {
  const meta = metaOf(obj);
  const name = deterministicName(meta, input.key);
  const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : input.sensor.namespace;
  meta.name = name;
  delete meta.generateName;
  meta.namespace = namespace;
  meta.labels = { ...(meta.labels ?? {}), ...input.lineage.labels };
  meta.annotations = { ...(meta.annotations ?? {}), ...input.lineage.annotations };
  return { name, namespace };
}
