// `weir submit FILE... | --from KIND/NAME`: creates Workflows on a running server, like `argo submit`. Files are read
// and linted locally (errors at file:line, exit 2) and the submit options applied before POSTing each Workflow;
// `--from workflowtemplate/NAME|clusterworkflowtemplate/NAME|cronwf/NAME` asks the server to build the Workflow
// (POST .../submit), as argo-server does. --wait / --watch follow the workflows to the end (exit 1 unless Succeeded).
import { findKind } from '../api/kinds.js';
import { overrideParameters } from '../controller/manual-ops.js';
import type { WorkflowObject } from '../api/workflow-status.js';
import type { Workflow } from '../api/workflow.js';
import { toManifestOf } from '../api/objects.js';
import type { WeirClient } from './client.js';
import { CLIENT_HELP, clientFrom, labelPairs, outputFormat, parameters, parseFlags, usageError } from './flags.js';
import { formatObjects, workflowDetails } from './format.js';
import type { Verb } from './io.js';
import { readManifests, targetNamespace } from './resources.js';
import { refOf, waitOrWatch, wfPath } from './workflows.js';

const HELP = `Usage: weir submit FILE... [flags]
       weir submit --from KIND/NAME [flags]     (KIND: workflowtemplate, clusterworkflowtemplate, cronwf)

Creates workflows on a running Weir server.
  -p, --parameter NAME=VALUE   set a workflow argument (repeatable)
  -f, --parameter-file F       YAML or JSON map of workflow arguments (-p wins)
      --entrypoint T           template to start with
      --generate-name PREFIX   name the workflow PREFIX + random suffix
      --name NAME              name the workflow exactly
  -l, --labels K=V[,K=V]       add labels (repeatable)
      --from KIND/NAME         submit from a WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow
      --server-dry-run         validate on the server and print the result without creating (needs -o)
      --wait                   wait until the workflows finish; exit 1 unless all Succeeded
      --watch                  show the live node tree until the workflow finishes (one workflow)
  -o, --output name|json|yaml|wide

${CLIENT_HELP}`;

const FORMATS = ['name', 'json', 'yaml', 'wide'] as const;
const FROM_KINDS = new Set(['WorkflowTemplate', 'ClusterWorkflowTemplate', 'CronWorkflow']);

interface SubmitOpts {
  params: string[];
  entrypoint?: string;
  generateName?: string;
  name?: string;
  labels: Record<string, string>;
  dryRun: boolean;
}

/** Applies the submit options to a Workflow read from a file (as Argo's client does before creating it). */
export function applySubmitOptions(wf: Workflow, o: SubmitOpts): void {
  delete wf.status;
  wf.spec ??= {} as WorkflowObject['spec'];
  overrideParameters(wf.spec, o.params);
  if (o.entrypoint) wf.spec.entrypoint = o.entrypoint;
  const meta = wf.metadata;
  if (o.generateName) {
    meta.generateName = o.generateName;
    delete (meta as { name?: string }).name;
  }
  if (o.name) meta.name = o.name;
  if (Object.keys(o.labels).length > 0) meta.labels = { ...meta.labels, ...o.labels };
}

async function submitFrom(client: WeirClient, ns: string, from: string, o: SubmitOpts): Promise<WorkflowObject> {
  const i = from.indexOf('/');
  const info = i > 0 ? findKind(from.slice(0, i)) : undefined;
  const name = from.slice(i + 1);
  if (i <= 0 || name === '' || !info || !FROM_KINDS.has(info.kind)) {
    throw usageError(`--from expects KIND/NAME with KIND workflowtemplate, clusterworkflowtemplate or cronwf, got ${JSON.stringify(from)}`);
  }
  const labels = Object.entries(o.labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return client.json<WorkflowObject>('POST', `${wfPath(ns)}/submit`, {
    body: {
      namespace: ns,
      resourceKind: info.kind,
      resourceName: name,
      submitOptions: {
        ...(o.params.length > 0 ? { parameters: o.params } : {}),
        ...(o.entrypoint ? { entrypoint: o.entrypoint } : {}),
        ...(o.generateName ? { generateName: o.generateName } : {}),
        ...(o.name ? { name: o.name } : {}),
        ...(labels ? { labels } : {}),
        ...(o.dryRun ? { serverDryRun: true } : {}),
      },
    },
  });
}

export const verb: Verb = async (args, io) => {
  const { values, positionals } = parseFlags(args, {
    parameter: { type: 'string', short: 'p', multiple: true },
    'parameter-file': { type: 'string', short: 'f' },
    entrypoint: { type: 'string' },
    'generate-name': { type: 'string' },
    name: { type: 'string' },
    labels: { type: 'string', short: 'l', multiple: true },
    from: { type: 'string' },
    'server-dry-run': { type: 'boolean' },
    wait: { type: 'boolean' },
    watch: { type: 'boolean' },
    output: { type: 'string', short: 'o' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const output = outputFormat(values.output, FORMATS);
  const dryRun = values['server-dry-run'] === true;
  if (values.wait && values.watch) throw usageError('--wait cannot be combined with --watch');
  if (dryRun && (values.wait || values.watch)) throw usageError('--server-dry-run cannot be combined with --wait or --watch');
  if (dryRun && output === undefined) throw usageError('--server-dry-run needs an output format (-o json, yaml or name)');
  if (values.from !== undefined && positionals.length > 0) throw usageError('give either files or --from, not both');
  if (values.from === undefined && positionals.length === 0)
    throw usageError('submit needs a manifest file or --from KIND/NAME; run `weir submit --help`');
  const opts: SubmitOpts = {
    params: await parameters(values, io),
    entrypoint: values.entrypoint,
    generateName: values['generate-name'],
    name: values.name,
    labels: labelPairs(values.labels),
    dryRun,
  };
  const client = clientFrom(values, io);
  const ns = client.namespace;

  const created: WorkflowObject[] = [];
  if (values.from !== undefined) {
    created.push(await submitFrom(client, ns, values.from, opts));
  } else {
    const docs = await readManifests(positionals, io, (k) =>
      k === 'Workflow' ? undefined : `weir submit takes Workflows, not ${k} (use "weir apply" for other kinds)`,
    );
    if (!docs) return 2;
    const wfs = docs.map((d) => toManifestOf('Workflow', d.object, `${d.where}: `));
    if (values.watch && wfs.length > 1) throw usageError('--watch follows one workflow; the input has several');
    if (opts.name && wfs.length > 1) throw usageError('--name names one workflow; the input has several');
    for (const wf of wfs) {
      applySubmitOptions(wf, opts);
      const target = targetNamespace(
        wf.metadata.namespace,
        values.namespace,
        ns,
        `workflow ${wf.metadata.name ?? String(wf.metadata.generateName)}`,
      );
      created.push(
        await client.json<WorkflowObject>('POST', wfPath(target), {
          body: { namespace: target, workflow: wf, ...(dryRun ? { serverDryRun: true } : {}) },
        }),
      );
    }
  }

  const now = Date.now();
  if (output === 'json' || output === 'yaml') io.stdout(formatObjects(created.length === 1 ? created[0] : created, output));
  else if (output === 'name') io.stdout(formatObjects(created, 'name'));
  else if (!values.watch) for (const wf of created) io.stdout(workflowDetails(wf, { now, wide: output === 'wide', colour: false }));
  if (dryRun) return 0;
  return waitOrWatch(
    client,
    io,
    created.map((w) => refOf(w, ns)),
    values.wait ? 'wait' : values.watch ? 'watch' : undefined,
  );
};
