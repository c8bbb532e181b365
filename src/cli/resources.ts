// The non-workflow kinds the server verbs manage, one table row each (REST path, body key, list columns), and the
// helpers `apply` and the resource verbs share: paths, target namespace, reading manifests with file:line errors.
import { resolve } from 'node:path';
import { lintManifests } from './runtime-lint.js';
import { loadFiles } from '../api/loader.js';
import type { KindName } from '../api/kinds.js';
import { compileSchedule } from '../cron/ticks.js';
import { WeirError } from '../core/errors.js';
import type { StoredObject } from '../store/types.js';
import { printFindings } from './findings-out.js';
import { age, shortDuration } from './format.js';
import type { CliIo } from './io.js';

export interface ResourceKind {
  kind: KindName;
  /** The verb: `weir template ...`. */
  verb: string;
  /** What users call one: "workflow template". */
  noun: string;
  path: string;
  /** Key of the object in create/update bodies. */
  bodyKey: string;
  clusterScoped: boolean;
  /** PUT .../{name}/suspend and /resume. */
  suspendable: boolean;
  columns: readonly string[];
  row(o: StoredObject, now: number): string[];
  /** Extra summary lines for `get` (label, value). */
  details(o: StoredObject, now: number): [string, string][];
}

const nameAge = {
  columns: ['NAME', 'AGE'],
  row: (o: StoredObject, now: number) => [o.metadata.name, age(o.metadata.creationTimestamp, now)],
};

interface CronSpec {
  schedule?: string;
  schedules?: string[];
  timezone?: string;
  suspend?: boolean;
}

function schedules(o: StoredObject): string[] {
  const s = (o.spec ?? {}) as CronSpec;
  return [...(s.schedules ?? []), ...(s.schedule ? [s.schedule] : [])];
}

/** The next run over all schedules ('' when suspended or unknown). */
function nextRun(o: StoredObject, now: number): string {
  const s = (o.spec ?? {}) as CronSpec;
  if (s.suspend === true) return '';
  let best: number | undefined;
  for (const expr of schedules(o)) {
    try {
      const t = compileSchedule(expr, s.timezone).next(new Date(now))?.getTime();
      if (t !== undefined && (best === undefined || t < best)) best = t;
    } catch {
      // an invalid schedule shows no next run
    }
  }
  return best === undefined ? '' : shortDuration(best - now);
}

const lastRun = (o: StoredObject, now: number): string =>
  age((o.status as { lastScheduledTime?: string } | undefined)?.lastScheduledTime, now);

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  {
    kind: 'WorkflowTemplate',
    verb: 'template',
    noun: 'workflow template',
    path: '/api/v1/workflow-templates',
    bodyKey: 'template',
    clusterScoped: false,
    suspendable: false,
    ...nameAge,
    details: () => [],
  },
  {
    kind: 'ClusterWorkflowTemplate',
    verb: 'cluster-template',
    noun: 'cluster workflow template',
    path: '/api/v1/cluster-workflow-templates',
    bodyKey: 'template',
    clusterScoped: true,
    suspendable: false,
    ...nameAge,
    details: () => [],
  },
  {
    kind: 'CronWorkflow',
    verb: 'cron',
    noun: 'cron workflow',
    path: '/api/v1/cron-workflows',
    bodyKey: 'cronWorkflow',
    clusterScoped: false,
    suspendable: true,
    columns: ['NAME', 'AGE', 'LAST RUN', 'NEXT RUN', 'SCHEDULES', 'TIMEZONE', 'SUSPENDED'],
    row: (o, now) => {
      const s = (o.spec ?? {}) as CronSpec;
      return [
        o.metadata.name,
        age(o.metadata.creationTimestamp, now),
        lastRun(o, now) || 'N/A',
        nextRun(o, now) || 'N/A',
        schedules(o).join(','),
        s.timezone ?? '',
        String(s.suspend === true),
      ];
    },
    details: (o, now) => {
      const s = (o.spec ?? {}) as CronSpec;
      return [
        ['Schedules:', schedules(o).join(', ')],
        ['Timezone:', s.timezone ?? ''],
        ['Suspended:', String(s.suspend === true)],
        ['LastScheduledTime:', (o.status as { lastScheduledTime?: string } | undefined)?.lastScheduledTime ?? ''],
        ['NextScheduledTime:', nextRun(o, now) ? `in ${nextRun(o, now)}` : ''],
      ];
    },
  },
  {
    kind: 'EventSource',
    verb: 'eventsource',
    noun: 'event source',
    path: '/api/v1/event-sources',
    bodyKey: 'eventSource',
    clusterScoped: false,
    suspendable: false,
    columns: ['NAME', 'AGE', 'TYPES', 'STATE'],
    row: (o, now) => [o.metadata.name, age(o.metadata.creationTimestamp, now), eventTypes(o).join(','), eventStates(o).summary],
    details: (o) => [
      ['Types:', eventTypes(o).join(', ')],
      ['State:', eventStates(o).summary],
      ...eventStates(o).lines.map((l): [string, string] => ['', l]),
    ],
  },
  {
    kind: 'Sensor',
    verb: 'sensor',
    noun: 'sensor',
    path: '/api/v1/sensors',
    bodyKey: 'sensor',
    clusterScoped: false,
    suspendable: false,
    columns: ['NAME', 'AGE', 'DEPENDENCIES', 'TRIGGERS'],
    row: (o, now) => [
      o.metadata.name,
      age(o.metadata.creationTimestamp, now),
      String(sensorList(o, 'dependencies')),
      String(sensorList(o, 'triggers')),
    ],
    details: (o) => [
      ['Dependencies:', String(sensorList(o, 'dependencies'))],
      ['Triggers:', String(sensorList(o, 'triggers'))],
    ],
  },
  // Stored for `weir apply` (no verbs of their own): the Secrets and ConfigMaps workflows and event sources read.
  {
    kind: 'ConfigMap',
    verb: 'configmap',
    noun: 'config map',
    path: '/api/v1/configmaps',
    bodyKey: 'configMap',
    clusterScoped: false,
    suspendable: false,
    ...nameAge,
    details: () => [],
  },
  {
    kind: 'Secret',
    verb: 'secret',
    noun: 'secret',
    path: '/api/v1/secrets',
    bodyKey: 'secret',
    clusterScoped: false,
    suspendable: false,
    ...nameAge,
    details: () => [],
  },
];

const NOT_EVENT_TYPES = new Set(['template', 'service', 'replicas', 'eventBusName']);

interface LiveEvent {
  eventName?: string;
  kind?: string;
  state?: string;
  lastError?: { message?: string };
}

/**
 * What the server does with an EventSource's events (from status.weir, which the server adds on reads): `running`,
 * `unsupported`, `invalid: <reason>`, ... one per event, and a summary (`running`, or `2 running, 1 unsupported`).
 * No status.weir means the server has not started it (yet), shown as `-`.
 */
function eventStates(o: StoredObject): { summary: string; lines: string[] } {
  const live = (o.status as { weir?: unknown } | undefined)?.weir;
  const events = Array.isArray(live) ? (live as LiveEvent[]) : [];
  if (events.length === 0) return { summary: '-', lines: [] };
  const label = (e: LiveEvent): string =>
    (e.state === 'invalid' || e.state === 'backoff') && e.lastError?.message
      ? `${e.state}: ${e.lastError.message}`
      : (e.state ?? 'unknown');
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.state ?? 'unknown', (counts.get(e.state ?? 'unknown') ?? 0) + 1);
  const summary =
    counts.size === 1 && events.length === 1
      ? label(events[0])
      : counts.size === 1
        ? [...counts.keys()][0]
        : [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  return { summary, lines: events.map((e) => `${e.kind ?? '?'}/${e.eventName ?? '?'}: ${label(e)}`) };
}
const eventTypes = (o: StoredObject): string[] =>
  Object.keys((o.spec ?? {}) as Record<string, unknown>).filter((k) => !NOT_EVENT_TYPES.has(k));
const sensorList = (o: StoredObject, key: string): number => {
  const v = ((o.spec ?? {}) as Record<string, unknown>)[key];
  return Array.isArray(v) ? v.length : 0;
};

export function resourceKind(kind: string): ResourceKind | undefined {
  return RESOURCE_KINDS.find((r) => r.kind === kind);
}

/** The row of a kind the table is known to have (verb modules). */
export function kindRow(kind: KindName): ResourceKind {
  const r = resourceKind(kind);
  if (!r) throw new WeirError('UNKNOWN_KIND', `no server verbs for kind ${kind}`);
  return r;
}

/** `/api/v1/<kind path>[/ns][/name]`. */
export function resourcePath(r: ResourceKind, ns: string, name?: string): string {
  const base = r.clusterScoped ? r.path : `${r.path}/${encodeURIComponent(ns)}`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

/**
 * Where a manifest goes: its own metadata.namespace unless -n was given and differs (an error, as kubectl does);
 * the client's namespace when it names none.
 */
export function targetNamespace(objNs: unknown, flagNs: string | undefined, clientNs: string, what: string): string {
  if (typeof objNs !== 'string' || objNs === '') return clientNs;
  if (flagNs !== undefined && flagNs !== objNs) {
    throw new WeirError('INVALID_ARGUMENT', `${what} is for namespace ${objNs}, but -n ${flagNs} was given`);
  }
  return objNs;
}

export interface Manifest {
  object: Record<string, unknown>;
  /** file:line of the document, for messages. */
  where: string;
}

/**
 * Reads and lints manifest files/directories; lint errors and warnings are printed at file:line:column (on errors,
 * undefined is returned: exit 2)
 * (exit 2). `accept` reports documents the caller cannot take (message), located at their `kind`.
 */
export async function readManifests(
  paths: readonly string[],
  io: CliIo,
  accept: (kind: string) => string | undefined,
): Promise<Manifest[] | undefined> {
  const loaded = await loadFiles(paths.map((p) => resolve(io.cwd, p)));
  const rel = (f: string): string => (f.startsWith(io.cwd + '/') ? f.slice(io.cwd.length + 1) : f);
  const errors = printFindings((await lintManifests(loaded)).findings, io);
  const lines: string[] = [];
  for (const d of loaded.documents) {
    const why = accept(String(d.object.kind));
    if (why === undefined) continue;
    const at = d.locate(['kind']);
    lines.push(`${rel(at.file)}:${at.line}:${at.column}: error: ${why}`);
  }
  if (errors + lines.length > 0) {
    io.stderr(lines.map((l) => `${l}\n`).join(''));
    io.stderr(`weir: nothing sent: ${errors + lines.length} error(s) in the input\n`);
    return undefined;
  }
  if (loaded.documents.length === 0) throw new WeirError('INVALID_ARGUMENT', `no manifests found in ${paths.join(', ')}`);
  return loaded.documents.map((d) => {
    const at = d.locate([]);
    return { object: structuredClone(d.object), where: `${rel(at.file)}:${at.line}` };
  });
}
