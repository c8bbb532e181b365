// Checks the Kubernetes rules a CRD's openAPIV3Schema must follow to be accepted by an API server
// ("structural schema" rules of apiextensions.k8s.io/v1). Returns one message per violation, with its path.

const ALLOWED = new Set([
  'description',
  'type',
  'format',
  'title',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'multipleOf',
  'enum',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'properties',
  'additionalProperties',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
  'default',
  'example',
  'externalDocs',
]);
const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

export function structuralViolations(schema: unknown, path = 'openAPIV3Schema'): string[] {
  const out: string[] = [];
  const s = schema as Record<string, unknown>;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return [`${path}: must be a schema object`];
  for (const k of Object.keys(s)) if (!ALLOWED.has(k)) out.push(`${path}: keyword ${k} is not allowed in CRD schemas`);
  const type = s.type;
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  if (type === undefined && !intOrString && !preserve) out.push(`${path}: type is required`);
  if (type !== undefined && !TYPES.has(type as string)) out.push(`${path}: unknown type ${JSON.stringify(type)}`);
  if (intOrString && type !== undefined) out.push(`${path}: x-kubernetes-int-or-string must not set type`);
  if (s.uniqueItems === true) out.push(`${path}: uniqueItems must not be true`);
  if (s.properties !== undefined && s.additionalProperties !== undefined)
    out.push(`${path}: properties and additionalProperties are mutually exclusive`);
  if ((s.properties !== undefined || s.additionalProperties !== undefined) && type !== 'object')
    out.push(`${path}: properties need type object`);
  if (s.items !== undefined && type !== 'array') out.push(`${path}: items needs type array`);
  if (type === 'array' && (typeof s.items !== 'object' || Array.isArray(s.items)))
    out.push(`${path}: an array needs a single items schema`);
  if (Array.isArray(s.enum) && typeof type === 'string') {
    for (const v of s.enum) {
      const ok = type === 'string' ? typeof v === 'string' : type === 'boolean' ? typeof v === 'boolean' : typeof v === 'number';
      if (!ok) out.push(`${path}: enum value ${JSON.stringify(v)} does not match type ${type}`);
    }
  }
  if (Array.isArray(s.required) && s.properties !== undefined) {
    for (const r of s.required as string[])
      if (!(r in (s.properties as object))) out.push(`${path}: required field ${r} is not a property`);
  }
  if (s.properties !== undefined) {
    for (const [k, v] of Object.entries(s.properties as object)) out.push(...structuralViolations(v, `${path}.properties.${k}`));
  }
  if (typeof s.additionalProperties === 'object') out.push(...structuralViolations(s.additionalProperties, `${path}.additionalProperties`));
  if (typeof s.items === 'object' && !Array.isArray(s.items)) out.push(...structuralViolations(s.items, `${path}.items`));
  return out;
}
