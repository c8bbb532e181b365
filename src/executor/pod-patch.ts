// A Kubernetes strategic merge patch of a PodSpec (Argo's `podSpecPatch`), for the JSON a pod executor builds: maps
// merge key by key, `null` deletes a key, lists of named things merge element by element on their merge key (the
// PodSpec's patchMergeKey: containers by name, env by name, volumeMounts by mountPath, ...), other lists are replaced.
// Directives: `$patch: replace` (an object or list element replaces instead of merging) and `$patch: delete` (a list
// element is removed). `$setElementOrder`, `$retainKeys` and `$deleteFromPrimitiveList` are not supported and ignored.

type Json = unknown;
type Obj = Record<string, Json>;

/** The merge key of each PodSpec list that merges (k8s.io/api/core/v1 patchMergeKey); other lists are replaced. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  topologySpreadConstraints: 'topologyKey',
  resourceClaims: 'name',
  readinessGates: 'conditionType',
  schedulingGates: 'name',
};

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `target` with `patch` applied (neither is changed). */
export function strategicMerge(target: Json, patch: Json, key?: string): Json {
  if (Array.isArray(patch)) return Array.isArray(target) ? mergeList(target, patch, key) : patch.filter((e) => !isDelete(e));
  if (!isObj(patch)) return patch;
  if (patch.$patch === 'replace') return withoutDirectives(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = strategicMerge(out[k], v, k);
  }
  return out;
}

function mergeList(target: Json[], patch: Json[], key: string | undefined): Json[] {
  const mk = key === undefined ? undefined : MERGE_KEYS[key];
  if (mk === undefined) return patch.filter((e) => !isDelete(e));
  const out = [...target];
  for (const p of patch) {
    if (!isObj(p) || p[mk] === undefined) {
      out.push(p);
      continue;
    }
    const i = out.findIndex((t) => isObj(t) && t[mk] === p[mk]);
    if (isDelete(p)) {
      if (i >= 0) out.splice(i, 1);
    } else if (i >= 0) out[i] = strategicMerge(out[i], p);
    else out.push(withoutDirectives(p));
  }
  return out;
}

const isDelete = (v: Json): boolean => isObj(v) && v.$patch === 'delete';

function withoutDirectives(o: Obj): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (!k.startsWith('$')) out[k] = v;
  return out;
}
