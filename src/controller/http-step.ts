// `http` templates (Argo's HTTP node, run by the controller instead of a pod): the request is an action the controller
// performs with fetch; the recorded response decides the node's phase through `successCondition` (an expr over
// response.statusCode, response.body and response.headers; default: a 2xx status). outputs.result is the body.
// A request in flight when the controller restarts is sent again (the node is still Running without a record).
import type { Template } from '../api/workflow-template.js';
import { envFromFlat, evaluate } from '../expr/expr.js';
import type { Exec } from './execute.js';
import { substDeep } from './params.js';
import type { Vars } from './params.js';
import type { NodeStatus } from './types.js';
import { errorMessage } from '../core/errors.js';

export interface HttpRequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  insecureSkipVerify: boolean;
}

/** What the controller knows about a node's request. */
export type HttpState =
  | { state: 'running' }
  | { state: 'done'; statusCode: number; body: string; headers: Record<string, string> }
  | { state: 'failed'; message: string };

export function executeHttp(ex: Exec, node: NodeStatus, tmpl: Template, vars: Vars): NodeStatus {
  const errors: string[] = [];
  const h = substDeep(tmpl.http, { ...vars, 'node.name': node.name }, errors);
  if (errors.length > 0 || !h) return ex.nodes.mark(node, 'Error', errors[0] ?? 'http template missing');
  const st = ex.ctx.http?.(node.id);
  if (st === undefined) {
    if (ex.spec.suspend === true) return node;
    const headers: Record<string, string> = {};
    for (const x of h.headers ?? []) {
      if (x.value !== undefined) headers[x.name] = x.value;
      else if (x.valueFrom?.secretKeyRef) {
        const ref = x.valueFrom.secretKeyRef;
        const v = ex.ctx.secret?.(ref.name ?? '')?.[ref.key];
        if (v === undefined)
          return ex.nodes.mark(
            node,
            'Error',
            `header ${x.name}: Secret ${JSON.stringify(ref.name ?? '')} key ${JSON.stringify(ref.key)} not found`,
          );
        headers[x.name] = v;
      }
    }
    const body = h.body ?? (h.bodyFrom?.bytes !== undefined ? Buffer.from(h.bodyFrom.bytes, 'base64').toString('utf8') : undefined);
    const request: HttpRequestSpec = {
      method: (h.method ?? 'GET').toUpperCase(),
      url: h.url,
      headers,
      timeoutMs: (h.timeoutSeconds ?? 30) * 1000,
      insecureSkipVerify: h.insecureSkipVerify === true,
      ...(body !== undefined ? { body } : {}),
    };
    ex.actions.push({ type: 'http', nodeId: node.id, request });
    node.phase = 'Running';
    return node;
  }
  if (st.state === 'running') {
    node.phase = 'Running';
    return node;
  }
  if (st.state === 'failed') return ex.nodes.mark(node, 'Error', st.message);
  node.outputs = { result: st.body };
  const cond = h.successCondition;
  let ok: unknown;
  if (cond === undefined || cond.trim() === '') ok = st.statusCode >= 200 && st.statusCode < 300;
  else {
    const env = envFromFlat({});
    env.response = { statusCode: st.statusCode, body: st.body, headers: st.headers };
    try {
      ok = evaluate(cond, env);
    } catch (e) {
      return ex.nodes.mark(node, 'Error', `successCondition: ${errorMessage(e)}`);
    }
  }
  if (ok === true) return ex.nodes.mark(node, 'Succeeded');
  return ex.nodes.mark(
    node,
    'Failed',
    cond ? `successCondition '${cond}' evaluated false (status code ${st.statusCode})` : `received non-2xx response code: ${st.statusCode}`,
  );
}

/** Performs one request (never throws): the recorded state for the node. */
export async function performHttp(r: HttpRequestSpec, signal: AbortSignal): Promise<HttpState> {
  try {
    const res = await fetch(r.url, {
      method: r.method,
      headers: r.headers,
      ...(r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD' ? { body: r.body } : {}),
      signal: AbortSignal.any([signal, AbortSignal.timeout(r.timeoutMs)]),
    });
    const body = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return { state: 'done', statusCode: res.status, body, headers };
  } catch (e) {
    const err = e as Error & { cause?: Error };
    return {
      state: 'failed',
      message: `http request failed: ${err.name === 'TimeoutError' ? `timed out after ${r.timeoutMs} ms` : (err.cause?.message ?? err.message)}`,
    };
  }
}
