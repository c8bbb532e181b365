// spec.templateDefaults applied the way Argo does it: a strategic-merge of the template over the defaults (the
// template's own fields win, maps merge recursively, lists keyed by name/mountPath merge by key, other lists are
// replaced), after which the template keeps its own type (a steps template never becomes a container).
import type { Template } from '../api/workflow-template.js';

/** The fields that decide a template's type; only the template's own one survives the merge. */
const TYPE_FIELDS = ['container', 'containerSet', 'script', 'resource', 'steps', 'dag', 'suspend', 'http', 'data', 'plugin'] as const;

/** Merge keys of Kubernetes lists (strategic merge patch); lists not named here are replaced by the template's. */
const MERGE_KEYS: Record<string, string> = {
  env: 'name',
  volumeMounts: 'mountPath',
  volumes: 'name',
  ports: 'containerPort',
  volumeDevices: 'devicePath',
  tolerations: 'key',
  hostAliases: 'ip',
  imagePullSecrets: 'name',
  sidecars: 'name',
  initContainers: 'name',
};

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function mergeList(key: string, base: unknown[], over: unknown[]): unknown[] {
  const mk = MERGE_KEYS[key];
  if (!mk) return over;
  const out = [...base];
  for (const o of over) {
    const i = isMap(o) ? out.findIndex((b) => isMap(b) && b[mk] === o[mk]) : -1;
    if (i >= 0) out[i] = mergeValue('', out[i], o);
    else out.push(o);
  }
  return out;
}

function mergeValue(key: string, base: unknown, over: unknown): unknown {
  if (over === undefined) return structuredClone(base);
  if (isMap(base) && isMap(over)) {
    const out: Record<string, unknown> = structuredClone(base);
    for (const [k, v] of Object.entries(over)) out[k] = mergeValue(k, base[k], v);
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over)) return mergeList(key, base, over);
  return over;
}

/** The template with `defaults` merged in (Argo's mergedTemplateDefaultsInto). Neither input is changed. */
export function applyTemplateDefaults(defaults: Partial<Template> | undefined, tmpl: Template): Template {
  if (!defaults || Object.keys(defaults).length === 0) return tmpl;
  const merged = mergeValue('', defaults, tmpl) as Template;
  const own = TYPE_FIELDS.find((f) => tmpl[f] !== undefined);
  if (own !== undefined) for (const f of TYPE_FIELDS) if (f !== own) delete merged[f];
  return merged;
}
