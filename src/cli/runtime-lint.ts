// What the server will not run, as lint warnings where the user looks (`weir lint` and every verb that reads
// manifests): an EventSource kind Weir has no adapter for (the server keeps the object but starts nothing), and an
// event whose configuration the adapter refuses at start (its extra checks beyond the schema, e.g. a Kafka SASL
// mechanism other than PLAIN and SCRAM, or a filter expression that does not compile). Both are warnings: the
// manifest is valid Argo and is stored; it just does nothing in Weir.
import { lintLoaded } from '../api/lint.js';
import type { LintReport } from '../api/lint.js';
import type { Finding } from '../api/findings.js';
import type { LoadResult } from '../api/loader.js';
import type { Obj } from '../api/walk.js';
import type * as Adapters from '../../eventsources/index.js';
import type * as EventSourceApi from '../api/eventsource.js';
import { asObj } from '../api/walk.js';
import { errorMessage } from '../core/errors.js';

type Registry = Pick<typeof Adapters, 'adapterFor' | 'eventSourceRegistry' | 'isRunnableKind'> & {
  compileFilter: (expression: string) => unknown;
  /** Every event kind of the EventSource schema (src/api/eventsource.ts). */
  eventSourceKinds: typeof EventSourceApi.EVENT_SOURCE_KINDS;
};

/** Warnings for the events of one EventSource document that the server would not run. */
export function eventSourceRuntimeFindings(
  doc: Obj,
  { adapterFor, eventSourceRegistry, isRunnableKind, compileFilter, eventSourceKinds }: Registry,
): Finding[] {
  if (doc.kind !== 'EventSource') return [];
  const spec = asObj(doc.spec);
  if (spec === undefined) return [];
  const out: Finding[] = [];
  for (const kind of eventSourceKinds) {
    const entries = asObj(spec[kind]);
    if (entries === undefined) continue;
    if (!isRunnableKind(kind)) {
      out.push({
        severity: 'warning',
        rule: 'unsupported-event-source',
        path: ['spec', kind],
        message: `Weir does not run ${kind} event sources: the server stores this EventSource but starts none of its ${kind} events (state "unsupported"; Weir runs ${Object.keys(eventSourceRegistry).join(', ')})`,
      });
      continue;
    }
    const adapter = adapterFor(kind);
    for (const [name, cfg] of Object.entries(entries)) {
      const c = asObj(cfg);
      if (c === undefined) continue;
      // Schema errors are already lint errors; an adapter's validate() reports only what it adds.
      const refused = (adapter.validate?.(c) ?? []).filter((f) => f.severity === 'error');
      const filter = asObj(c.filter)?.expression;
      if (typeof filter === 'string') {
        try {
          compileFilter(filter);
        } catch (e) {
          refused.push({ severity: 'error', rule: 'filter', path: ['filter', 'expression'], message: errorMessage(e) });
        }
      }
      for (const f of refused) {
        out.push({
          severity: 'warning',
          rule: 'invalid-event-source',
          path: ['spec', kind, name, ...f.path],
          message: `the server will not start this event (state "invalid"): ${f.message}`,
        });
      }
    }
  }
  return out;
}

/**
 * lintLoaded plus the server-side checks above: what every CLI path that reads manifests uses. The adapters (and
 * the SDKs they load) and the event filter compiler are imported only when there is an EventSource to check, so
 * `weir run` stays quick.
 */
export async function lintManifests(loaded: LoadResult): Promise<LintReport> {
  if (!loaded.documents.some((d) => d.object.kind === 'EventSource')) return lintLoaded(loaded);
  const [adapters, { compileFilter }, { EVENT_SOURCE_KINDS }] = await Promise.all([
    import('../../eventsources/index.js'),
    import('../eventsource-host/emitter.js'),
    import('../api/eventsource.js'),
  ]);
  const registry: Registry = { ...adapters, compileFilter, eventSourceKinds: EVENT_SOURCE_KINDS };
  return lintLoaded(loaded, (doc) => eventSourceRuntimeFindings(doc, registry));
}
