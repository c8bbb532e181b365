// `weir wait NAME|@latest...`: blocks until the workflows finish and prints `NAME PHASE at TIME` for each, as
// `argo wait` does. Exit 0 only when every one Succeeded.
import { CLIENT_HELP, clientFrom, needArgs, parseFlags } from './flags.js';
import type { Verb } from './io.js';
import { resolveName, waitOrWatch } from './workflows.js';

const HELP = `Usage: weir wait NAME|@latest...

Waits for workflows to finish. Exit status: 0 when all Succeeded, 1 otherwise.

${CLIENT_HELP}`;

export const verb: Verb = async (args, io) => {
  const { values, positionals } = parseFlags(args, {});
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  needArgs(positionals, 'weir wait NAME|@latest...', 1, Infinity);
  const client = clientFrom(values, io);
  const refs = [];
  for (const p of positionals) refs.push({ namespace: client.namespace, name: await resolveName(client, client.namespace, p) });
  return waitOrWatch(client, io, refs, 'wait');
};
