// Memoization (template.memoize) as Argo does it: the cache is a ConfigMap (label workflows.argoproj.io/configmap-type:
// Cache) whose data maps each key to a JSON entry {nodeID, outputs, creationTimestamp, lastHitTimestamp}. A node whose
// key has a fresh entry (younger than maxAge) is created Succeeded with the cached outputs and memoizationStatus.hit;
// otherwise it runs, and once it succeeds its outputs are written to the cache (an action the controller performs;
// entries written earlier in the same pass are seen at once).
import { parseGoDuration } from '../core/duration.js';
import type { Memoize } from '../api/workflow-steps.js';
import { subst } from './params.js';
import type { Vars } from './params.js';
import type { NodeOutputs } from './types.js';

export const CACHE_LABEL = 'workflows.argoproj.io/configmap-type';

export interface CacheEntry {
  nodeID: string;
  outputs?: NodeOutputs;
  creationTimestamp: string;
  lastHitTimestamp?: string;
}

/** The substituted key and cache name of a template's memoize block, or an error message. */
export function memoKey(m: Memoize, vars: Vars): { key: string; cacheName: string } | { error: string } {
  const cacheName = m.cache?.configMap?.name;
  if (!cacheName) return { error: 'memoize.cache.configMap.name is required' };
  const errors: string[] = [];
  const key = subst(m.key ?? '', vars, errors);
  if (errors.length > 0) return { error: `memoize.key: ${errors[0]}` };
  if (key === '') return { error: 'memoize.key is empty' };
  // ConfigMap data keys allow only these characters (Argo refuses others the same way).
  if (!/^[-._a-zA-Z0-9]+$/.test(key))
    return { error: `memoize.key ${JSON.stringify(key)} is not a valid ConfigMap key (only letters, digits, '-', '_' and '.')` };
  return { key, cacheName };
}

/** A cache entry that is still fresh under maxAge, or undefined. */
export function lookupEntry(
  data: Record<string, string> | undefined,
  key: string,
  maxAge: string | undefined,
  now: number,
): CacheEntry | undefined {
  const text = data?.[key];
  if (text === undefined) return undefined;
  let e: CacheEntry;
  try {
    e = JSON.parse(text) as CacheEntry;
  } catch {
    return undefined;
  }
  if (maxAge !== undefined && maxAge !== '') {
    let ms: number;
    try {
      ms = parseGoDuration(maxAge);
    } catch {
      return undefined;
    }
    const created = Date.parse(e.creationTimestamp);
    if (!Number.isFinite(created) || now - created > ms) return undefined;
  }
  return e;
}
