// The manual workflow operations as verbs (suspend, resume, stop, terminate, retry, resubmit): one table row per
// operation naming its PUT path, extra flags and how the request body is built; each verb file is a one-line
// `opVerb(...)`. retry/resubmit print the resulting workflow and can --wait/--watch it, as `argo retry` does.
import type { WorkflowObject } from '../controller/types.js';
import { CLIENT_HELP, clientFrom, needArgs, outputFormat, parameters, parseFlags, usageError } from './flags.js';
import { formatObjects, workflowDetails } from './format.js';
import type { Verb } from './io.js';
import { refOf, resolveName, waitOrWatch, wfPath } from './workflows.js';
import type { WorkflowRef } from './workflows.js';

interface OpValues {
  'node-field-selector'?: string;
  message?: string;
  'restart-successful'?: boolean;
  memoized?: boolean;
  parameter?: string[];
  'parameter-file'?: string;
}

interface OpDef {
  /** Path suffix and verb name. */
  op: 'suspend' | 'resume' | 'stop' | 'terminate' | 'retry' | 'resubmit';
  summary: string;
  /** Past tense for the confirmation line (ops that do not print the workflow). */
  done?: string;
  flags: readonly ('node-field-selector' | 'message' | 'restart-successful' | 'memoized' | 'parameters' | 'follow')[];
}

const FLAG_HELP: Record<OpDef['flags'][number], string> = {
  'node-field-selector': '      --node-field-selector SEL  only nodes matching, e.g. displayName=approve or templateName=x',
  message: '      --message TEXT             with --node-field-selector: message recorded on the failed nodes',
  'restart-successful': '      --restart-successful       also run again the succeeded nodes matched by --node-field-selector',
  memoized: '      --memoized                 reuse the outputs of succeeded steps',
  parameters:
    '  -p, --parameter NAME=VALUE     override a workflow argument (repeatable)\n  -f, --parameter-file F         YAML or JSON map of workflow arguments',
  follow:
    '      --wait | --watch           follow the workflow until it finishes (exit 1 unless Succeeded)\n  -o, --output name|json|yaml|wide',
};

function body(def: OpDef, ns: string, name: string, v: OpValues, params: string[]): Record<string, unknown> {
  const b: Record<string, unknown> = { namespace: ns, name };
  if (v['node-field-selector'] !== undefined) b.nodeFieldSelector = v['node-field-selector'];
  if (v.message !== undefined) b.message = v.message;
  if (def.op === 'retry') b.restartSuccessful = v['restart-successful'] === true;
  if (def.op === 'resubmit') b.memoized = v.memoized === true;
  if (params.length > 0) b.parameters = params;
  return b;
}

export function opVerb(def: OpDef): Verb {
  const help = `Usage: weir ${def.op} NAME|@latest... [flags]\n\n${def.summary}\n${def.flags.map((f) => `${FLAG_HELP[f]}\n`).join('')}\n${CLIENT_HELP}`;
  return async (args, io) => {
    const { values, positionals } = parseFlags(args, {
      'node-field-selector': { type: 'string' },
      message: { type: 'string' },
      'restart-successful': { type: 'boolean' },
      memoized: { type: 'boolean' },
      parameter: { type: 'string', short: 'p', multiple: true },
      'parameter-file': { type: 'string', short: 'f' },
      wait: { type: 'boolean' },
      watch: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    });
    if (values.help) {
      io.stdout(help);
      return 0;
    }
    const allowed = new Set<string>(
      def.flags.flatMap((f) => (f === 'parameters' ? ['parameter', 'parameter-file'] : f === 'follow' ? ['wait', 'watch', 'output'] : [f])),
    );
    for (const k of Object.keys(values)) {
      if (!allowed.has(k) && !['server', 'token', 'namespace', 'help'].includes(k))
        throw usageError(`weir ${def.op} has no flag --${k}; run \`weir ${def.op} --help\``);
    }
    needArgs(positionals, `weir ${def.op} NAME|@latest...`, 1, Infinity);
    if (values.wait && values.watch) throw usageError('--wait cannot be combined with --watch');
    if (values.watch && positionals.length > 1) throw usageError('--watch follows one workflow');
    if (def.op === 'retry' && values['restart-successful'] && values['node-field-selector'] === undefined) {
      throw usageError('--restart-successful needs --node-field-selector');
    }
    const output = outputFormat(values.output, ['name', 'json', 'yaml', 'wide'] as const);
    const params = await parameters(values, io);
    const client = clientFrom(values, io);
    const ns = client.namespace;
    const refs: WorkflowRef[] = [];
    for (const p of positionals) {
      const name = await resolveName(client, ns, p);
      const wf = await client.json<WorkflowObject>('PUT', `${wfPath(ns, name)}/${def.op}`, { body: body(def, ns, name, values, params) });
      refs.push(refOf(wf, ns));
      if (def.done !== undefined) io.stdout(`workflow ${name} ${def.done}\n`);
      else if (output === 'json' || output === 'yaml' || output === 'name') io.stdout(formatObjects(wf, output));
      else if (!values.watch) io.stdout(workflowDetails(wf, { now: Date.now(), wide: output === 'wide', colour: false }));
    }
    return waitOrWatch(client, io, refs, values.wait ? 'wait' : values.watch ? 'watch' : undefined);
  };
}

export const OPS = {
  suspend: { op: 'suspend', summary: 'Holds workflows before their next step (running steps finish).', done: 'suspended', flags: [] },
  resume: {
    op: 'resume',
    summary: 'Resumes suspended workflows (or only the suspend nodes matched).',
    done: 'resumed',
    flags: ['node-field-selector'],
  },
  stop: {
    op: 'stop',
    summary: 'Stops workflows: running steps are killed, exit handlers still run.',
    done: 'stopped',
    flags: ['node-field-selector', 'message'],
  },
  terminate: {
    op: 'terminate',
    summary: 'Terminates workflows immediately: running steps are killed and exit handlers skipped.',
    done: 'terminated',
    flags: [],
  },
  retry: {
    op: 'retry',
    summary: 'Runs the failed parts of finished workflows again, keeping what succeeded.',
    flags: ['restart-successful', 'node-field-selector', 'parameters', 'follow'],
  },
  resubmit: {
    op: 'resubmit',
    summary: 'Submits a new workflow with the spec of an existing one.',
    flags: ['memoized', 'parameters', 'follow'],
  },
} as const satisfies Record<string, OpDef>;
