// A finding is one problem (or note) found in a manifest, addressed by its field path inside the document.
// The loader turns paths into file:line:column; lint and validation only produce paths.

export type Severity = 'error' | 'warning' | 'info';

export type FieldPath = readonly (string | number)[];

export interface Finding {
  severity: Severity;
  /** Field path inside the document, e.g. ['spec', 'templates', 0, 'steps', 1, 0, 'template']. */
  path: FieldPath;
  message: string;
  /** Short stable rule id, e.g. 'schema', 'unknown-field', 'missing-template', 'dag-cycle'. */
  rule: string;
}

export function finding(severity: Severity, rule: string, path: FieldPath, message: string): Finding {
  return { severity, rule, path, message };
}

/** Renders a path the way users write it: spec.templates[0].steps[1][0].template */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(p)) out += out === '' ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}
