// Trigger parameters, resolved as Argo Events does (pkg/sensors/triggers/params.go): a value from the event of
// `src.dependencyName` — `dataTemplate`/`contextTemplate` first, then `dataKey`/`contextKey`, then the `value`
// default; a missing event uses the default or skips the parameter — written at `dest` (sjson path, `-1` appends)
// with `operation` overwrite/append/prepend. Values are data: inserted as strings (or raw JSON with `useRawData`),
// never re-evaluated.
import type { CloudEvent } from '../src/core/cloudevent.js';
import { WeirError, errorMessage } from '../src/core/errors.js';
import { renderTemplate } from './common/go-template.js';
import { getPath, kindOf, resultString, setPath } from './common/json-path.js';
import type { JsonKind } from './common/json-path.js';
import { toPlainJson } from '../src/core/json-lossless.js';

export interface ParameterSource {
  dependencyName: string;
  contextKey?: string;
  contextTemplate?: string;
  dataKey?: string;
  dataTemplate?: string;
  value?: unknown;
  useRawData?: boolean;
}

export interface Parameter {
  src: ParameterSource;
  dest: string;
  operation?: string;
}

/** The events that satisfied a trigger, by dependency name. */
export type EventsByDependency = Readonly<Record<string, CloudEvent>>;

export interface ResolvedValue {
  /** Text of the value (raw JSON text when kind is not String). */
  text: string;
  kind: JsonKind;
}

/** The CloudEvent context as Argo serialises it for `contextKey`/`contextTemplate`. */
export function eventContext(e: CloudEvent): Record<string, string> {
  return {
    id: e.id,
    source: e.source,
    specversion: e.specversion,
    type: e.type,
    datacontenttype: e.datacontenttype,
    subject: e.subject,
    time: goTime(e.time),
  };
}

/** metav1.Time's JSON form: RFC 3339 in UTC, whole seconds. */
function goTime(t: string): string {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The whole event as Argo serialises its Event struct (json.Marshal): `{"context": {...}, "data": "<base64>"}`;
 * the data is a byte slice in Go, so it is the base64 of the payload's JSON text.
 */
export function wholeEventText(e: CloudEvent): string {
  const data =
    e.data === undefined || e.data === null
      ? null
      : Buffer.from(
          typeof e.data === 'string' && e.datacontenttype !== 'application/json' ? e.data : JSON.stringify(e.data),
          'utf8',
        ).toString('base64');
  return JSON.stringify({ context: eventContext(e), data });
}

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v));

function byKey(doc: unknown, key: string): ResolvedValue | undefined {
  const r = getPath(doc, key);
  if (!r.exists) return undefined;
  const kind = kindOf(r.value);
  if (kind === 'JSON') return { text: JSON.stringify(r.value), kind };
  if (kind === 'Null') return { text: 'null', kind };
  return { text: resultString(r.value), kind };
}

/**
 * Resolves one parameter source. Returns undefined when the dependency has no event and no default (the parameter is
 * skipped, which happens with `||` conditions); throws INVALID_SPEC when nothing resolves and there is no default.
 */
export function resolveParamValue(src: ParameterSource, events: EventsByDependency): ResolvedValue | undefined {
  const def = str(src.value);
  const event = Object.prototype.hasOwnProperty.call(events, src.dependencyName) ? events[src.dependencyName] : undefined;
  if (!event) return def === undefined ? undefined : { text: def, kind: 'String' };
  const hasCtx = !!src.contextKey || !!src.contextTemplate;
  const hasData = !!src.dataKey || !!src.dataTemplate;
  if (!hasCtx && !hasData) {
    if (def !== undefined) return { text: def, kind: 'String' };
    return { text: wholeEventText(event), kind: 'String' };
  }
  // As in Argo, data selectors win over context selectors when both are given.
  const doc: unknown = hasData ? event.data : eventContext(event);
  const key = hasData ? src.dataKey : src.contextKey;
  const tmpl = hasData ? src.dataTemplate : src.contextTemplate;
  let why = '';
  if (tmpl) {
    try {
      const out = renderTemplate(tmpl, { Input: toPlainJson(doc ?? null) });
      if (out !== '' && out !== '<no value>') return { text: out, kind: 'String' };
      why = `template evaluated to empty string or no value: ${tmpl}`;
    } catch (e) {
      why = errorMessage(e);
    }
  }
  if (key) {
    const r = byKey(doc, key);
    if (r) return r;
    why = `key ${key} does not exist in the event payload`;
  }
  if (def !== undefined) return { text: def, kind: 'String' };
  throw new WeirError('INVALID_SPEC', `unable to resolve '${src.dependencyName}' parameter value: ${why}`);
}

function valueOf(v: ResolvedValue, raw: boolean): unknown {
  if (!raw || v.kind === 'String') return v.text;
  try {
    return JSON.parse(v.text) as unknown;
  } catch {
    return v.text;
  }
}

/** One parameter's resolved value and where it goes (the pure half of applying a parameter). */
export interface ParamWrite {
  dest: string;
  operation: 'overwrite' | 'append' | 'prepend';
  value: ResolvedValue;
  useRawData: boolean;
}

/** Resolves each parameter against the events (those without a value are skipped). Throws on bad operations. */
export function resolveParamWrites(params: readonly Parameter[] | undefined, events: EventsByDependency): ParamWrite[] {
  const out: ParamWrite[] = [];
  for (const p of params ?? []) {
    const value = resolveParamValue(p.src, events);
    if (value === undefined) continue;
    const op = p.operation || 'overwrite';
    if (op !== 'append' && op !== 'prepend' && op !== 'overwrite')
      throw new WeirError('INVALID_SPEC', `unsupported trigger parameter operation: ${op}`);
    out.push({ dest: p.dest, operation: op, value, useRawData: p.src.useRawData === true });
  }
  return out;
}

/** Writes resolved parameters into a document (append/prepend against the value already there). */
export function applyParamWrites<T>(obj: T, writes: readonly ParamWrite[]): T {
  let doc: unknown = obj;
  for (const w of writes) {
    let v = w.value;
    if (w.operation !== 'overwrite') {
      const cur = getPath(doc, w.dest);
      if (cur.exists) {
        const curText = resultString(cur.value);
        v = { text: w.operation === 'append' ? curText + v.text : v.text + curText, kind: 'String' };
      }
    }
    doc = setPath(doc, w.dest, valueOf(v, w.useRawData));
  }
  return doc as T;
}

/** Applies parameters to a JSON object (a resource or a trigger template); returns the new object. */
export function applyParams<T>(obj: T, params: readonly Parameter[] | undefined, events: EventsByDependency): T {
  return applyParamWrites(obj, resolveParamWrites(params, events));
}

/**
 * Builds a request payload from parameters (HTTP, Kafka, NATS bodies): each value at its `dest`; an empty `dest`
 * makes the value the whole payload. Returns the payload text ('' when no parameter produced anything).
 */
export function constructPayload(params: readonly Parameter[] | undefined, events: EventsByDependency): string {
  let doc: unknown;
  for (const p of params ?? []) {
    const v = resolveParamValue(p.src, events);
    if (p.dest === '') {
      if (v !== undefined) return v.text;
      continue;
    }
    if (v === undefined) continue;
    doc = setPath(doc, p.dest, valueOf(v, p.src.useRawData === true));
  }
  return doc === undefined ? '' : JSON.stringify(doc);
}
