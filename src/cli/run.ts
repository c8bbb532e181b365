// `weir run FILE... [-p NAME=VALUE]... [--parameter-file F] [--entrypoint T] [-o json|yaml] [--logs] [--data-dir D]`:
// runs exactly one Workflow to completion in-process (memory store, host executor). ConfigMaps, Secrets and
// (Cluster)WorkflowTemplates from the given files are registered first. Exit: 0 Succeeded, 1 Failed/Error, 2 bad input.
import { parseMaxLogBytes, resolveHostPathAllowances } from '../core/config.js';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadFiles } from '../api/loader.js';
import { lintManifests } from './runtime-lint.js';
import { isKindName } from '../api/kinds.js';
import { WeirError, errorMessage } from '../core/errors.js';
import type { Logger, LogFn } from '../core/logger.js';
import { resolveExecutorKind } from '../core/config.js';
import { createExecutor } from '../executor/select.js';
import { createMemoryStore } from '../store/memory-store.js';
import type { StoredObject } from '../store/types.js';
import { toNewObject, toNewObjectOf } from '../api/objects.js';
import { WorkflowController } from '../controller/controller.js';
import type { WorkflowStatus } from '../controller/types.js';
import { printFindings } from './findings-out.js';
import { ProgressRenderer } from './run-progress.js';
import type { CliIo, Verb } from './io.js';

const HELP = `Usage: weir run FILE... [-p NAME=VALUE]... [--parameter-file F] [--entrypoint T] [-o json|yaml] [--logs] [--data-dir D]

Runs one Workflow to completion on this host. Other documents in the files (ConfigMap, Secret, WorkflowTemplate,
ClusterWorkflowTemplate) are registered first so the workflow can refer to them.
  -p, --parameter NAME=VALUE  set a workflow argument (repeatable)
      --parameter-file F      YAML or JSON map of workflow arguments
      --entrypoint T          template to start with
  -o, --output json|yaml      print the final Workflow object on stdout (only it)
      --logs                  print step logs on stderr as they arrive
      --data-dir D            keep step data here (default: a temporary directory, removed afterwards)
      --allow-host-path PREFIX[:rw]  host path prefix hostPath volumes may mount, read-only unless :rw (repeatable;
                              env WEIR_ALLOW_HOST_PATH, comma-separated). Default: hostPath volumes are refused
      --executor E            host (default), container (every step in its image via podman/Docker) or pod
                              (one Kubernetes Pod per step through KUBECONFIG's API server) (env WEIR_EXECUTOR)
      --pod-images F          YAML map image -> {entrypoint, cmd}: the command of templates that name none
                              (Argo's \`images\` setting; used by the pod and container executors)
Exit status: 0 Succeeded, 1 Failed or Error, 2 invalid input.
`;

const REGISTERED = new Set(['ConfigMap', 'Secret', 'WorkflowTemplate', 'ClusterWorkflowTemplate']);

function stderrLogger(io: CliIo): Logger {
  const make =
    (level: string): LogFn =>
    (obj, msg) => {
      if (level === 'debug' && io.env.WEIR_DEBUG !== '1') return;
      const extra = typeof obj.err === 'string' ? `: ${obj.err}` : '';
      io.stderr(`weir: ${level === 'info' ? '' : `${level}: `}${msg ?? ''}${extra}\n`);
    };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

function parseParam(s: string): [string, string] {
  const i = s.indexOf('=');
  if (i <= 0) throw new WeirError('INVALID_ARGUMENT', `-p expects NAME=VALUE, got ${JSON.stringify(s)}`);
  return [s.slice(0, i), s.slice(i + 1)];
}

async function readParameterFile(path: string): Promise<[string, string][]> {
  let data: unknown;
  try {
    data = parseYaml(await readFile(path, 'utf8'));
  } catch (e) {
    throw new WeirError('INVALID_ARGUMENT', `--parameter-file ${path}: ${errorMessage(e).split('\n')[0]}`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new WeirError('INVALID_ARGUMENT', `--parameter-file ${path}: expected a map of parameter names to values`);
  }
  return Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
}

/** Sets workflow arguments: existing parameters get the new value; unknown names are added. */
function applyParameters(wf: Record<string, unknown>, params: [string, string][]): void {
  const spec = (wf.spec ??= {}) as { arguments?: { parameters?: { name: string; value?: string }[] } };
  const list = ((spec.arguments ??= {}).parameters ??= []);
  for (const [name, value] of params) {
    const p = list.find((x) => x.name === name);
    if (p) {
      p.value = value;
      delete (p as { valueFrom?: unknown }).valueFrom;
    } else list.push({ name, value });
  }
}

export const verb: Verb = async (args, io) => {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      parameter: { type: 'string', short: 'p', multiple: true },
      'parameter-file': { type: 'string' },
      entrypoint: { type: 'string' },
      output: { type: 'string', short: 'o' },
      logs: { type: 'boolean' },
      'data-dir': { type: 'string' },
      'allow-host-path': { type: 'string', multiple: true },
      executor: { type: 'string' },
      'pod-images': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new WeirError('INVALID_ARGUMENT', 'run needs at least one manifest file');
  const output = values.output;
  if (output !== undefined && output !== 'json' && output !== 'yaml') {
    throw new WeirError('INVALID_ARGUMENT', `unknown output format ${JSON.stringify(output)}; use json or yaml`);
  }
  const imagesFile = values['pod-images'];
  // Loaded only for --pod-images: a plain `weir run` does not need the module.
  const podImages =
    imagesFile === undefined
      ? undefined
      : await (await import('../executor/pod-images.js')).loadImageCommands(resolve(io.cwd, imagesFile), imagesFile);
  const params: [string, string][] = [];
  if (values['parameter-file']) params.push(...(await readParameterFile(resolve(io.cwd, values['parameter-file']))));
  for (const p of values.parameter ?? []) params.push(parseParam(p));

  const loaded = await loadFiles(positionals.map((p) => resolve(io.cwd, p)));
  const report = await lintManifests(loaded);
  const rel = (f: string): string => (f.startsWith(io.cwd + '/') ? f.slice(io.cwd.length + 1) : f);
  const errors = printFindings(report.findings, io);
  if (errors > 0) {
    io.stderr(`weir: not running: ${errors} error(s) in the input\n`);
    return 2;
  }
  const workflows = loaded.documents.filter((d) => d.object.kind === 'Workflow');
  if (workflows.length !== 1) {
    throw new WeirError('INVALID_ARGUMENT', `run needs exactly one Workflow in the input; found ${workflows.length}`);
  }

  const logger = stderrLogger(io);
  const store = createMemoryStore();
  for (const d of loaded.documents) {
    const kind = String(d.object.kind);
    if (REGISTERED.has(kind) && isKindName(kind)) await store.create(kind, toNewObject(structuredClone(d.object), `${rel(d.file)}: `));
    else if (kind !== 'Workflow')
      logger.info({}, `${rel(d.file)}: ignoring ${kind} (weir run registers only ConfigMaps, Secrets and workflow templates)`);
  }
  const wfDoc = structuredClone(workflows[0].object);
  applyParameters(wfDoc, params);
  if (values.entrypoint) (wfDoc.spec as { entrypoint?: string }).entrypoint = values.entrypoint;
  delete wfDoc.status;
  const created = await store.create('Workflow', toNewObjectOf('Workflow', wfDoc, `${rel(workflows[0].file)}: `));
  const key = `${created.metadata.namespace ?? 'default'}/${created.metadata.name}`;

  const executorKind = resolveExecutorKind(values.executor, io.env);
  const ownDataDir = values['data-dir'] === undefined;
  const dataDir = ownDataDir ? await mkdtemp(join(tmpdir(), 'weir-run-')) : resolve(io.cwd, values['data-dir'] as string);
  const colour = io.isTTY && io.env.NO_COLOR === undefined;
  const progress = new ProgressRenderer((s) => io.stderr(s), io.isTTY, colour);
  const ac = new AbortController();
  const logStreams: Promise<void>[] = [];
  let lastStatus: WorkflowStatus | undefined;
  let removeSteps: (() => Promise<void>) | undefined;
  let closeExecutor: (() => Promise<void> | void) | undefined;
  try {
    const maxLogBytes = parseMaxLogBytes(io.env);
    const { executor, description, removeWorkflow } = await createExecutor(executorKind, {
      dataDir,
      logger,
      ...(maxLogBytes !== undefined ? { maxLogBytes } : {}),
      ...(podImages ? { podImages } : {}),
    });
    if (ownDataDir) removeSteps = () => removeWorkflow(created.metadata.uid);
    closeExecutor = () => executor.close?.();
    logger.info({}, `step executor: ${description}`);
    const controller = new WorkflowController({
      store,
      executor,
      logger,
      resyncMs: 2000,
      hostPaths: { allow: resolveHostPathAllowances(values['allow-host-path'], io.env), deny: [dataDir] },
      onStepStarted: values.logs
        ? ({ nodeId, handle, executor: ex }) => {
            logStreams.push(
              (async () => {
                for await (const l of ex.logs(handle, { follow: true, signal: ac.signal })) {
                  progress.detach();
                  io.stderr(`${lastStatus?.nodes?.[nodeId]?.name ?? nodeId}: ${l.line}\n`);
                }
              })().catch(() => undefined),
            );
          }
        : undefined,
    });
    const final = waitForEnd(store, key, created, ac.signal, (s) => {
      lastStatus = s;
      progress.update(s, Date.now());
    });
    const running = controller.run(ac.signal);
    controller.enqueue(key);
    const wf = await final;
    // Give --logs followers a moment to print their last lines; the timer is cleared so it never delays exit.
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(logStreams),
      new Promise((r) => {
        grace = setTimeout(r, 2000);
      }),
    ]);
    clearTimeout(grace);
    ac.abort();
    await running;
    const status = wf.status as WorkflowStatus | undefined;
    progress.finish(status, Date.now());
    if (output === 'json') io.stdout(JSON.stringify(wf, null, 2) + '\n');
    else if (output === 'yaml') io.stdout(stringifyYaml(wf));
    io.stderr(`${wf.metadata.name}: ${status?.phase ?? 'Unknown'}${status?.message ? ` (${status.message})` : ''}\n`);
    return status?.phase === 'Succeeded' ? 0 : 1;
  } finally {
    ac.abort();
    await store.close();
    await removeSteps?.().catch((e: unknown) => logger.warn({ err: errorMessage(e) }, "cannot remove the steps' containers"));
    await closeExecutor?.();
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  }
};

/** Resolves with the workflow once its phase is final, reporting every status change on the way. */
async function waitForEnd(
  store: ReturnType<typeof createMemoryStore>,
  key: string,
  created: StoredObject,
  signal: AbortSignal,
  onStatus: (s: WorkflowStatus | undefined) => void,
): Promise<StoredObject> {
  const [namespace, name] = key.split('/');
  for await (const ev of store.watch('Workflow', { namespace, sinceResourceVersion: created.metadata.resourceVersion, signal })) {
    if (ev.object.metadata.name !== name) continue;
    const status = ev.object.status;
    onStatus(status);
    if (status?.phase === 'Succeeded' || status?.phase === 'Failed' || status?.phase === 'Error') return ev.object;
  }
  throw new WeirError('CANCELLED', 'stopped before the workflow finished');
}
