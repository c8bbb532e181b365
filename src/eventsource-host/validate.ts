// Validation of one named event source configuration at run time: the manifest linter's checks for the kind, then
// the adapter's own checks (src/api/eventsource-adapter.ts). Adapters stay free of the linter (src/api values).
import { lintEventSource } from '../api/lint-events.js';
import type { EventSourceAdapter } from '../api/eventsource-adapter.js';
import type { Finding } from '../api/findings.js';

/** Runs the manifest linter's checks for one named configuration of `kind`; paths are relative to it. */
export function lintKind(kind: string, spec: unknown): Finding[] {
  const doc = { spec: { [kind]: { x: spec } } };
  return lintEventSource(doc)
    .filter((f) => f.path[0] === 'spec' && f.path[1] === kind && f.path[2] === 'x')
    .map((f) => ({ ...f, path: f.path.slice(3) }));
}

/** Every finding for one configuration: schema and semantics for its kind, then the adapter's own checks. */
export function validateConfig(adapter: EventSourceAdapter, spec: Record<string, unknown>): Finding[] {
  return [...lintKind(adapter.kind, spec), ...(adapter.validate?.(spec) ?? [])];
}
