// http trigger: sends a request built from the template (url, method default POST, headers, payload parameters,
// timeout in seconds default 60) with an `Idempotency-Key` header carrying the firing key. With
// `policy.status.allow` only those status codes count as success; otherwise any response does (as in Argo).
// secureHeaders, basicAuth, tls and dynamicHeaders need secrets and are refused at plan time.
import { WeirError, NonRetryableError } from '../../src/core/errors.js';
import { constructPayload } from '../parameters.js';
import type { Parameter } from '../parameters.js';
import type { HttpAction, TriggerAdapter } from './types.js';

export const httpTrigger: TriggerAdapter<'http'> = {
  kind: 'http',
  plan(input) {
    const t = (input.template.http ?? {}) as {
      url?: string;
      method?: string;
      headers?: Record<string, unknown>;
      payload?: Parameter[];
      timeout?: number;
      secureHeaders?: unknown;
      basicAuth?: unknown;
      tls?: unknown;
      dynamicHeaders?: unknown;
    };
    for (const k of ['secureHeaders', 'basicAuth', 'tls', 'dynamicHeaders'] as const) {
      if (t[k] !== undefined && t[k] !== null) throw new WeirError('INVALID_SPEC', `http.${k} is not supported by Weir yet`);
    }
    const url = String(t.url ?? '');
    if (!/^https?:\/\//.test(url)) throw new WeirError('INVALID_SPEC', `http.url must be an http(s) URL, got ${JSON.stringify(url)}`);
    const method = (t.method || 'POST').toUpperCase();
    const body = constructPayload(t.payload, input.events);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': input.key };
    for (const [k, v] of Object.entries(t.headers ?? {})) headers[k.toLowerCase()] = String(v);
    const action: HttpAction = {
      url,
      method,
      headers,
      body,
      timeoutMs: (t.timeout && t.timeout > 0 ? t.timeout : 60) * 1000,
      allow: input.policy?.status?.allow ?? [],
    };
    return { kind: 'http', summary: `${method} ${url}`, action };
  },
  async execute(plan, rt) {
    const a = plan.action;
    const signal = AbortSignal.any([rt.signal, AbortSignal.timeout(a.timeoutMs)]);
    const hasBody = a.method !== 'GET' && a.method !== 'HEAD';
    const res = await rt.fetch(a.url, { method: a.method, headers: a.headers, body: hasBody ? a.body : undefined, signal });
    await res.arrayBuffer().catch(() => undefined);
    if (a.allow.length > 0 && !a.allow.includes(res.status)) {
      const msg = `${a.method} ${a.url} answered ${res.status}, allowed: ${a.allow.join(', ')}`;
      // Client errors other than 408/429 will not change on retry.
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
        throw new NonRetryableError('INVALID_ARGUMENT', msg);
      throw new WeirError('IO_ERROR', msg);
    }
    return { outcome: 'done', detail: { status: res.status } };
  },
};
