// `weir delete NAME...|@latest | --all | --completed | --older DUR | -l SEL`: deletes workflows (running steps are
// killed by the server), printing `Workflow 'NAME' deleted` per workflow as `argo delete` does.
import { isWeirError } from '../core/errors.js';
import { CLIENT_HELP, clientFrom, durationFlag, parseFlags, usageError } from './flags.js';
import type { Verb } from './io.js';
import { phaseFilter } from './list.js';
import { listWorkflows, resolveName, wfPath } from './workflows.js';
import type { WorkflowFilter } from './workflows.js';

const HELP = `Usage: weir delete NAME|@latest... [flags]
       weir delete --all | --completed | --older DUR | -l SEL [flags]

Deletes workflows; steps still running are stopped.
      --all               every workflow in the namespace
      --completed         finished workflows (Succeeded, Failed, Error)
      --older DUR         finished workflows that finished more than DUR ago (e.g. 1h, 7d)
      --status S[,S]      only these phases
  -l, --selector SEL      only workflows matching the label selector
      --prefix P          only names starting with P
      --dry-run           print what would be deleted

${CLIENT_HELP}`;

export const verb: Verb = async (args, io) => {
  const { values, positionals } = parseFlags(args, {
    all: { type: 'boolean' },
    completed: { type: 'boolean' },
    older: { type: 'string' },
    status: { type: 'string' },
    selector: { type: 'string', short: 'l' },
    prefix: { type: 'string' },
    'dry-run': { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const older = durationFlag(values.older, '--older');
  const bulk =
    values.all === true ||
    values.completed === true ||
    older !== undefined ||
    values.selector !== undefined ||
    values.status !== undefined ||
    values.prefix !== undefined;
  if (bulk && positionals.length > 0)
    throw usageError('give workflow names or selection flags (--all, --completed, --older, -l, --status, --prefix), not both');
  if (!bulk && positionals.length === 0)
    throw usageError('delete needs workflow names or --all, --completed, --older DUR or -l SEL; run `weir delete --help`');
  const client = clientFrom(values, io);
  const ns = client.namespace;
  let names: string[];
  if (bulk) {
    const filter: WorkflowFilter = {
      phases: phaseFilter(values.status, false, values.completed === true),
      ...(older !== undefined ? { finishedBefore: Date.now() - older } : {}),
      ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
    };
    names = (await listWorkflows(client, { namespace: ns, labelSelector: values.selector, filter })).map((w) => w.metadata.name);
  } else {
    names = [];
    for (const p of positionals) names.push(await resolveName(client, ns, p));
  }
  let failed = 0;
  for (const name of names) {
    if (values['dry-run']) {
      io.stdout(`Workflow '${name}' deleted (dry run)\n`);
      continue;
    }
    try {
      await client.json('DELETE', wfPath(ns, name));
      io.stdout(`Workflow '${name}' deleted\n`);
    } catch (e) {
      if (!isWeirError(e) || e.code !== 'NOT_FOUND' || (!bulk && names.length === 1)) throw e;
      io.stderr(`weir: ${e.message}\n`);
      failed++;
    }
  }
  return failed > 0 ? 1 : 0;
};
