// Step logs for GET /api/v1/workflows/{ns}/{name}/log: Argo's LogEntry stream (`{"result":{"content","podName"}}`)
// for one pod (podName = node id) or every Pod node of the workflow. logOptions: container (only "main" has output
// here), follow (new steps are picked up until the workflow is finished), sinceSeconds, sinceTime, tailLines,
// timestamps; `grep` is a plain substring filter (not a regular expression: no ReDoS on user input).
import type { NodeStatus } from '../api/workflow-status.js';
import type { StoredWorkflow } from '../api/objects.js';
import { WeirError, errorMessage } from '../core/errors.js';
import { pause, systemClock } from '../core/clock.js';
import type { StepHandle } from '../executor/types.js';

import { boolParam, intParam } from './http.js';
import type { StepAccess } from './options.js';
import type { RouteContext } from './router.js';
import { getResource, nameOf, namespaceOf } from './routes-common.js';
import { startStream, writeResult } from './ndjson.js';

const FINAL = new Set(['Succeeded', 'Failed', 'Error']);
const NODE_DONE = new Set(['Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted']);

interface LogQuery {
  podName: string;
  container: string;
  follow: boolean;
  timestamps: boolean;
  tail: number | undefined;
  since: Date | undefined;
  grep: string;
}

function parseQuery(ctx: RouteContext): LogQuery {
  const q = ctx.query;
  const sinceSeconds = intParam(q, 'logOptions.sinceSeconds');
  const sinceTime = q.get('logOptions.sinceTime');
  let since: Date | undefined;
  if (sinceTime) {
    since = new Date(sinceTime);
    if (Number.isNaN(since.getTime()))
      throw new WeirError('INVALID_ARGUMENT', `logOptions.sinceTime must be an RFC 3339 time, got ${JSON.stringify(sinceTime)}`);
  }
  if (sinceSeconds !== undefined) {
    const s = new Date(ctx.opts.clock.now() - sinceSeconds * 1000);
    if (since === undefined || s > since) since = s;
  }
  return {
    podName: ctx.params.podName ?? q.get('podName') ?? '',
    container: q.get('logOptions.container') || 'main',
    follow: boolParam(q, 'logOptions.follow'),
    timestamps: boolParam(q, 'logOptions.timestamps'),
    tail: intParam(q, 'logOptions.tailLines'),
    since,
    grep: q.get('grep') ?? '',
  };
}

const podNameOf = (n: NodeStatus): string => n.podName ?? n.id;
const podNodes = (wf: StoredWorkflow, podName: string): NodeStatus[] =>
  Object.values(wf.status?.nodes ?? {})
    .filter((n) => n.type === 'Pod' && (podName === '' || podName === podNameOf(n) || podName === n.id))
    .sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.name.localeCompare(b.name));

async function lastLines<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) {
    out.push(x);
    if (out.length > 2 * n + 64) out.splice(0, out.length - n);
  }
  return out.slice(Math.max(0, out.length - n));
}

export async function streamLogs(ctx: RouteContext, steps: StepAccess): Promise<void> {
  const q = parseQuery(ctx);
  const ns = namespaceOf(ctx);
  const name = nameOf(ctx);
  let latest = await getResource(ctx, 'Workflow', ns, name);
  if (q.podName !== '' && !q.follow && podNodes(latest, q.podName).length === 0) {
    throw new WeirError('NOT_FOUND', `pod ${JSON.stringify(q.podName)} not found in workflow ${name}`);
  }
  startStream(ctx.res);
  const inner = new AbortController();
  const signal = AbortSignal.any([ctx.signal, inner.signal]);
  const nodeNow = (id: string): NodeStatus | undefined => latest.status?.nodes?.[id];

  const streamPod = async (node: NodeStatus): Promise<void> => {
    let h: StepHandle | undefined;
    for (;;) {
      h = await steps.handleOf(latest, node.id);
      if (h || !q.follow || signal.aborted || NODE_DONE.has(String(nodeNow(node.id)?.phase))) break;
      await pause(systemClock, 200, signal);
    }
    h ??= await steps.handleOf(latest, node.id);
    if (!h || signal.aborted) return;
    const podName = podNameOf(node);
    // The executor reads the tail back from the end of the logs; without follow, an executor that ignores
    // tailLines is still cut to the last lines here.
    const tail = q.tail === undefined ? {} : { tailLines: Math.max(0, q.tail) };
    const lines = steps.executor.logs(h, { follow: q.follow, since: q.since, signal, ...tail });
    for await (const l of q.tail !== undefined && !q.follow ? await lastLines(lines, Math.max(0, q.tail)) : lines) {
      if (q.grep !== '' && !l.line.includes(q.grep)) continue;
      const content = q.timestamps ? `${l.time.toISOString()} ${l.line}` : l.line;
      await writeResult(ctx.res, { content, podName }, signal);
    }
  };

  try {
    if (q.container !== 'main') return;
    if (!q.follow) {
      for (const n of podNodes(latest, q.podName)) await streamPod(n);
      return;
    }
    const started = new Set<string>();
    const tasks: Promise<void>[] = [];
    const startNew = (): void => {
      for (const n of podNodes(latest, q.podName)) {
        if (started.has(n.id)) continue;
        started.add(n.id);
        tasks.push(
          streamPod(n).catch((e: unknown) =>
            ctx.opts.logger.warn({ workflow: name, node: n.id, err: errorMessage(e) }, 'log stream failed'),
          ),
        );
      }
    };
    startNew();
    const finished = (): boolean => FINAL.has(String(latest.status?.phase));
    if (!finished()) {
      for await (const ev of ctx.opts.store.watch('Workflow', {
        namespace: ns,
        sinceResourceVersion: latest.metadata.resourceVersion,
        signal,
      })) {
        if (ev.object.metadata.name !== name) continue;
        if (ev.type === 'DELETED') break;
        latest = ev.object;
        startNew();
        if (finished()) break;
      }
    }
    await Promise.all(tasks);
  } catch (e) {
    if (!signal.aborted) ctx.opts.logger.warn({ workflow: name, err: errorMessage(e) }, 'log stream ended with an error');
  } finally {
    inner.abort();
    if (!ctx.res.writableEnded) ctx.res.end();
  }
}
