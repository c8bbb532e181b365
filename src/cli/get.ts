// `weir get NAME|@latest`: one workflow as `argo get` shows it (summary and node tree), or the REST API's JSON/YAML
// unchanged with -o json|yaml.
import { CLIENT_HELP, clientFrom, needArgs, outputFormat, parseFlags } from './flags.js';
import { formatObjects, workflowDetails } from './format.js';
import type { Verb } from './io.js';
import { getWorkflow, resolveName } from './workflows.js';

const HELP = `Usage: weir get NAME|@latest... [-o json|yaml|wide|name]

Shows workflows with their node tree. @latest is the newest workflow in the namespace.
  -o, --output json|yaml|wide|name   json/yaml print the object exactly as the REST API returns it;
                                     wide adds node types and results to the tree

${CLIENT_HELP}`;

export const verb: Verb = async (args, io) => {
  const { values, positionals } = parseFlags(args, { output: { type: 'string', short: 'o' } });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  needArgs(positionals, 'weir get NAME|@latest...', 1, Infinity);
  const output = outputFormat(values.output, ['json', 'yaml', 'wide', 'name'] as const);
  const client = clientFrom(values, io);
  const colour = io.stdoutTTY === true && io.env.NO_COLOR === undefined;
  for (const [i, arg] of positionals.entries()) {
    const wf = await getWorkflow(client, client.namespace, await resolveName(client, client.namespace, arg));
    if (output === 'json' || output === 'yaml' || output === 'name') io.stdout(formatObjects(wf, output));
    else io.stdout(`${i > 0 ? '\n' : ''}${workflowDetails(wf, { now: Date.now(), wide: output === 'wide', colour })}`);
  }
  return 0;
};
