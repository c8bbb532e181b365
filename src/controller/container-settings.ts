// What a container/script template asks of an executor that runs images (the container executor): Kubernetes
// command/args as written (the image's ENTRYPOINT/CMD fill the gaps), imagePullPolicy, the merged pod- and
// container-level securityContext, resources.limits as numbers, hostNetwork; and envFrom (ConfigMap/Secret) as env.
import type { ContainerSettings } from '../executor/types.js';

type Obj = Record<string, unknown>;

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  m: 1e-3,
};

/** A Kubernetes quantity (`64Mi`, `0.5`, `500m`, `1e3`) as a number; undefined when malformed. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?\s*$/.exec(q);
  if (!m) return undefined;
  return Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1);
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

export interface ContainerLike {
  command?: string[];
  args?: string[];
  imagePullPolicy?: string;
  securityContext?: Obj;
  resources?: { limits?: Record<string, unknown> };
}

/** Settings for one container; `pod` is the template's (pod-level) securityContext, overridden per container. */
export function containerSettings(
  c: ContainerLike,
  pod: Obj | undefined,
  hostNetwork: boolean | undefined,
): { settings: ContainerSettings; error?: string } {
  const s: ContainerSettings = {};
  if (c.command !== undefined && c.command.length > 0) s.command = [...c.command];
  if (c.args !== undefined && c.args.length > 0) s.args = [...c.args];
  if (c.imagePullPolicy === 'Always' || c.imagePullPolicy === 'IfNotPresent' || c.imagePullPolicy === 'Never')
    s.imagePullPolicy = c.imagePullPolicy;
  const sc: Obj = { ...(pod ?? {}), ...(c.securityContext ?? {}) };
  const user = num(sc.runAsUser);
  const group = num(sc.runAsGroup);
  if (user !== undefined) s.runAsUser = user;
  if (group !== undefined) s.runAsGroup = group;
  if (bool(sc.runAsNonRoot) === true) {
    if (user === 0) return { settings: s, error: 'securityContext: runAsNonRoot is true but runAsUser is 0' };
    s.runAsNonRoot = true;
  }
  if (bool(sc.readOnlyRootFilesystem) === true) s.readOnlyRootFilesystem = true;
  if (bool(sc.privileged) === true) s.privileged = true;
  const caps = (sc.capabilities as { add?: unknown } | undefined)?.add;
  if (Array.isArray(caps)) s.capabilitiesAdd = caps.filter((x): x is string => typeof x === 'string');
  const limits = c.resources?.limits ?? {};
  if (limits.memory !== undefined) {
    const m = parseQuantity(limits.memory);
    if (m === undefined || m <= 0)
      return { settings: s, error: `resources.limits.memory: invalid quantity ${JSON.stringify(limits.memory)}` };
    s.memoryBytes = Math.floor(m);
  }
  if (limits.cpu !== undefined) {
    const cpu = parseQuantity(limits.cpu);
    if (cpu === undefined || cpu <= 0)
      return { settings: s, error: `resources.limits.cpu: invalid quantity ${JSON.stringify(limits.cpu)}` };
    s.cpus = cpu;
  }
  if (hostNetwork === true) s.hostNetwork = true;
  return { settings: s };
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}

/** envFrom entries as variables (later sources win; explicit `env` is applied over them by the caller). */
export function envFromSources(
  list: readonly EnvFromSource[],
  lookups: {
    configMap: (name: string) => Record<string, string> | undefined;
    secret: (name: string) => Record<string, string> | undefined;
  },
): { env: Record<string, string>; error?: string } {
  const env: Record<string, string> = {};
  for (const [i, src] of list.entries()) {
    const ref = src.configMapRef ?? src.secretRef;
    const kind = src.configMapRef ? 'ConfigMap' : 'Secret';
    if (!ref?.name) return { env, error: `envFrom[${i}]: needs configMapRef or secretRef with a name` };
    const data = src.configMapRef ? lookups.configMap(ref.name) : lookups.secret(ref.name);
    if (data === undefined) {
      if (ref.optional === true) continue;
      return { env, error: `envFrom[${i}]: ${kind} ${JSON.stringify(ref.name)} not found` };
    }
    for (const [k, v] of Object.entries(data)) env[`${src.prefix ?? ''}${k}`] = v;
  }
  return { env };
}
