// Event transforms (`transform.jq`, `transform.script`), applied before a dependency's filters as in Argo Events:
// the result replaces the event's data (JSON), for the filters and for the trigger parameters. `script` is Lua in the
// sandbox (lua-sandbox.ts) and must return a table; `jq` runs real jq in a bounded worker (jq.ts) and its first output
// must be a JSON object. An error filters the event out with the reason.
import type { CloudEvent } from '../../src/core/cloudevent.js';
import { runJq } from '../common/jq.js';
import { runLua } from '../common/lua-sandbox.js';

export interface TransformSpec {
  jq?: string;
  script?: string;
}

export type TransformOutcome = { ok: true; event: CloudEvent } | { ok: false; error: string };

/** Applies a dependency's transform; no transform (or no data) leaves the event as it is. */
export function applyTransform(spec: TransformSpec | undefined, event: CloudEvent): TransformOutcome {
  if (!spec || event.data === undefined || event.data === null) return { ok: true, event };
  if (spec.jq) {
    const r = runJq(spec.jq, event.data);
    if (!r.ok) return { ok: false, error: `transform: jq: ${r.error}` };
    if (typeof r.value !== 'object' || r.value === null || Array.isArray(r.value))
      return { ok: false, error: 'transform: jq transformation output must be a JSON object' };
    return { ok: true, event: { ...event, data: r.value, datacontenttype: 'application/json' } };
  }
  if (spec.script) {
    const r = runLua(spec.script, event.data);
    if (!r.ok) return { ok: false, error: `transform: script: ${r.error}` };
    if (typeof r.value !== 'object' || r.value === null)
      return { ok: false, error: 'transform: script: transformation script output type is not of lua table' };
    return { ok: true, event: { ...event, data: sortKeys(r.value), datacontenttype: 'application/json' } };
  }
  return { ok: true, event };
}

/** Argo turns the Lua table into a Go map and marshals it, so the new data's object keys come out sorted. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(src).sort())
    Object.defineProperty(out, k, { value: sortKeys(src[k]), enumerable: true, writable: true, configurable: true });
  return out;
}
