// `weir lint FILE|DIR... [-o json]`: offline schema and semantic checks.
// Exit codes: 0 clean (warnings allowed), 1 any error finding, 2 input unreadable or unparsable.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadFiles } from '../api/loader.js';
import { lintManifests } from './runtime-lint.js';
import { formatPath } from '../api/findings.js';
import { WeirError } from '../core/errors.js';
import type { Verb } from './io.js';

const HELP = `Usage: weir lint FILE|DIR... [-o json] [--strict]

Checks Argo manifests (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow, EventSource, Sensor,
EventBus, ConfigMap, Secret) without a cluster. Directories are searched for .yaml, .yml and .json files.
  -o, --output json   machine-readable findings
      --strict        treat warnings as errors
Exit status: 0 no errors, 1 errors found, 2 input could not be read or parsed.
`;

export const verb: Verb = async (args, io) => {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { output: { type: 'string', short: 'o' }, strict: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length === 0) throw new WeirError('INVALID_ARGUMENT', 'lint needs at least one file or directory');
  if (values.output !== undefined && values.output !== 'json' && values.output !== 'text') {
    throw new WeirError('INVALID_ARGUMENT', `unknown output format ${JSON.stringify(values.output)}; use json`);
  }
  const loaded = await loadFiles(positionals.map((p) => resolve(io.cwd, p)));
  const report = await lintManifests(loaded);
  const rel = (f: string): string => (f.startsWith(io.cwd + '/') ? f.slice(io.cwd.length + 1) : f);
  const errors = report.findings.filter((f) => f.severity === 'error' || (values.strict && f.severity === 'warning')).length;
  const warnings = report.findings.filter((f) => f.severity === 'warning').length;
  if (values.output === 'json') {
    io.stdout(
      JSON.stringify(
        {
          findings: report.findings.map((f) => ({
            file: rel(f.file),
            line: f.line,
            column: f.column,
            severity: f.severity,
            rule: f.rule,
            path: formatPath(f.path),
            message: f.message,
          })),
          documents: report.documents,
          errors,
          warnings,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const f of report.findings) {
      const where = f.path.length > 0 ? ` (${formatPath(f.path)})` : '';
      io.stdout(`${rel(f.file)}:${f.line}:${f.column}: ${f.severity}: ${f.message}${where}\n`);
    }
    io.stderr(`${report.documents} document(s) checked: ${errors} error(s), ${warnings} warning(s)\n`);
  }
  if (report.unreadable) return 2;
  return errors > 0 ? 1 : 0;
};
