// `weir sensor test SENSOR.yaml --events EVENTS.jsonl [-o json]` replays CloudEvents offline through the same pure
// evaluate() the server runs (printing each decision and the action each trigger would take, with resolved
// parameters); `weir sensor history NAME [--events] [-o json]` prints the recorded decisions (or the recorded events,
// as JSONL that `sensor test --events` reads back) from the server (GET /api/v1/sensors/{ns}/{name}/history).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatPath } from '../api/findings.js';
import { lintLoaded } from '../api/lint.js';
import { loadFiles } from '../api/loader.js';
import type { Sensor } from '../api/sensor.js';
import { toManifestOf } from '../api/objects.js';
import type { CloudEvent } from '../core/cloudevent.js';
import { WeirError, errorMessage } from '../core/errors.js';
import { emptySensorState } from '../sensor-host/decisions.js';
import type { Decision } from '../sensor-host/decisions.js';
import { evaluate, prepareSensor } from '../sensor-host/evaluate.js';
import type { StoreMode } from '../sensor-host/evaluate.js';
import type { HistoryRecord, SensorHistory } from '../sensor-host/history.js';
import { findingLine } from './findings-out.js';
import { CLIENT_HELP, clientFrom, needArgs, outputFormat, parseFlags } from './flags.js';
import type { CliIo } from './io.js';
import { parseJsonLossless } from '../core/json-lossless.js';

export const SENSOR_TOOLS_HELP = `  weir sensor test SENSOR.yaml --events EVENTS.jsonl [--store kubernetes] [-o json]
      Replays events (one CloudEvent per line, or {eventSourceName, eventName, data}) through the sensor offline.
  weir sensor history NAME [--events] [-o json]
      Recorded decisions of a sensor from the server (newest last); --events prints the recorded events as JSONL
      for sensor test.
`;

/** Reads the JSONL event file: CloudEvents, or bare {eventSourceName, eventName, data} lines (ids line-N). */
export function parseEventLines(text: string, file: string): { event: CloudEvent; now: Date }[] {
  const out: { event: CloudEvent; now: Date }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return;
    let o: Record<string, unknown>;
    try {
      o = parseJsonLossless(line) as Record<string, unknown>;
    } catch (e) {
      throw new WeirError('PARSE_ERROR', `${file}:${i + 1}: not JSON: ${errorMessage(e)}`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o))
      throw new WeirError('PARSE_ERROR', `${file}:${i + 1}: expected a JSON object`);
    const source = typeof o.source === 'string' ? o.source : o.eventSourceName;
    const subject = typeof o.subject === 'string' ? o.subject : o.eventName;
    if (typeof source !== 'string' || typeof subject !== 'string') {
      throw new WeirError('INVALID_ARGUMENT', `${file}:${i + 1}: an event needs source and subject (or eventSourceName and eventName)`);
    }
    const time = typeof o.time === 'string' ? o.time : new Date().toISOString();
    const event: CloudEvent = {
      specversion: '1.0',
      id: typeof o.id === 'string' ? o.id : `line-${i + 1}`,
      source,
      subject,
      type: typeof o.type === 'string' ? o.type : 'webhook',
      time,
      datacontenttype: typeof o.datacontenttype === 'string' ? o.datacontenttype : 'application/json',
      data: o.data,
    };
    const received = typeof o.weirreceivedat === 'string' ? o.weirreceivedat : time;
    out.push({ event, now: new Date(received) });
  });
  return out;
}

/** Evaluates the events in order, carrying state as the server would when every trigger succeeds. */
export function replay(
  sensor: Sensor,
  events: readonly { event: CloudEvent; now: Date }[],
  store: StoreMode = 'embedded',
): { event: CloudEvent; decisions: Decision[] }[] {
  let state = emptySensorState();
  return events.map(({ event, now }) => {
    const r = evaluate(sensor, event, state, { now, store });
    state = r.state;
    return { event, decisions: r.decisions };
  });
}

function describe(d: Decision | HistoryRecord): string {
  switch (d.type) {
    case 'ignored':
      return `ignored: ${d.reason}`;
    case 'matched':
      return `matched dependency ${d.dependency}`;
    case 'filtered-out':
      return `filtered out of ${d.dependency} by ${d.filter}${d.error ? ' (error)' : ''}: ${d.reason}`;
    case 'reset':
      return `trigger ${d.trigger}: conditions reset, dropped ${d.dropped.join(', ')}`;
    case 'waiting':
      return `trigger ${d.trigger}: waiting for ${d.waitingFor.join(', ') || '(conditions)'} (have ${d.satisfied.join(', ')})`;
    case 'triggered':
      return `trigger ${d.trigger}: TRIGGERED (key ${d.key}): ${d.plan.summary}`;
    case 'deduplicated':
      return `trigger ${d.trigger}: deduplicated${d.key ? ` (key ${d.key})` : ''}: ${d.reason}`;
    case 'failed':
      return `trigger ${d.trigger}: FAILED: ${d.error}${d.retry ? ' (will retry)' : ''}`;
    case 'dead-lettered':
      return `trigger ${d.trigger}: dead-lettered after: ${d.error}`;
    case 'done':
      return `trigger ${d.trigger}: done${d.detail ? ` ${JSON.stringify(d.detail)}` : ''}`;
  }
}

const indent = (s: string, n: number): string =>
  s
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');

async function loadSensor(file: string, io: CliIo): Promise<Sensor> {
  const loaded = await loadFiles([file]);
  const findings = lintLoaded(loaded).findings;
  for (const f of findings) if (f.severity === 'warning') io.stderr(`${findingLine(f, io.cwd)}\n`);
  const errors = findings.filter((f) => f.severity === 'error');
  if (errors.length > 0) {
    const first = errors[0];
    throw new WeirError(
      'INVALID_SPEC',
      `${first.file}:${first.line}:${first.column}: ${first.message}${first.path.length > 0 ? ` (${formatPath(first.path)})` : ''}${errors.length > 1 ? ` (and ${errors.length - 1} more; run weir lint)` : ''}`,
    );
  }
  const doc = loaded.documents.find((d) => d.object.kind === 'Sensor');
  if (!doc) throw new WeirError('INVALID_ARGUMENT', `${file} holds no Sensor`);
  const s = toManifestOf('Sensor', structuredClone(doc.object), `${file}: `);
  s.metadata.namespace ??= 'default';
  return s;
}

const TEST_HELP = `Usage: weir sensor test SENSOR.yaml --events EVENTS.jsonl [--store kubernetes] [-o json]

Replays events through the sensor offline, with the same evaluation the server runs, and prints each decision and
the action each trigger would take (with resolved parameters). Nothing is sent to a server.
      --events FILE       one event per line: a CloudEvent, or {eventSourceName, eventName, data}
                          (weir sensor history NAME --events prints recorded events in this form)
      --store MODE        embedded (default): as weir server with its embedded store, where k8s triggers only
                          create Argo's kinds, ConfigMaps and Secrets; kubernetes: as weir server --store kubernetes,
                          where k8s triggers create, update, patch or delete any kind (whether the API server serves
                          the kind and the service account may is known only when the server runs the trigger)
  -o, --output json       the decisions as JSON, one per line
`;

export async function sensorTest(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      events: { type: 'string' },
      store: { type: 'string' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(TEST_HELP);
    return 0;
  }
  if (positionals.length !== 1 || values.events === undefined)
    throw new WeirError('INVALID_ARGUMENT', 'usage: weir sensor test SENSOR.yaml --events EVENTS.jsonl [--store kubernetes] [-o json]');
  const store = values.store ?? 'embedded';
  if (store !== 'embedded' && store !== 'kubernetes')
    throw new WeirError('INVALID_ARGUMENT', `unknown --store ${JSON.stringify(store)}; use embedded or kubernetes`);
  if (values.output !== undefined && values.output !== 'json')
    throw new WeirError('INVALID_ARGUMENT', `unknown output format ${JSON.stringify(values.output)}; use json`);
  const sensor = await loadSensor(resolve(io.cwd, positionals[0]), io);
  const file = resolve(io.cwd, values.events);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new WeirError('IO_ERROR', `cannot read ${values.events}: ${errorMessage(e)}`, { cause: e });
  }
  await prepareSensor(sensor);
  const results = replay(sensor, parseEventLines(text, values.events), store);
  if (values.output === 'json') {
    for (const r of results) for (const d of r.decisions) io.stdout(JSON.stringify({ ...d, stage: 'evaluate' }) + '\n');
    return 0;
  }
  let fired = 0;
  for (const r of results) {
    io.stdout(`event ${r.event.id} (${r.event.source}/${r.event.subject}):\n`);
    for (const d of r.decisions) {
      io.stdout(`  ${describe(d)}\n`);
      if (d.type === 'triggered') {
        fired++;
        io.stdout(indent(JSON.stringify(d.plan.action, null, 2), 6) + '\n');
      }
    }
  }
  io.stdout(`${results.length} event(s), ${fired} trigger firing(s)\n`);
  return 0;
}

const HISTORY_HELP = `Usage: weir sensor history NAME [--events] [-o json]

Prints the decisions the server recorded for a sensor (oldest first) and its counters, read through the API.
      --events            the recorded events instead, as JSONL that weir sensor test --events reads back
  -o, --output json       the decisions as JSON, one per line

${CLIENT_HELP}`;

export async function sensorHistory(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { events: { type: 'boolean' }, output: { type: 'string', short: 'o' } });
  if (values.help) {
    io.stdout(HISTORY_HELP);
    return 0;
  }
  needArgs(positionals, 'weir sensor history NAME [--events] [-o json]', 1);
  outputFormat(values.output, ['json'] as const);
  const client = clientFrom(values, io);
  const ns = client.namespace;
  const name = positionals[0];
  const h = await client.get<SensorHistory>(`/api/v1/sensors/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/history`);
  if (values.events) {
    for (const e of h.events) io.stdout(JSON.stringify(e) + '\n');
  } else if (values.output === 'json') {
    for (const d of h.decisions) io.stdout(JSON.stringify(d) + '\n');
  } else {
    if (h.decisions.length === 0) io.stderr(`No decisions recorded for sensor ${ns}/${name}.\n`);
    for (const d of h.decisions) io.stdout(`${d.at} ${d.eventId} ${d.stage === 'execute' ? '[exec] ' : ''}${describe(d)}\n`);
    const s = h.status;
    io.stdout(
      `events: ${s.events}, errors: ${s.errors}${s.lastEventTime ? `, last event ${s.lastEventTime}` : ''}${s.lastError ? `, last error: ${s.lastError}` : ''}\n`,
    );
  }
  return 0;
}
