// Event transforms (`transform.jq`, `transform.script`), applied before a dependency's filters as in Argo Events:
// the result replaces the event's data (JSON), for the filters and for the trigger parameters. `script` is Lua in the
// sandbox (lua-sandbox.ts) and must return a table. `jq` is not supported yet: no npm jq both installs without a
// download and can be stopped mid-run on the server's thread (README, Events); such events are filtered out with
// that reason and `weir lint` warns. An error filters the event out with the reason.
import type { CloudEvent } from '../../src/core/cloudevent.js';
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
    return { ok: false, error: 'transform: jq transforms are not supported by Weir (use transform.script with Lua)' };
  }
  if (spec.script) {
    const r = runLua(spec.script, event.data);
    if (!r.ok) return { ok: false, error: `transform: script: ${r.error}` };
    if (typeof r.value !== 'object' || r.value === null) return { ok: false, error: 'transform: script: transformation script output type is not of lua table' };
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
  for (const k of Object.keys(src).sort()) Object.defineProperty(out, k, { value: sortKeys(src[k]), enumerable: true, writable: true, configurable: true });
  return out;
}
