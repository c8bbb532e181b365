// The `weir` command: dispatches to one module per verb (loaded lazily so start-up stays fast) and turns
// every failure into a one-line message and an exit code. This is the only place that reads process state.
import { packageVersion } from '../core/package-version.js';
import { WeirError, isWeirError, errorMessage } from '../core/errors.js';
import { suggest } from '../core/suggest.js';
import type { CliIo, Verb } from './io.js';
import { processIo } from './io.js';

const VERBS = {
  lint: { summary: 'Check manifests offline (schema and semantics)', load: () => import('./lint.js') },
  run: { summary: 'Run one Workflow to completion on this host', load: () => import('./run.js') },
  server: { summary: 'Serve the Argo-compatible REST API and run workflows (long-running)', load: () => import('./server.js') },
  version: { summary: 'Print the version', load: () => import('./version.js') },
  submit: { summary: 'Submit workflows to a Weir server (files or --from template/cron)', load: () => import('./submit.js') },
  list: { summary: 'List workflows, newest first', load: () => import('./list.js') },
  get: { summary: 'Show a workflow and its node tree', load: () => import('./get.js') },
  logs: { summary: 'Print the step logs of a workflow', load: () => import('./logs.js') },
  watch: { summary: 'Show a workflow live until it finishes', load: () => import('./watch.js') },
  wait: { summary: 'Wait for workflows to finish', load: () => import('./wait.js') },
  delete: { summary: 'Delete workflows', load: () => import('./delete.js') },
  suspend: { summary: 'Suspend workflows', load: () => import('./suspend.js') },
  resume: { summary: 'Resume suspended workflows', load: () => import('./resume.js') },
  stop: { summary: 'Stop workflows (exit handlers run)', load: () => import('./stop.js') },
  terminate: { summary: 'Terminate workflows (no exit handlers)', load: () => import('./terminate.js') },
  retry: { summary: 'Retry the failed parts of workflows', load: () => import('./retry.js') },
  resubmit: { summary: 'Submit a workflow again as a new one', load: () => import('./resubmit.js') },
  template: { summary: 'Manage WorkflowTemplates (create|list|get|delete)', load: () => import('./template.js') },
  'cluster-template': { summary: 'Manage ClusterWorkflowTemplates (create|list|get|delete)', load: () => import('./cluster-template.js') },
  cron: { summary: 'Manage CronWorkflows (create|list|get|delete|suspend|resume|backfill)', load: () => import('./cron.js') },
  eventsource: { summary: 'Manage EventSources (create|list|get|delete|logs)', load: () => import('./eventsource.js') },
  sensor: { summary: 'Manage Sensors (create|list|get|delete|test|history|logs)', load: () => import('./sensor.js') },
  apply: { summary: 'Create or update manifests of any kind on the server', load: () => import('./apply.js') },
} satisfies Record<string, { summary: string; load: () => Promise<{ verb: Verb }> }>;

type VerbName = keyof typeof VERBS;

/** Every verb with its sub-verbs (the `(a|b|c)` list in its summary), for help and for the test that walks them. */
export function verbTable(): { verb: string; subs: string[] }[] {
  return Object.entries(VERBS).map(([verb, v]) => ({ verb, subs: /\(((?:[a-z-]+\|)+[a-z-]+)\)$/.exec(v.summary)?.[1].split('|') ?? [] }));
}

function usage(): string {
  const width = Math.max(...Object.keys(VERBS).map((v) => v.length));
  const lines = Object.entries(VERBS).map(([name, v]) => `  ${name.padEnd(width)}  ${v.summary}`);
  return ['Usage: weir <command> [flags]', '', 'Commands:', ...lines, '', 'Run `weir <command> --help` for the flags of a command.'].join(
    '\n',
  );
}

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout(usage() + '\n');
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    io.stdout(`weir ${packageVersion()}\n`);
    return 0;
  }
  if (!Object.hasOwn(VERBS, first)) {
    const hint = suggest(first, Object.keys(VERBS));
    io.stderr(`weir: unknown command ${JSON.stringify(first)}${hint ? ` (did you mean "${hint}"?)` : ''}; run \`weir --help\`\n`);
    return 2;
  }
  try {
    const mod = await VERBS[first as VerbName].load();
    return await mod.verb(rest, io);
  } catch (e) {
    return reportError(e, io, commandOf(first, rest));
  }
}

/** `verb` or `verb sub` as typed, for "run `weir ... --help`" hints. */
function commandOf(verb: string, rest: readonly string[]): string {
  const sub = rest[0];
  const subs = verbTable().find((v) => v.verb === verb)?.subs ?? [];
  return sub !== undefined && subs.includes(sub) ? `${verb} ${sub}` : verb;
}

/** node:util parseArgs messages rewritten as one balanced line (its own text ends mid-quote when cut at a newline). */
function flagMessage(e: Error & { code?: string }, command: string | undefined): string {
  const help = `run \`weir ${command ?? '<command>'} --help\` for the flags`;
  const unknown = /^Unknown option '([^']+)'/.exec(e.message);
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) return `unknown flag ${unknown[1]}; ${help}`;
  const positional = /^Unexpected argument '([^']*)'/.exec(e.message);
  if (e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && positional)
    return `unexpected argument ${JSON.stringify(positional[1])}; ${help}`;
  return `${e.message.split('\n')[0].replace(/\.$/, '')}; ${help}`;
}

/** One line for the user; the stack only with WEIR_DEBUG=1. */
export function reportError(e: unknown, io: CliIo, command?: string): number {
  if (io.env.WEIR_DEBUG === '1') io.stderr(`${(e instanceof Error ? e.stack : undefined) ?? String(e)}\n`);
  if (isWeirError(e)) {
    io.stderr(`weir: ${e.message}\n`);
    return e.code === 'INVALID_ARGUMENT' || e.code === 'INVALID_SPEC' || e.code === 'PARSE_ERROR' ? 2 : 1;
  }
  const code = (e as { code?: string })?.code;
  if (
    code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ||
    code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ||
    code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
  ) {
    io.stderr(`weir: ${flagMessage(e as Error & { code?: string }, command)}\n`);
    return 2;
  }
  io.stderr(`weir: internal error: ${errorMessage(e)} (run with WEIR_DEBUG=1 for details)\n`);
  return 1;
}

export { WeirError };
