// `weir logs NAME|@latest [NODE]`: step output of a workflow from the server's NDJSON log stream, each line prefixed
// with its pod name as `argo logs` does. NODE may be a pod name, node id, node name or display name.
import type { NodeStatus } from '../controller/types.js';
import { WeirError } from '../core/errors.js';
import { CLIENT_HELP, clientFrom, durationFlag, intFlag, needArgs, parseFlags } from './flags.js';
import type { Verb } from './io.js';
import { getWorkflow, resolveName, wfPath } from './workflows.js';

const HELP = `Usage: weir logs NAME|@latest [NODE] [flags]

Prints the output of a workflow's steps, each line prefixed with its pod name.
  -f, --follow          keep streaming until the workflow finishes
      --since DUR       only lines newer than DUR (e.g. 5m)
      --tail N          only the last N lines of each step
      --grep TEXT       only lines containing TEXT
      --timestamps      prefix each line with its time
      --no-color        never colour the pod names

${CLIENT_HELP}`;

const COLOURS = ['36', '33', '35', '32', '34', '31'];
const podOf = (n: NodeStatus): string => n.podName ?? n.id;

export const verb: Verb = async (args, io) => {
  const { values, positionals } = parseFlags(args, {
    follow: { type: 'boolean', short: 'f' },
    since: { type: 'string' },
    tail: { type: 'string' },
    grep: { type: 'string' },
    timestamps: { type: 'boolean' },
    'no-color': { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  needArgs(positionals, 'weir logs NAME|@latest [NODE]', 1, 2);
  const since = durationFlag(values.since, '--since');
  const tail = intFlag(values.tail, '--tail');
  const client = clientFrom(values, io);
  const ns = client.namespace;
  const name = await resolveName(client, ns, positionals[0]);
  let podName: string | undefined;
  if (positionals[1] !== undefined) {
    const want = positionals[1];
    const wf = await getWorkflow(client, ns, name);
    const pods = Object.values(wf.status?.nodes ?? {}).filter((n) => n.type === 'Pod');
    const hits = pods.filter((n) => podOf(n) === want || n.id === want || n.name === want);
    const byDisplay = hits.length > 0 ? hits : pods.filter((n) => n.displayName === want);
    if (byDisplay.length === 1) podName = podOf(byDisplay[0]);
    else if (byDisplay.length > 1) {
      throw new WeirError(
        'INVALID_ARGUMENT',
        `${JSON.stringify(want)} names ${byDisplay.length} steps; use one of the pod names: ${byDisplay.map(podOf).join(', ')}`,
      );
    } else if (values.follow) podName = want;
    else throw new WeirError('NOT_FOUND', `workflow ${name} has no step ${JSON.stringify(want)}`);
  }
  const colour = io.stdoutTTY === true && values['no-color'] !== true && io.env.NO_COLOR === undefined;
  const colourOf = new Map<string, string>();
  const prefix = (pod: string): string => {
    if (!colour) return `${pod}: `;
    let c = colourOf.get(pod);
    if (c === undefined) colourOf.set(pod, (c = COLOURS[colourOf.size % COLOURS.length]));
    return `\x1b[${c}m${pod}\x1b[0m: `;
  };
  const query = {
    podName,
    'logOptions.container': 'main',
    'logOptions.follow': values.follow === true ? true : undefined,
    'logOptions.sinceSeconds': since === undefined ? undefined : Math.ceil(since / 1000),
    'logOptions.tailLines': tail,
    'logOptions.timestamps': values.timestamps === true ? true : undefined,
    grep: values.grep,
  };
  for await (const entry of client.stream<{ content?: string; podName?: string }>(`${wfPath(ns, name)}/log`, query)) {
    io.stdout(`${prefix(entry?.podName ?? '')}${entry?.content ?? ''}\n`);
  }
  return 0;
};
