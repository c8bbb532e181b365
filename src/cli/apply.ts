// `weir apply -f FILE|DIR...`: creates every manifest, or replaces it when it exists (PUT with the current
// resourceVersion, so a concurrent change is a conflict rather than lost). Unchanged objects are not written.
// Workflows are runs, not configuration: a named Workflow that exists already is left alone (as `weir server` does).
import type { KindName } from '../api/kinds.js';
import { isWeirError } from '../core/errors.js';
import type { StoredObject } from '../store/types.js';
import type { WeirClient } from './client.js';
import { CLIENT_HELP, clientFrom, parseFlags, usageError } from './flags.js';
import type { Verb } from './io.js';
import { readManifests, resourceKind, resourcePath, targetNamespace } from './resources.js';
import { wfPath } from './workflows.js';

const HELP = `Usage: weir apply -f FILE|DIR... [--dry-run]

Creates or updates manifests of any kind the server manages (Workflow, WorkflowTemplate, ClusterWorkflowTemplate,
CronWorkflow, EventSource, Sensor, ConfigMap, Secret). Directories are read recursively (*.yaml, *.yml, *.json).
A changed Secret or ConfigMap is used by the next step or event-source (re)start that reads it; nothing restarts.
  -f, --filename PATH   file or directory (repeatable; plain arguments work too)
      --dry-run         print what would be done without changing anything

${CLIENT_HELP}`;

/** JSON with sorted keys, to compare content regardless of key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** What `apply` would change: everything but status and server-owned metadata. */
function content(o: Record<string, unknown>): string {
  const { metadata, status: _status, apiVersion: _a, kind: _k, ...rest } = o;
  const m = (metadata ?? {}) as Record<string, unknown>;
  const empty = (x: unknown): unknown => (x && typeof x === 'object' && Object.keys(x).length > 0 ? x : undefined);
  return canonical({ ...rest, labels: empty(m.labels), annotations: empty(m.annotations) });
}

async function getOrUndefined(client: WeirClient, path: string): Promise<StoredObject | undefined> {
  try {
    return await client.get<StoredObject>(path);
  } catch (e) {
    if (isWeirError(e) && e.code === 'NOT_FOUND') return undefined;
    throw e;
  }
}

const APPLIED = new Set<KindName>([
  'Workflow',
  'WorkflowTemplate',
  'ClusterWorkflowTemplate',
  'CronWorkflow',
  'EventSource',
  'Sensor',
  'ConfigMap',
  'Secret',
]);

export const verb: Verb = async (args, io) => {
  const { values, positionals } = parseFlags(args, {
    filename: { type: 'string', short: 'f', multiple: true },
    'dry-run': { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const paths = [...(values.filename ?? []), ...positionals];
  if (paths.length === 0) throw usageError('apply needs -f FILE|DIR; run `weir apply --help`');
  const docs = await readManifests(paths, io, (k) =>
    APPLIED.has(k as KindName) ? undefined : `weir apply cannot send ${k} to the server (it manages ${[...APPLIED].join(', ')})`,
  );
  if (!docs) return 2;
  const client = clientFrom(values, io);
  const dry = values['dry-run'] === true ? ' (dry run)' : '';
  for (const d of docs) {
    const obj = d.object;
    const kind = String(obj.kind);
    const meta = (obj.metadata ?? {}) as { name?: string; generateName?: string; namespace?: string; resourceVersion?: string };
    const r = resourceKind(kind);
    const ns = r?.clusterScoped ? client.namespace : targetNamespace(meta.namespace, values.namespace, client.namespace, d.where);
    const label = (name: string | undefined): string => `${kind} '${name ?? `${meta.generateName ?? ''}*`}'`;
    if (!r) {
      // Workflow: create unless a workflow of that name exists.
      if (meta.name !== undefined && (await getOrUndefined(client, wfPath(ns, meta.name)))) {
        io.stdout(`${label(meta.name)} unchanged (exists; workflows are runs and are not updated)\n`);
        continue;
      }
      const created = dry ? undefined : await client.json<StoredObject>('POST', wfPath(ns), { body: { namespace: ns, workflow: obj } });
      io.stdout(`${label(created?.metadata.name ?? meta.name)} created${dry}\n`);
      continue;
    }
    const body = (o: Record<string, unknown>): Record<string, unknown> => ({
      ...(r.clusterScoped ? {} : { namespace: ns }),
      [r.bodyKey]: o,
    });
    const cur = meta.name === undefined ? undefined : await getOrUndefined(client, resourcePath(r, ns, meta.name));
    if (!cur) {
      if (!dry) await client.json('POST', resourcePath(r, ns), { body: body(obj) });
      io.stdout(`${label(meta.name)} created${dry}\n`);
      continue;
    }
    if (content(cur) === content({ ...obj, metadata: { ...meta } })) {
      io.stdout(`${label(meta.name)} unchanged\n`);
      continue;
    }
    if (!dry) {
      const next = { ...obj, metadata: { ...meta, resourceVersion: cur.metadata.resourceVersion } };
      await client.json('PUT', resourcePath(r, ns, meta.name), { body: { ...body(next), name: meta.name } });
    }
    io.stdout(`${label(meta.name)} configured${dry}\n`);
  }
  return 0;
};
