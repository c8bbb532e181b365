// `weir eventsource logs NAME` and `weir sensor logs NAME`: recent (and with -f, new) log records of an event source
// or sensor from the server's NDJSON streams (argo-server's /api/v1/stream/{event-sources,sensors}/{ns}/logs),
// printed as `TIME LEVEL [EVENT|TRIGGER] MESSAGE`, or with -o json the result objects one per line.
import { CLIENT_HELP, clientFrom, durationFlag, intFlag, needArgs, outputFormat, parseFlags, usageError } from './flags.js';
import type { CliIo } from './io.js';

interface Target {
  /** `eventsource` or `sensor`. */
  noun: string;
  path: string;
  /** The flag narrowing the stream (event name or trigger name), its query parameter and entry field. */
  narrow: { flag: 'event' | 'trigger'; param: string; field: string; help: string };
}

export const EVENT_SOURCE_LOGS: Target = {
  noun: 'eventsource',
  path: 'event-sources',
  narrow: { flag: 'event', param: 'eventName', field: 'eventName', help: 'only records of this event (a key under the kind in the spec)' },
};

export const SENSOR_LOGS: Target = {
  noun: 'sensor',
  path: 'sensors',
  narrow: { flag: 'trigger', param: 'triggerName', field: 'triggerName', help: 'only records of this trigger' },
};

export function logsHelp(t: Target): string {
  return `Usage: weir ${t.noun} logs NAME [flags]

Prints the recent log records of ${t.noun === 'sensor' ? 'a sensor' : 'an event source'} the server runs (the last 1,000 it kept), one per line:
TIME LEVEL [${t.narrow.flag === 'event' ? 'EVENT' : 'TRIGGER'}] MESSAGE.
  -f, --follow          keep printing new records until interrupted (Ctrl-C)
      --tail N          only the last N records
      --since DUR       only records newer than DUR (e.g. 10s, 5m)
      --grep TEXT       only records whose message contains TEXT (plain text, not a pattern)
      --${t.narrow.flag} NAME${' '.repeat(Math.max(1, 13 - t.narrow.flag.length))}${t.narrow.help}
  -o, --output json     the API's result objects, one JSON object per line

${CLIENT_HELP}`;
}

export interface LogResult {
  time?: string;
  level?: string;
  msg?: string;
  eventName?: string;
  triggerName?: string;
}

/** One record as a line of text. */
export function formatLogLine(r: LogResult, field: 'eventName' | 'triggerName'): string {
  const tag = r[field];
  return `${r.time ?? ''} ${(r.level ?? '').padEnd(5)} ${tag ? `[${tag}] ` : ''}${r.msg ?? ''}\n`;
}

export async function componentLogs(t: Target, args: readonly string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    follow: { type: 'boolean', short: 'f' },
    tail: { type: 'string' },
    since: { type: 'string' },
    grep: { type: 'string' },
    output: { type: 'string', short: 'o' },
    [t.narrow.flag]: { type: 'string' },
  });
  if (values.help) {
    io.stdout(logsHelp(t));
    return 0;
  }
  needArgs(positionals, `weir ${t.noun} logs NAME`, 1);
  const name = positionals[0];
  if (name === '') throw usageError(`weir ${t.noun} logs needs a non-empty NAME`);
  const tail = values.tail === '0' ? 0 : intFlag(values.tail, '--tail');
  const since = durationFlag(values.since, '--since');
  const output = outputFormat(values.output, ['json', 'text'] as const);
  const narrow = (values as Record<string, unknown>)[t.narrow.flag];
  const client = clientFrom(values, io, signal);
  const query = {
    name,
    [t.narrow.param]: typeof narrow === 'string' ? narrow : undefined,
    grep: values.grep,
    'podLogOptions.follow': values.follow === true ? true : undefined,
    'podLogOptions.tailLines': tail,
    'podLogOptions.sinceSeconds': since === undefined ? undefined : Math.ceil(since / 1000),
  };
  const field = t.narrow.field as 'eventName' | 'triggerName';
  for await (const r of client.stream<LogResult>(`/api/v1/stream/${t.path}/${encodeURIComponent(client.namespace)}/logs`, query, signal)) {
    io.stdout(output === 'json' ? `${JSON.stringify(r)}\n` : formatLogLine(r ?? {}, field));
  }
  return 0;
}
