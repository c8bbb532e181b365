// What `weir server` does with Workflows and manifests at start: the manifests given as arguments are created or
// updated (Workflows that exist are left alone), and every unfinished Workflow is handed to the controller once
// when first seen (listed at start or created later).
import { loadFiles } from '../api/loader.js';
import { isKindName, KINDS } from '../api/kinds.js';
import { toNewObject } from '../api/objects.js';
import { systemClock } from '../core/clock.js';
import { WeirError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { WorkflowController } from '../controller/controller.js';
import { listThenWatch } from '../store/list-watch.js';
import type { ResourceStore, StoredObject } from '../store/types.js';
import { printFindings } from './findings-out.js';
import type { CliIo } from './io.js';
import { lintManifests } from './runtime-lint.js';

const FINAL = new Set(['Succeeded', 'Failed', 'Error']);
const keyOf = (o: StoredObject): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;

/** Enqueues each unfinished workflow once when first seen (listed or created; not on every change: the controller's
 * own saves would double its passes). Failed lists and watches are retried with a fresh list (list-watch.ts). */
export function pickUpWorkflows(store: ResourceStore, controller: WorkflowController, log: Logger, signal: AbortSignal): Promise<void> {
  const seen = new Map<string, string>(); // key → uid of the unfinished workflows seen
  return listThenWatch(
    store,
    'Workflow',
    { signal, clock: systemClock, logger: log, minDelayMs: 1000, maxDelayMs: 30_000 },
    {
      apply: (wf) => {
        const key = keyOf(wf);
        if (FINAL.has(String((wf.status as { phase?: string } | undefined)?.phase))) seen.delete(key);
        else if (seen.get(key) !== wf.metadata.uid) {
          seen.set(key, wf.metadata.uid);
          controller.enqueue(key);
        }
        return Promise.resolve();
      },
      remove: (wf) => {
        seen.delete(keyOf(wf));
        return Promise.resolve();
      },
      listed: (keys) => {
        for (const key of [...seen.keys()]) if (!keys.has(key)) seen.delete(key);
        return Promise.resolve();
      },
    },
  );
}

/** Creates or updates every manifest; Workflows that already exist are left alone (they are runs, not config). */
export async function applyManifests(paths: string[], store: ResourceStore, namespace: string, log: Logger, io: CliIo): Promise<number> {
  const loaded = await loadFiles(paths);
  const report = await lintManifests(loaded);
  const errors = printFindings(report.findings, io);
  if (errors > 0) throw new WeirError('INVALID_SPEC', `not starting: ${errors} error(s) in the manifests`);
  let applied = 0;
  for (const d of loaded.documents) {
    const kind = String(d.object.kind);
    if (!isKindName(kind)) continue;
    const obj = toNewObject(structuredClone(d.object), `${d.file}: `);
    const ns = KINDS[kind].namespaced ? (obj.metadata.namespace ?? namespace) : undefined;
    if (ns === undefined) delete obj.metadata.namespace;
    else obj.metadata.namespace = ns;
    const existing: StoredObject | undefined = obj.metadata.name ? await store.get(kind, ns, obj.metadata.name) : undefined;
    if (!existing) {
      await store.create(kind, obj);
    } else if (kind === 'Workflow') {
      log.info({ workflow: `${ns}/${obj.metadata.name}` }, 'workflow exists already; leaving it as it is');
      continue;
    } else {
      const next: StoredObject = {
        ...obj,
        metadata: { ...existing.metadata, ...obj.metadata, resourceVersion: existing.metadata.resourceVersion },
      };
      if (next.status === undefined && existing.status !== undefined) next.status = existing.status;
      await store.update(kind, next);
    }
    applied++;
  }
  return applied;
}
