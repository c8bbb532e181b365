// `weir list`: workflows newest first with `argo list`'s columns (NAME STATUS AGE DURATION PRIORITY MESSAGE; wide adds
// P/R/C node counts and PARAMETERS; -A adds NAMESPACE). Label selectors go to the server; phase, age and prefix
// filters are applied while paging.
import type { WorkflowObject } from '../controller/types.js';
import { CLIENT_HELP, clientFrom, durationFlag, intFlag, outputFormat, parseFlags, usageError } from './flags.js';
import { age, formatObjects, span, statusText, table } from './format.js';
import type { Verb } from './io.js';
import { listWorkflows } from './workflows.js';
import type { WorkflowFilter } from './workflows.js';

const HELP = `Usage: weir list [flags]

Lists workflows, newest first.
      --status S[,S]       only these phases (Pending, Running, Succeeded, Failed, Error)
      --running            only unfinished workflows (Pending or Running)
      --completed          only finished workflows (Succeeded, Failed or Error)
  -l, --selector SEL       label selector, e.g. app=x,env!=prod
      --since DUR          only workflows created within DUR (e.g. 10m, 2h, 1d)
      --prefix P           only names starting with P
      --limit N            show at most N workflows
  -A, --all-namespaces     every namespace
      --no-headers         omit the header line
  -o, --output wide|json|yaml|name

${CLIENT_HELP}`;

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Error'];

export function phaseFilter(status: string | undefined, running: boolean, completed: boolean): Set<string> | undefined {
  if ([status !== undefined, running, completed].filter(Boolean).length > 1)
    throw usageError('use only one of --status, --running and --completed');
  if (running) return new Set(['Pending', 'Running']);
  if (completed) return new Set(['Succeeded', 'Failed', 'Error']);
  if (status === undefined) return undefined;
  const set = new Set<string>();
  for (const s of status
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')) {
    const p = PHASES.find((x) => x.toLowerCase() === s.toLowerCase());
    if (!p) throw usageError(`--status: unknown phase ${JSON.stringify(s)}; use ${PHASES.join(', ')}`);
    set.add(p);
  }
  return set;
}

function nodeCounts(wf: WorkflowObject): string {
  const pods = Object.values(wf.status?.nodes ?? {}).filter((n) => n.type === 'Pod');
  const pending = pods.filter((n) => n.phase === 'Pending').length;
  const running = pods.filter((n) => n.phase === 'Running').length;
  return `${pending}/${running}/${pods.length - pending - running}`;
}

export const verb: Verb = async (args, io) => {
  const { values } = parseFlags(args, {
    status: { type: 'string' },
    running: { type: 'boolean' },
    completed: { type: 'boolean' },
    selector: { type: 'string', short: 'l' },
    since: { type: 'string' },
    prefix: { type: 'string' },
    limit: { type: 'string' },
    'all-namespaces': { type: 'boolean', short: 'A' },
    'no-headers': { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const output = outputFormat(values.output, ['wide', 'json', 'yaml', 'name'] as const);
  const since = durationFlag(values.since, '--since');
  const now = Date.now();
  const filter: WorkflowFilter = {
    phases: phaseFilter(values.status, values.running === true, values.completed === true),
    ...(since !== undefined ? { createdAfter: now - since } : {}),
    ...(values.prefix !== undefined ? { prefix: values.prefix } : {}),
  };
  const client = clientFrom(values, io);
  const all = values['all-namespaces'] === true;
  const wfs = await listWorkflows(client, {
    namespace: all ? undefined : client.namespace,
    labelSelector: values.selector,
    filter,
    limit: intFlag(values.limit, '--limit'),
  });
  if (output === 'json' || output === 'yaml' || output === 'name') {
    io.stdout(formatObjects(wfs, output));
    return 0;
  }
  if (wfs.length === 0) {
    io.stderr(`No workflows found${all ? '' : ` in namespace ${client.namespace}`}.\n`);
    return 0;
  }
  const wide = output === 'wide';
  const headers = [
    ...(all ? ['NAMESPACE'] : []),
    'NAME',
    'STATUS',
    'AGE',
    'DURATION',
    'PRIORITY',
    'MESSAGE',
    ...(wide ? ['P/R/C', 'PARAMETERS'] : []),
  ];
  const rows = wfs.map((wf) => [
    ...(all ? [wf.metadata.namespace ?? ''] : []),
    wf.metadata.name,
    statusText(wf),
    age(wf.metadata.creationTimestamp, now),
    span(wf.status?.startedAt, wf.status?.finishedAt, now),
    String(wf.spec?.priority ?? 0),
    wf.status?.message ?? '',
    ...(wide ? [nodeCounts(wf), (wf.spec?.arguments?.parameters ?? []).map((p) => `${p.name}=${p.value ?? ''}`).join(',')] : []),
  ]);
  io.stdout(table(headers, rows, values['no-headers'] === true));
  return 0;
};
