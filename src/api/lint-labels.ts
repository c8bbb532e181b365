// Lint of a manifest's metadata.labels by Kubernetes' rules (src/core/labels.ts), so a label the server's store would
// refuse is reported at file:line:column before anything is sent. Non-string values are left to the schema check.
import { labelKeyProblem, labelValueProblem } from '../core/labels.js';
import { finding } from './findings.js';
import type { Finding } from './findings.js';
import { asObj } from './walk.js';
import type { Obj } from './walk.js';

export function lintLabels(meta: Obj | undefined): Finding[] {
  const out: Finding[] = [];
  const labels = asObj(meta?.labels);
  if (labels === undefined) return out;
  for (const [key, value] of Object.entries(labels)) {
    const keyWhy = labelKeyProblem(key);
    if (keyWhy !== undefined) {
      out.push(finding('error', 'label', ['metadata', 'labels', key], `invalid label key ${JSON.stringify(key)}: ${keyWhy}`));
      continue;
    }
    const why = typeof value === 'string' ? labelValueProblem(value) : undefined;
    if (why !== undefined)
      out.push(
        finding(
          'error',
          'label',
          ['metadata', 'labels', key],
          `invalid value ${JSON.stringify(value)} for label ${JSON.stringify(key)}: ${why}`,
        ),
      );
  }
  return out;
}
