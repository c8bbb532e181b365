// Lint findings as every manifest-reading verb prints them (`file:line:col: severity: message (path)`, as `weir lint`
// does): errors and warnings both, on stderr, so submit, run, apply, create, sensor test and server never drop a
// warning such as an unknown field's "did you mean" hint. Info findings are left to `weir lint`.
import { formatPath } from '../api/findings.js';
import type { LocatedFinding } from '../api/loader.js';
import type { CliIo } from './io.js';

/** A path relative to the working directory when it lies inside it. */
export const relativeTo =
  (cwd: string) =>
  (f: string): string =>
    f.startsWith(cwd + '/') ? f.slice(cwd.length + 1) : f;

export function findingLine(f: LocatedFinding, cwd: string): string {
  return `${relativeTo(cwd)(f.file)}:${f.line}:${f.column}: ${f.severity}: ${f.message}${f.path.length > 0 ? ` (${formatPath(f.path)})` : ''}`;
}

/** Prints the errors and warnings (in file order) on stderr; returns how many errors there were. */
export function printFindings(findings: readonly LocatedFinding[], io: CliIo): number {
  const shown = findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
  for (const f of shown) io.stderr(`${findingLine(f, io.cwd)}\n`);
  return shown.filter((f) => f.severity === 'error').length;
}
