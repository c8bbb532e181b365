// `weir eventsource create|list|get|delete`: EventSources on a running server (see resource-verbs.ts);
// `weir eventsource logs NAME` prints an event source's log records from the server (component-logs.ts).
import { EVENT_SOURCE_LOGS, componentLogs } from './component-logs.js';
import type { Verb } from './io.js';
import { resourceVerb } from './resource-verbs.js';
import { kindRow } from './resources.js';

const crud = resourceVerb(kindRow('EventSource'));

export const verb: Verb = async (args, io) => {
  if (args[0] === 'logs') return componentLogs(EVENT_SOURCE_LOGS, args.slice(1), io);
  const code = await crud(args, io);
  if (args.includes('--help') || args.includes('-h') || args[0] === 'help')
    io.stdout(
      `  weir eventsource logs NAME [-f] [--tail N] [--since DUR] [--grep TEXT] [--event E] [-o json]\n      Log records of an event source the server runs (see weir eventsource logs --help).\n`,
    );
  return code;
};
