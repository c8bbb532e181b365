// Parameters and variables: single-pass `{{...}}` substitution over flat variable maps (values are inserted
// literally, never re-scanned), template input resolution (arguments, default, enum, configMapKeyRef), and the
// variable scopes Argo exposes: workflow.*, inputs.*, steps.X.* / tasks.X.* (with loop aggregation), item.
import { substitute, makeExprEvaluator } from '../expr/template.js';
import type { Template } from '../api/workflow-template.js';
import type { Artifact, Parameter } from '../api/workflow-io.js';
import { artifactRefJson, hasAnyLocation, locationPart, mergeInputArtifact, nodeArtifactVars, parseArtifactRef } from './artifacts.js';
import type { NodeStatus, ParamValue, WorkflowObject, WorkflowStatus } from './types.js';
import { errorMessage } from '../core/errors.js';

export type Vars = Record<string, string>;

const MUST_RESOLVE = /^(inputs\.|steps\.|tasks\.|item$|item\.|workflow\.parameters\.|workflow\.outputs\.)/;

/** Replaces placeholders once; unresolvable variables Argo would refuse are collected into `errors`. */
/**
 * The variables an expression tag sees: a Skipped or Omitted step's or task's outputs are an empty map there, so a
 * reference to one of its outputs without a default is nil (Argo 3.7.16+: `?? 'fallback'` picks the fallback; a
 * bare `{{= ...}}` of it evaluates to nil and is an error, as is an operation on the nil).
 */
function exprVars(vars: Vars): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const k of Object.keys(vars)) {
    if (!k.endsWith('.status') || (vars[k] !== 'Skipped' && vars[k] !== 'Omitted')) continue;
    const m = /^((?:steps|tasks)\.[^.]+)\.status$/.exec(k);
    if (m === null || Object.hasOwn(vars, `${m[1]}.outputs.parameters`)) continue;
    out ??= { ...vars };
    out[`${m[1]}.outputs.parameters`] = {};
  }
  return out ?? vars;
}

export function subst(text: string, vars: Vars, errors: string[]): string {
  let evaluator: ((src: string) => string) | undefined;
  const evalExpr = (src: string): string => (evaluator ??= makeExprEvaluator(exprVars(vars)))(src);
  return substitute(
    text,
    (name) => {
      if (Object.hasOwn(vars, name)) return vars[name];
      if (MUST_RESOLVE.test(name)) errors.push(`failed to resolve {{${name}}}`);
      return undefined;
    },
    {
      evalExpr: (src) => {
        try {
          return evalExpr(src);
        } catch (e) {
          errors.push(`failed to evaluate {{=${src}}}: ${errorMessage(e)}`);
          throw e;
        }
      },
    },
  );
}

/** Substitutes every string inside a JSON-like value (object keys are left alone). */
export function substDeep<T>(value: T, vars: Vars, errors: string[]): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return subst(v, vars, errors);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/** Argo parameter values may be written as YAML numbers or booleans; they are strings at runtime. */
export function paramString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** An input artifact merged with its argument (see mergeInputArtifact): a location (or key, or raw data) and a path. */
export type InputArtifact = Artifact;

export interface InputResolution {
  parameters: ParamValue[];
  artifacts?: InputArtifact[];
  error?: string;
}

/**
 * Resolves a template's input parameters from the caller's (already substituted) arguments: the argument value,
 * else the input's `value`/`default`, else its `valueFrom.configMapKeyRef`; then the `enum` check. Input artifacts:
 * the argument's location, else the template's own (substituted with `defaultVars` plus the input parameters).
 */
export function resolveInputs(
  tmpl: Template,
  args: { parameters?: Parameter[]; artifacts?: Artifact[] } | undefined,
  configMap: (name: string) => Record<string, string> | undefined,
  defaultVars?: Vars,
): InputResolution {
  const out: ParamValue[] = [];
  for (const p of tmpl.inputs?.parameters ?? []) {
    const arg = args?.parameters?.find((a) => a.name === p.name);
    let value = paramString(arg?.value);
    if (value === undefined && arg?.valueFrom?.configMapKeyRef) {
      const r = fromConfigMap(arg.valueFrom.configMapKeyRef, configMap);
      if (r.error) return { parameters: out, error: r.error };
      value = r.value;
    }
    if (value === undefined) {
      // The template's own default may hold placeholders ({{workflow.*}}, {{=expr}}): Argo substitutes them with the
      // global scope plus the inputs resolved so far.
      value = paramString(p.value) ?? paramString(p.default);
      if (value !== undefined && defaultVars !== undefined && value.includes('{{')) {
        const errors: string[] = [];
        value = subst(value, { ...defaultVars, ...inputVars(out) }, errors);
        if (errors.length > 0) return { parameters: out, error: `inputs.parameters.${p.name}: ${errors[0]}` };
      }
    }
    if (value === undefined && p.valueFrom?.configMapKeyRef) {
      const r = fromConfigMap(p.valueFrom.configMapKeyRef, configMap);
      if (r.error) return { parameters: out, error: r.error };
      value = r.value ?? paramString(p.valueFrom.default);
    }
    if (value === undefined) return { parameters: out, error: `inputs.parameters.${p.name} was not supplied` };
    const allowed = (p.enum ?? []).map((e) => paramString(e));
    if (allowed.length > 0 && !allowed.includes(value)) {
      return {
        parameters: out,
        error: `inputs.parameters.${p.name}: value ${JSON.stringify(value)} is not one of the enum values ${JSON.stringify(allowed)}`,
      };
    }
    out.push({ name: p.name, value });
  }
  const artifacts: InputArtifact[] = [];
  for (const a of tmpl.inputs?.artifacts ?? []) {
    const arg = args?.artifacts?.find((x) => x.name === a.name);
    const argLocated = arg !== undefined && (parseArtifactRef(arg.from) !== undefined || hasAnyLocation(arg));
    let decl = a;
    // A location written in the template itself (`s3: {key: "{{inputs.parameters.key}}"}`, raw data) is
    // substituted like the rest of the template: with the global scope plus this template's input parameters.
    if (!argLocated && defaultVars !== undefined && hasAnyLocation(a)) {
      const errors: string[] = [];
      decl = { ...a, ...substDeep(locationPart(a), { ...defaultVars, ...inputVars(out) }, errors) };
      if (errors.length > 0) return { parameters: out, error: `inputs.artifacts.${a.name}: ${errors[0]}` };
    }
    const m = mergeInputArtifact(decl, arg);
    if (typeof m === 'string') return { parameters: out, error: m };
    if (m !== undefined) artifacts.push(m);
  }
  return { parameters: out, ...(artifacts.length > 0 ? { artifacts } : {}) };
}

/** Drops argument artifacts passed on with `from: {{inputs.artifacts.X}}` when X is absent (an optional input). */
export function dropAbsentArtifacts<T extends { artifacts?: { name: string; from?: string }[] }>(args: T, vars: Vars): T {
  if (!args.artifacts) return args;
  const absent = (from: string | undefined): boolean => {
    const m = /^\{\{\s*inputs\.artifacts\.([^\s{}]+)\s*\}\}$/.exec(from ?? '');
    return m !== null && !Object.hasOwn(vars, `inputs.artifacts.${m[1]}`);
  };
  return { ...args, artifacts: args.artifacts.filter((a) => !absent(a.from)) };
}

/**
 * Argument parameters that are nothing but a reference to an output of a Skipped or Omitted step/task that has no
 * value lose their value, so that the consuming input's own default applies (Argo 3.7.16+/4.0.7+).
 */
export function dropAbsentOutputRefs<T extends { parameters?: { name: string; value?: unknown }[] }>(args: T, vars: Vars): T {
  if (!args.parameters) return args;
  let changed = false;
  const parameters = args.parameters.map((p) => {
    const m =
      typeof p.value === 'string'
        ? /^\{\{\s*((?:tasks|steps)\.[^\s{}]+?)\.outputs\.(?:parameters\.[^\s{}]+|result)\s*\}\}$/.exec(p.value)
        : null;
    if (m === null || Object.hasOwn(vars, (p.value as string).slice(2, -2).trim())) return p;
    const status = vars[`${m[1]}.status`];
    if (status !== 'Skipped' && status !== 'Omitted') return p;
    changed = true;
    const rest = { ...p };
    delete rest.value;
    return rest;
  });
  return changed ? { ...args, parameters } : args;
}

export function fromConfigMap(
  ref: { name?: string; key: string; optional?: boolean },
  configMap: (name: string) => Record<string, string> | undefined,
): { value?: string; error?: string } {
  const data = configMap(ref.name ?? '');
  if (data === undefined) return ref.optional ? {} : { error: `ConfigMap ${JSON.stringify(ref.name ?? '')} not found` };
  if (!Object.hasOwn(data, ref.key))
    return ref.optional ? {} : { error: `ConfigMap ${JSON.stringify(ref.name)} has no key ${JSON.stringify(ref.key)}` };
  return { value: data[ref.key] };
}

export function inputVars(params: readonly ParamValue[] | undefined): Vars {
  const v: Vars = {};
  for (const p of params ?? []) if (p.value !== undefined) v[`inputs.parameters.${p.name}`] = p.value;
  v['inputs.parameters'] = JSON.stringify(params ?? []);
  return v;
}

const seconds = (from: string | undefined, now: number): string => {
  if (!from) return '0';
  return String(Math.max(0, (now - Date.parse(from)) / 1000));
};

/** Set by the cron controller on the Workflows it creates; read back as `{{workflow.scheduledTime}}`. */
export const SCHEDULED_TIME_ANNOTATION = 'workflows.argoproj.io/scheduled-time';

/** `workflow.*` variables. `statusPhase`/failures are only meaningful for exit handlers. */
export function workflowVars(
  wf: WorkflowObject,
  status: WorkflowStatus,
  globals: readonly ParamValue[],
  now: number,
  exit?: { phase: string; failures: string },
): Vars {
  const m = wf.metadata;
  const v: Vars = {
    'workflow.name': m.name,
    'workflow.namespace': m.namespace ?? 'default',
    'workflow.uid': m.uid,
    'workflow.mainEntrypoint': wf.spec.entrypoint ?? '',
    'workflow.serviceAccountName': wf.spec.serviceAccountName ?? 'default',
    'workflow.creationTimestamp': m.creationTimestamp ?? '',
    'workflow.duration': seconds(status.startedAt, now),
    'workflow.priority': String(wf.spec.priority ?? 0),
  };
  if (m.creationTimestamp) {
    const d = new Date(m.creationTimestamp);
    v['workflow.creationTimestamp.RFC3339'] = m.creationTimestamp;
    v['workflow.creationTimestamp.s'] = String(Math.floor(d.getTime() / 1000));
  }
  const scheduled = (m.annotations as Record<string, string> | undefined)?.[SCHEDULED_TIME_ANNOTATION];
  if (scheduled !== undefined) v['workflow.scheduledTime'] = scheduled;
  for (const [k, x] of Object.entries(m.labels ?? {})) v[`workflow.labels.${k}`] = x;
  for (const [k, x] of Object.entries((m.annotations as Record<string, string> | undefined) ?? {})) v[`workflow.annotations.${k}`] = x;
  v['workflow.labels.json'] = JSON.stringify(m.labels ?? {});
  v['workflow.annotations.json'] = JSON.stringify(m.annotations ?? {});
  for (const p of globals) if (p.value !== undefined) v[`workflow.parameters.${p.name}`] = p.value;
  v['workflow.parameters.json'] = JSON.stringify(globals.map((p) => ({ name: p.name, value: p.value })));
  for (const p of status.outputs?.parameters ?? []) if (p.value !== undefined) v[`workflow.outputs.parameters.${p.name}`] = p.value;
  for (const a of status.outputs?.artifacts ?? []) v[`workflow.outputs.artifacts.${a.name}`] = artifactRefJson(a);
  if (exit) {
    v['workflow.status'] = exit.phase;
    v['workflow.failures'] = exit.failures;
  }
  return v;
}

/** Variables describing one finished (or running) node under a prefix like `steps.hello` or `tasks.A`. */
export function nodeVars(prefix: string, node: NodeStatus): Vars {
  const v: Vars = {
    [`${prefix}.id`]: node.id,
    [`${prefix}.status`]: node.phase,
  };
  if (node.podIP !== undefined) v[`${prefix}.ip`] = node.podIP;
  if (node.startedAt) v[`${prefix}.startedAt`] = node.startedAt;
  if (node.finishedAt) v[`${prefix}.finishedAt`] = node.finishedAt;
  const o = node.outputs;
  if (o?.result !== undefined) v[`${prefix}.outputs.result`] = o.result;
  if (o?.exitCode !== undefined) v[`${prefix}.exitCode`] = o.exitCode;
  for (const p of o?.parameters ?? []) if (p.value !== undefined) v[`${prefix}.outputs.parameters.${p.name}`] = p.value;
  if (o?.parameters) v[`${prefix}.outputs.parameters`] = JSON.stringify(o.parameters.map((p) => ({ name: p.name, value: p.value })));
  if (o?.artifacts) Object.assign(v, nodeArtifactVars(prefix, node));
  for (const [k, x] of Object.entries(node.weir?.absentDefaults ?? {})) v[`${prefix}.outputs.parameters.${k}`] ??= x;
  return v;
}

/** A result string as a JSON list element: parsed when it is JSON, else the string itself (Argo's Item). */
function asItem(s: string): unknown {
  // Only text that can start a JSON value is parsed (a thrown parse error per child per pass is costly in big loops).
  if (!/^\s*[[{"\d\-tfn]/.test(s)) return s;
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return s;
  }
}

/** Aggregated outputs of loop children: `outputs.result` and `outputs.parameters[.p]` become JSON lists. */
export function aggregateVars(prefix: string, children: readonly NodeStatus[], phase: string, id: string): Vars {
  const v: Vars = { [`${prefix}.id`]: id, [`${prefix}.status`]: phase };
  const results: unknown[] = [];
  const paramMaps: Record<string, string>[] = [];
  const byName = new Map<string, string[]>();
  for (const c of children) {
    if (c.outputs?.result !== undefined) results.push(asItem(c.outputs.result));
    const ps = c.outputs?.parameters ?? [];
    if (ps.length > 0) {
      const m: Record<string, string> = {};
      for (const p of ps) {
        m[p.name] = p.value ?? '';
        const list = byName.get(p.name) ?? [];
        list.push(p.value ?? '');
        byName.set(p.name, list);
      }
      paramMaps.push(m);
    }
  }
  v[`${prefix}.outputs.result`] = JSON.stringify(results);
  v[`${prefix}.outputs.parameters`] = JSON.stringify(paramMaps);
  for (const [name, list] of byName) v[`${prefix}.outputs.parameters.${name}`] = JSON.stringify(list);
  return v;
}
