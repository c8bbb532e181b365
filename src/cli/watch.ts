// `weir watch NAME|@latest`: the workflow's node tree, live, until it finishes (redrawn in place on a terminal,
// one line per node phase change otherwise), then its summary. Exit 0 when it Succeeded.
import { CLIENT_HELP, clientFrom, needArgs, parseFlags } from './flags.js';
import type { Verb } from './io.js';
import { resolveName, watchWorkflow } from './workflows.js';

const HELP = `Usage: weir watch NAME|@latest

Shows a workflow's node tree as it runs, until it finishes. Exit status: 0 when it Succeeded, 1 otherwise.

${CLIENT_HELP}`;

export const verb: Verb = async (args, io) => {
  const { values, positionals } = parseFlags(args, {});
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  needArgs(positionals, 'weir watch NAME|@latest', 1);
  const client = clientFrom(values, io);
  return watchWorkflow(client, io, client.namespace, await resolveName(client, client.namespace, positionals[0]));
};
