// The recursive template executor of one reconcile pass (Argo's executeTemplate): resolves a template call
// (local, templateRef, inline), resolves inputs, wraps retries, and dispatches to pod, steps, DAG and suspend
// handling (the kind table: template-kinds.ts). Everything here is pure over the OperateContext; side effects are collected as actions.
import type { Template } from '../api/workflow-template.js';
import type { Arguments, Artifact } from '../api/workflow-io.js';
import type { RetryStrategy, TemplateRef } from '../api/workflow-steps.js';
import type { WorkflowSpec } from '../api/workflow.js';
import type { NodeMap } from './nodes.js';
import { isFinished, retryAttemptName } from './nodes.js';
import { inputVars, resolveInputs, subst } from './params.js';
import { substituteIntoExpression } from '../expr/template.js';
import { artifactRefJson, hasAnyLocation, inputArtifactVars, outputArtifactPathVars, parseArtifactRef } from './artifacts.js';
import type { InputArtifact, Vars } from './params.js';
import { KUBERNETES_ONLY_TEMPLATE_FIELDS } from './pod-step.js';
import type * as Retry from './retry.js';
import { lazyModule } from '../core/lazy-module.js';
import { lookupEntry, memoKey } from './memoize.js';
import { LockTable, locksOf } from './sync.js';
import { applyTemplateDefaults } from './template-defaults.js';
import { hasStep } from './types.js';
import type { Action, NodeStatus, NodeType, OperateContext, ParamValue, WorkflowObject, WorkflowStatus } from './types.js';
import { runTemplateKind } from './template-kinds.js';

/** Retry decisions load with the first retryStrategy met. */
const retryModule = lazyModule<typeof Retry>(import.meta.url, './retry.js');

/** Where plain `template: x` names resolve: the workflow's own templates or those of a (cluster) workflow template. */
export type Scope = { kind: 'local' } | { kind: 'ref'; name: string; cluster: boolean };

export interface Call {
  template?: string;
  templateRef?: TemplateRef;
  inline?: Template;
  /** Substituted arguments (only used when the node is created). */
  arguments?: Arguments;
}

export interface ExecOptions {
  name: string;
  displayName: string;
  boundaryID?: string;
  call: Call;
  scope: Scope;
  depth: number;
  /** Variables beyond workflow.* that the template may see (exit handlers: workflow.status). */
  extraVars?: Vars;
  /** Set on retry attempts so the strategy is not applied twice. */
  attempt?: number;
  /** A retryStrategy from outside the template (spec.retryStrategy for the entrypoint); the template's own wins. */
  retry?: RetryStrategy;
}

interface Resolved {
  tmpl: Template;
  scope: Scope;
  templateName?: string;
  templateRef?: TemplateRef;
}

/** One template call past its memoization check: the call, its template and the node fields decided so far. */
interface TemplateCall {
  o: ExecOptions;
  r: Resolved;
  /** templateName or templateRef of the node. */
  ids: Partial<NodeStatus>;
  /** The node's `inputs` (empty when it has none). */
  inputs: Partial<NodeStatus>;
  params: ParamValue[];
  arts: InputArtifact[];
  /** The node when an earlier pass created it. */
  existing: NodeStatus | undefined;
  /** Cache key of a memoized template that missed. */
  memo: { key: string; cacheName: string } | undefined;
}

const typeOf = (t: Template): NodeType => (t.steps ? 'Steps' : t.dag ? 'DAG' : t.suspend ? 'Suspend' : t.http ? 'HTTP' : 'Pod');

export class Exec {
  readonly actions: Action[] = [];
  readonly locks: LockTable;
  readonly notes = new Set<string>();
  requeueMs: number | undefined;
  activePods = 0;

  constructor(
    readonly wf: WorkflowObject,
    readonly spec: WorkflowSpec,
    readonly status: WorkflowStatus,
    readonly ctx: OperateContext,
    readonly nodes: NodeMap,
    public globals: Vars,
  ) {
    this.locks = new LockTable(status, (k) => ctx.lockHolders?.(k) ?? 0);
    for (const n of Object.values(nodes.nodes)) {
      if (hasStep(n.type) && !isFinished(n.phase) && ctx.pod(n.id) !== undefined) this.activePods++;
    }
  }

  get now(): number {
    return this.ctx.now;
  }

  requeueAfter(ms: number): void {
    const v = Math.max(0, Math.ceil(ms));
    this.requeueMs = this.requeueMs === undefined ? v : Math.min(this.requeueMs, v);
  }

  resolve(call: Call, scope: Scope): Resolved | { error: string } {
    const defaults = this.spec.templateDefaults;
    const withDefaults = (t: Template): Template => applyTemplateDefaults(defaults, t);
    if (call.inline) return { tmpl: withDefaults({ ...call.inline, name: call.inline.name ?? '' }), scope };
    if (call.templateRef) {
      const ref = call.templateRef;
      const src = this.ctx.workflowTemplate(ref.name ?? '', ref.clusterScope === true);
      const what = ref.clusterScope ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate';
      if (!src) return { error: `${what} ${JSON.stringify(ref.name ?? '')} not found` };
      const t = (src.spec.templates ?? []).find((x) => x.name === ref.template);
      if (!t) return { error: `template ${JSON.stringify(ref.template ?? '')} not found in ${what} ${JSON.stringify(ref.name)}` };
      return { tmpl: withDefaults(t), scope: { kind: 'ref', name: ref.name ?? '', cluster: ref.clusterScope === true }, templateRef: ref };
    }
    const name = call.template ?? '';
    const list =
      scope.kind === 'local' ? (this.spec.templates ?? []) : (this.ctx.workflowTemplate(scope.name, scope.cluster)?.spec.templates ?? []);
    const t = list.find((x) => x.name === name);
    if (!t) return { error: `template ${JSON.stringify(name)} not found` };
    return { tmpl: withDefaults(t), scope, templateName: name };
  }

  private errorNode(o: ExecOptions, message: string, type: NodeType = 'Pod', extra: Partial<NodeStatus> = {}): NodeStatus {
    const existing = this.nodes.byName(o.name);
    const node = existing ?? this.nodes.create({ name: o.name, displayName: o.displayName, type, boundaryID: o.boundaryID, ...extra });
    return this.nodes.mark(node, 'Error', message);
  }

  /** Runs (or advances) the node called `o.name`; returns it. */
  executeTemplate(o: ExecOptions): NodeStatus {
    const existing = this.nodes.byName(o.name);
    if (existing && isFinished(existing.phase)) return existing;
    if (o.depth > (this.ctx.maxDepth ?? 100)) {
      return this.errorNode(
        o,
        `maximum recursion depth exceeded (${this.ctx.maxDepth ?? 100} nested templates); is a template calling itself without end?`,
      );
    }
    const r = this.resolve(o.call, o.scope);
    if ('error' in r) return this.errorNode(o, r.error);
    const { tmpl } = r;
    const ids: Partial<NodeStatus> = r.templateRef ? { templateRef: r.templateRef } : { templateName: r.templateName ?? tmpl.name };
    let params: ParamValue[];
    let arts: InputArtifact[];
    if (existing) {
      params = existing.inputs?.parameters ?? [];
      arts = existing.inputs?.artifacts ?? [];
    } else {
      const inp = resolveInputs(tmpl, o.call.arguments, (n) => this.ctx.configMap(n), { ...this.globals, ...o.extraVars });
      if (inp.error) return this.errorNode(o, inp.error, typeOf(tmpl), ids);
      params = inp.parameters;
      arts = inp.artifacts ?? [];
    }
    const inputs: Partial<NodeStatus> = {};
    if (params.length > 0 || arts.length > 0) {
      inputs.inputs = {
        ...(params.length > 0 ? { parameters: params } : {}),
        ...(arts.length > 0 ? { artifacts: arts } : {}),
      };
    }
    let memo: { key: string; cacheName: string } | undefined;
    if (tmpl.memoize && !existing && o.attempt === undefined) {
      const mk = memoKey(tmpl.memoize, { ...this.globals, ...o.extraVars, ...inputVars(params) });
      if ('error' in mk) return this.errorNode(o, mk.error, typeOf(tmpl), ids);
      memo = mk;
      const hit = lookupEntry(this.memoWrites.get(mk.cacheName) ?? this.ctx.configMap(mk.cacheName), mk.key, tmpl.memoize.maxAge, this.now);
      if (hit) {
        const n = this.nodes.create({
          name: o.name,
          displayName: o.displayName,
          type: typeOf(tmpl),
          boundaryID: o.boundaryID,
          ...ids,
          ...inputs,
        });
        n.memoizationStatus = { hit: true, ...mk };
        if (hit.outputs) n.outputs = hit.outputs;
        this.exportGlobals(n);
        return this.nodes.mark(n, 'Succeeded');
      }
    }
    const done = this.executeFresh({ o, r, ids, inputs, params, arts, existing, memo });
    const ms = done.memoizationStatus;
    if (ms && !ms.hit && done.phase === 'Succeeded') this.saveMemo(ms, done);
    return done;
  }

  private executeFresh(c: TemplateCall): NodeStatus {
    const { o, ids, inputs, params, existing, memo } = c;
    const tmpl = c.r.tmpl;
    let strategy = tmpl.retryStrategy ?? o.retry;
    if (strategy?.expression?.includes('{{') === true) {
      // Argo fills the template's variables (inputs...) into the expression first; here values go in as data.
      const v: Vars = { ...this.globals, ...o.extraVars, ...inputVars(params) };
      strategy = { ...strategy, expression: substituteIntoExpression(strategy.expression, (n) => v[n]) };
    }
    if (strategy && o.attempt === undefined) {
      const rn = this.executeRetry(o, strategy, ids, inputs);
      if (memo) rn.memoizationStatus ??= { hit: false, ...memo };
      return rn;
    }
    const node =
      existing ??
      this.nodes.create({ name: o.name, displayName: o.displayName, type: typeOf(tmpl), boundaryID: o.boundaryID, ...ids, ...inputs });
    if (memo) node.memoizationStatus ??= { hit: false, ...memo };
    if (tmpl.synchronization) {
      const waiting = this.acquireLocks(tmpl, node);
      if (waiting !== undefined) return waiting;
      const done = this.dispatch(node, c);
      if (isFinished(done.phase)) this.locks.release(this.holder(node.id));
      return done;
    }
    return this.dispatch(node, c);
  }

  /** The lock holder name of a node (Argo's `<namespace>/<workflow>/<node id>`; the workflow itself without a node). */
  holder(nodeId?: string): string {
    const m = this.wf.metadata;
    return `${m.namespace ?? 'default'}/${m.name}${nodeId === undefined ? '' : `/${nodeId}`}`;
  }

  /** Takes the template's locks for the node; returns the node (Pending, waiting) when they are not free. */
  private acquireLocks(tmpl: Template, node: NodeStatus): NodeStatus | undefined {
    const locks = locksOf(tmpl.synchronization, this.wf.metadata.namespace ?? 'default', (n) => this.ctx.configMap(n));
    if ('error' in locks) return this.nodes.mark(node, 'Error', locks.error);
    const waiting = this.locks.acquire(locks, this.holder(node.id));
    if (waiting !== undefined) {
      node.phase = 'Pending';
      node.message = waiting;
      return node;
    }
    if (node.message?.startsWith('Waiting for ')) delete node.message;
    return undefined;
  }

  private dispatch(node: NodeStatus, c: TemplateCall): NodeStatus {
    const { o, r, params, arts } = c;
    const tmpl = r.tmpl;
    const vars: Vars = {
      ...this.globals,
      ...o.extraVars,
      ...inputVars(params),
      ...inputArtifactVars(arts),
      ...outputArtifactPathVars(tmpl.outputs?.artifacts, tmpl.outputs?.parameters),
      'node.name': o.name,
      retries: String(o.attempt ?? 0),
    };
    // The pod executor applies them (pod-settings.ts); other executors ignore them, said once in the log.
    if (this.ctx.runsPods !== true)
      for (const f of KUBERNETES_ONLY_TEMPLATE_FIELDS) if (tmpl[f] !== undefined && f !== 'metadata') this.notes.add(`template field ${f}`);
    return runTemplateKind(this, { node, tmpl, vars, arts, scope: r.scope, depth: o.depth });
  }

  private executeRetry(o: ExecOptions, strategy: RetryStrategy, ids: Partial<NodeStatus>, inputs: Partial<NodeStatus>): NodeStatus {
    const node =
      this.nodes.byName(o.name) ??
      this.nodes.create({ name: o.name, displayName: o.displayName, type: 'Retry', boundaryID: o.boundaryID, ...ids, ...inputs });
    node.phase = 'Running';
    for (let guard = 0; guard < 1000; guard++) {
      const attempts = (node.children ?? []).map((id) => this.nodes.get(id)).filter((n): n is NodeStatus => n !== undefined);
      const d = retryModule().decideRetry(strategy, attempts, this.now);
      if (d.kind === 'running') {
        const n = attempts.length - 1;
        const last = this.executeTemplate({
          ...o,
          name: retryAttemptName(o.name, n),
          displayName: retryAttemptName(o.displayName, n),
          attempt: n,
        });
        if (!isFinished(last.phase)) {
          if (last.daemoned === true) node.daemoned = true;
          return node;
        }
        continue;
      }
      if (d.kind === 'wait') {
        this.requeueAfter(d.ms);
        return node;
      }
      if (d.kind === 'done') {
        if (d.from?.outputs) node.outputs = d.from.outputs;
        this.exportGlobals(node);
        return this.nodes.mark(node, d.phase, d.message);
      }
      const child = this.executeTemplate({
        ...o,
        name: retryAttemptName(o.name, d.attempt),
        displayName: retryAttemptName(o.displayName, d.attempt),
        attempt: d.attempt,
        call: { ...o.call, arguments: { parameters: inputs.inputs?.parameters ?? [] } },
      });
      this.nodes.addChild(node.id, child.id);
      if (!isFinished(child.phase)) return node;
    }
    return this.nodes.mark(node, 'Error', 'retry loop did not settle');
  }

  /** Cache entries written in this pass, by cache name (seen before the controller stores them). */
  readonly memoWrites = new Map<string, Record<string, string>>();

  private saveMemo(ms: { key: string; cacheName: string }, node: NodeStatus): void {
    const at = new Date(this.now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const entry = JSON.stringify({ nodeID: node.id, outputs: node.outputs ?? {}, creationTimestamp: at, lastHitTimestamp: at });
    const data = { ...(this.memoWrites.get(ms.cacheName) ?? this.ctx.configMap(ms.cacheName) ?? {}), [ms.key]: entry };
    this.memoWrites.set(ms.cacheName, data);
    this.actions.push({ type: 'memoize', cacheName: ms.cacheName, key: ms.key, entry });
  }

  /** Publishes parameters and artifacts with a globalName as workflow outputs (`workflow.outputs.*`). */
  exportGlobals(node: NodeStatus): void {
    for (const a of node.outputs?.artifacts ?? []) {
      const g = a.globalName;
      if (typeof g !== 'string' || g === '' || !hasAnyLocation(a)) continue;
      const list = ((this.status.outputs ??= {}).artifacts ??= []);
      const entry = { ...a, name: g };
      delete entry.globalName;
      const i = list.findIndex((x) => x.name === g);
      if (i >= 0) list[i] = entry;
      else list.push(entry);
      this.globals = { ...this.globals, [`workflow.outputs.artifacts.${g}`]: artifactRefJson(a) };
    }
    for (const p of node.outputs?.parameters ?? []) {
      const g = p.globalName;
      if (typeof g !== 'string' || g === '' || p.value === undefined) continue;
      const list = ((this.status.outputs ??= {}).parameters ??= []);
      const cur = list.find((x) => x.name === g);
      if (cur) cur.value = p.value;
      else list.push({ name: g, value: p.value });
      this.globals = { ...this.globals, [`workflow.outputs.parameters.${g}`]: p.value };
    }
  }

  /** Template outputs of steps/DAG templates: parameters from valueFrom.parameter / expression / value. */
  templateOutputs(node: NodeStatus, tmpl: Template, vars: Vars): string | undefined {
    const params: ParamValue[] = [];
    for (const p of tmpl.outputs?.parameters ?? []) {
      const errors: string[] = [];
      const vf = p.valueFrom;
      let value: string | undefined;
      // Go's JSON decoding matches field names case-insensitively: Argo also reads `Parameter`.
      const fromParam = vf?.parameter ?? (vf as { Parameter?: unknown } | undefined)?.Parameter;
      if (typeof fromParam === 'string') value = subst(fromParam, vars, errors);
      else if (vf?.expression !== undefined) value = subst(`{{=${vf.expression}}}`, vars, errors);
      else if (p.value !== undefined) value = subst(String(p.value), vars, errors);
      if (errors.length > 0) {
        if (vf?.default !== undefined) value = String(vf.default);
        else return errors[0];
      }
      const out: ParamValue = { name: p.name };
      if (value !== undefined) out.value = value;
      if (p.globalName) out.globalName = p.globalName;
      params.push(out);
    }
    if (params.length > 0) node.outputs = { ...node.outputs, parameters: params };
    const arts: Artifact[] = [];
    for (const a of tmpl.outputs?.artifacts ?? []) {
      const errors: string[] = [];
      const from =
        a.from !== undefined
          ? subst(a.from, vars, errors)
          : a.fromExpression !== undefined
            ? subst(`{{=${a.fromExpression}}}`, vars, errors)
            : undefined;
      const loc = errors.length === 0 ? parseArtifactRef(from) : undefined;
      if (loc === undefined) {
        if (a.optional === true) continue;
        return errors[0] ?? `outputs.artifacts.${a.name}: cannot resolve ${JSON.stringify(a.from ?? a.fromExpression ?? '')}`;
      }
      const own: Artifact = { ...a };
      delete own.from;
      delete own.fromExpression;
      arts.push({ ...own, ...loc });
    }
    if (arts.length > 0) node.outputs = { ...node.outputs, artifacts: arts };
    this.exportGlobals(node);
    return undefined;
  }
}
