// Manual workflow operations as PURE functions over a Workflow object (Argo's suspend, resume, stop, terminate, set,
// retry and resubmit semantics, from its workflow/util): each returns a new object and never touches the input.
// The API server stores the result and enqueues the workflow; the controller honours spec.suspend, spec.shutdown and
// Suspend nodes marked Succeeded/Failed here. Node field selectors follow docs/node-field-selector.md.
import { systemClock } from '../core/clock.js';
import type { Clock } from '../core/clock.js';
import { WeirError } from '../core/errors.js';
import type { NodePhase, NodeStatus, ParamValue, WorkflowObject } from './types.js';
import { LABEL_COMPLETED } from './types.js';

export { LABEL_COMPLETED };
export const LABEL_PHASE = 'workflows.argoproj.io/phase';
export const LABEL_ARCHIVING = 'workflows.argoproj.io/workflow-archiving-status';
export const LABEL_RESUBMITTED_FROM = 'workflows.argoproj.io/resubmitted-from-workflow';
export const CREATOR_LABELS = [
  'workflows.argoproj.io/creator',
  'workflows.argoproj.io/creator-email',
  'workflows.argoproj.io/creator-preferred-username',
];

export interface OpClock {
  /** Milliseconds since the epoch (`now`). Default: the system clock. */
  clock?: Clock;
}

/** The workflow keeps its own type (a stored Workflow stays one, ready to save). */
export interface OpResult<W extends WorkflowObject = WorkflowObject> {
  workflow: W;
  /** False when the operation had nothing to do (the caller need not save). */
  changed: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
export const nowOf = (o: OpClock | undefined): string => iso((o?.clock ?? systemClock).now());
export const bad = (message: string): WeirError => new WeirError('INVALID_ARGUMENT', message);

const FULFILLED = new Set(['Succeeded', 'Failed', 'Error']);
const NODE_DONE = new Set<NodePhase>(['Succeeded', 'Failed', 'Error', 'Skipped', 'Omitted']);

/** A workflow whose phase is final (Argo's Status.Fulfilled / completed label). */
export function isCompleted(wf: WorkflowObject): boolean {
  return FULFILLED.has(String(wf.status?.phase)) || wf.metadata.labels?.[LABEL_COMPLETED] === 'true';
}

// ---- node field selectors ----

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses a Kubernetes field selector (`a=b,c!=d`, `==` accepted, `\` escapes `,`, `=` and `\`). */
export function parseFieldSelector(selector: string): FieldRequirement[] {
  const terms: string[] = [];
  let cur = '';
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '\\' && i + 1 < selector.length) {
      cur += c + selector[++i];
    } else if (c === ',') {
      terms.push(cur);
      cur = '';
    } else cur += c;
  }
  terms.push(cur);
  const out: FieldRequirement[] = [];
  for (const term of terms) {
    if (term.trim() === '') continue;
    const m = /^((?:[^\\=!]|\\.)*?)\s*(!=|==|=)\s*(.*)$/.exec(term);
    if (!m || m[1].trim() === '') throw bad(`invalid field selector term ${JSON.stringify(term)}: expected FIELD=VALUE or FIELD!=VALUE`);
    const unescape = (s: string): string => s.replace(/\\(.)/g, '$1');
    out.push({ field: unescape(m[1].trim()), op: m[2] === '!=' ? '!=' : '=', value: unescape(m[3]) });
  }
  return out;
}

/** The fields a node field selector can test (Argo's SelectorMatchesNode). */
export function nodeFields(node: NodeStatus): Record<string, string> {
  const f: Record<string, string> = {
    displayName: node.displayName,
    templateName: node.templateRef?.template ?? node.templateName ?? '',
    phase: node.phase,
    name: node.name,
    id: node.id,
  };
  if (node.templateRef) {
    f['templateRef.name'] = node.templateRef.name ?? '';
    f['templateRef.template'] = node.templateRef.template ?? '';
  }
  for (const p of node.inputs?.parameters ?? []) f[`inputs.parameters.${p.name}.value`] = p.value ?? '';
  return f;
}

export function nodeMatches(reqs: readonly FieldRequirement[], node: NodeStatus): boolean {
  const f = nodeFields(node);
  return reqs.every((r) => ((f[r.field] ?? '') === r.value) === (r.op === '='));
}

// ---- suspend / resume / stop / terminate / set ----

/** spec.suspend = true. Completed workflows cannot be suspended. */
export function suspendWorkflow<W extends WorkflowObject>(wf: W): OpResult<W> {
  if (isCompleted(wf)) throw bad('cannot suspend completed workflows');
  if (wf.spec.suspend === true) return { workflow: wf, changed: false };
  const out = structuredClone(wf);
  out.spec.suspend = true;
  return { workflow: out, changed: true };
}

const isActiveSuspendNode = (n: NodeStatus): boolean => n.type === 'Suspend' && n.phase === 'Running';

/** Output parameters awaiting a supplied value take their default (Argo's OverrideOutputParametersWithDefault). */
function supplyDefaults(node: NodeStatus): void {
  for (const p of node.outputs?.parameters ?? []) {
    const vf = p.valueFrom as { supplied?: unknown; default?: unknown } | undefined;
    if (vf?.supplied === undefined) continue;
    if (vf.default === undefined) throw bad(`raw output parameter '${p.name}' has not been set and does not have a default value`);
    p.value = typeof vf.default === 'string' ? vf.default : JSON.stringify(vf.default);
    delete p.valueFrom;
  }
}

export interface ResumeOptions extends OpClock {
  /** Resume only the matching suspended nodes (spec.suspend is then left as it is, as in Argo). */
  nodeFieldSelector?: string;
}

/** Clears spec.suspend and marks every running Suspend node Succeeded (or only the selected ones). */
export function resumeWorkflow<W extends WorkflowObject>(wf: W, opts: ResumeOptions = {}): OpResult<W> {
  if (opts.nodeFieldSelector) return setWorkflow(wf, { nodeFieldSelector: opts.nodeFieldSelector, phase: 'Succeeded', clock: opts.clock });
  const out = structuredClone(wf);
  let changed = false;
  if (out.spec.suspend === true) {
    delete out.spec.suspend;
    changed = true;
  }
  const now = nowOf(opts);
  for (const node of Object.values(out.status?.nodes ?? {})) {
    if (!isActiveSuspendNode(node)) continue;
    supplyDefaults(node);
    node.phase = 'Succeeded';
    node.finishedAt = now;
    changed = true;
  }
  return changed ? { workflow: out, changed } : { workflow: wf, changed };
}

function shutdown<W extends WorkflowObject>(wf: W, strategy: 'Stop' | 'Terminate'): OpResult<W> {
  if (isCompleted(wf)) {
    throw bad(
      `cannot shutdown a completed workflow: workflow: ${JSON.stringify(wf.metadata.name)}, namespace: ${JSON.stringify(wf.metadata.namespace ?? '')}`,
    );
  }
  if (wf.spec.shutdown === strategy && wf.spec.suspend !== true) return { workflow: wf, changed: false };
  const out = structuredClone(wf);
  out.spec.shutdown = strategy;
  // As Argo's stop/terminate: a suspended workflow is unsuspended so the shutdown (and, for Stop, the exit handler)
  // can run; otherwise it would wait for a resume that stopping made pointless.
  delete out.spec.suspend;
  return { workflow: out, changed: true };
}

export interface StopOptions extends OpClock {
  /** Fail only the matching suspended nodes instead of stopping the workflow. */
  nodeFieldSelector?: string;
  message?: string;
}

/** spec.shutdown = 'Stop' (exit handlers still run), or, with a selector, fails the matching suspended nodes. */
export function stopWorkflow<W extends WorkflowObject>(wf: W, opts: StopOptions = {}): OpResult<W> {
  if (opts.nodeFieldSelector) {
    return setWorkflow(wf, { nodeFieldSelector: opts.nodeFieldSelector, phase: 'Failed', message: opts.message, clock: opts.clock });
  }
  return shutdown(wf, 'Stop');
}

/** spec.shutdown = 'Terminate' (running steps are killed, exit handlers skipped). */
export function terminateWorkflow<W extends WorkflowObject>(wf: W): OpResult<W> {
  return shutdown(wf, 'Terminate');
}

export interface SetOptions extends OpClock {
  /** Required: which suspended nodes to update. */
  nodeFieldSelector: string;
  phase?: NodePhase;
  message?: string;
  /** Values for output parameters declared with valueFrom.supplied. */
  outputParameters?: Record<string, string>;
}

/** Updates phase, message and supplied output parameters of the running Suspend nodes matching the selector. */
export function setWorkflow<W extends WorkflowObject>(wf: W, opts: SetOptions): OpResult<W> {
  if (!opts.nodeFieldSelector) throw bad("'set' currently only targets suspend nodes, use a node field selector to target them");
  const reqs = parseFieldSelector(opts.nodeFieldSelector);
  const out = structuredClone(wf);
  const now = nowOf(opts);
  let updated = false;
  for (const node of Object.values(out.status?.nodes ?? {})) {
    if (!isActiveSuspendNode(node) || !nodeMatches(reqs, node)) continue;
    if (opts.phase) {
      node.phase = opts.phase;
      if (NODE_DONE.has(opts.phase)) node.finishedAt = now;
      updated = true;
    }
    if (opts.message) {
      node.message = opts.message;
      updated = true;
    }
    for (const [name, value] of Object.entries(opts.outputParameters ?? {})) {
      const param = node.outputs?.parameters?.find((p) => p.name === name);
      if (!node.outputs) throw bad('cannot set output parameters because node is not expecting any raw parameters');
      if (!param) throw bad(`node is not expecting output parameter '${name}'`);
      if ((param.valueFrom as { supplied?: unknown } | undefined)?.supplied === undefined) {
        throw bad(`cannot set output parameter '${name}' because it does not use valueFrom.raw or it was already set`);
      }
      param.value = value;
      delete param.valueFrom;
      addGlobalOutput(out, param);
      updated = true;
    }
  }
  if (!updated)
    throw bad(`currently, set only targets suspend nodes: no suspend nodes matching nodeFieldSelector: ${opts.nodeFieldSelector}`);
  return { workflow: out, changed: true };
}

function addGlobalOutput(wf: WorkflowObject, p: ParamValue): void {
  const globalName = typeof p.globalName === 'string' ? p.globalName : '';
  if (globalName === '' || wf.status === undefined) return;
  const params = ((wf.status.outputs ??= {}).parameters ??= []);
  const existing = params.find((g) => g.name === globalName);
  if (existing) existing.value = p.value;
  else params.push({ name: globalName, value: p.value });
}

/** Applies NAME=VALUE overrides to spec.arguments.parameters (Argo's overrideParameters: overridden first). */
export function overrideParameters(spec: WorkflowObject['spec'], parameters: readonly string[] | undefined): void {
  if (!parameters || parameters.length === 0) return;
  const given: ParamValue[] = [];
  for (const s of parameters) {
    const i = s.indexOf('=');
    if (i < 0) throw bad(`expected parameter of the form: NAME=VALUE. Received: ${s}`);
    given.push({ name: s.slice(0, i), value: s.slice(i + 1) });
  }
  const names = new Set(given.map((p) => p.name));
  const args = (spec.arguments ??= {}) as { parameters?: unknown[] };
  const rest = (args.parameters ?? []).filter((p) => !names.has((p as { name: string }).name));
  args.parameters = [...given, ...rest];
}
