// The template-kind dispatch of the executor as a typed table: which field of a template decides its kind (first
// match wins, in Argo's order), and the handler that runs a node of that kind. Adding a kind is one row in each.
// A template with none of the fields (or a plugin template) is an Error node, never a silent no-op.
import { parseGoDuration } from '../core/duration.js';
import { errorMessage } from '../core/errors.js';
import { lazyModule } from '../core/lazy-module.js';
import type { Template } from '../api/workflow-template.js';
import type { Exec, Scope } from './execute.js';
import { isFinished } from './nodes.js';
import { subst } from './params.js';
import type { InputArtifact, Vars } from './params.js';
import type * as Steps from './steps.js';
import type * as Dag from './dag.js';
import type * as ContainerSet from './container-set.js';
import type * as HttpStep from './http-step.js';
import type * as ResourceStep from './resource-step.js';
import type * as DataStep from './data-step.js';
import { executePod } from './pod-node.js';
import { killDaemons } from './pod-extras.js';
import type { NodeStatus } from './types.js';

/** What a kind's handler gets: the node, its template and variables, input artifacts, and the calling scope. */
export interface TemplateRun {
  node: NodeStatus;
  tmpl: Template;
  vars: Vars;
  arts: InputArtifact[];
  scope: Scope;
  depth: number;
}

type TemplateKind = 'pod' | 'steps' | 'dag' | 'suspend' | 'containerSet' | 'http' | 'resource' | 'data';

/** Template fields that decide the kind, in the order they are checked. */
const KIND_FIELDS: readonly (readonly [keyof Template, TemplateKind])[] = [
  ['container', 'pod'],
  ['script', 'pod'],
  ['steps', 'steps'],
  ['dag', 'dag'],
  ['suspend', 'suspend'],
  ['containerSet', 'containerSet'],
  ['http', 'http'],
  ['resource', 'resource'],
  ['data', 'data'],
];

// The handlers of the kinds other than pod and suspend load with the first template of their kind (a CLI run of a
// single-container workflow skips them; steps and dag bring loops, depends and the child runner).
const steps = lazyModule<typeof Steps>(import.meta.url, './steps.js');
const dag = lazyModule<typeof Dag>(import.meta.url, './dag.js');
const containerSet = lazyModule<typeof ContainerSet>(import.meta.url, './container-set.js');
const httpStep = lazyModule<typeof HttpStep>(import.meta.url, './http-step.js');
const resourceStep = lazyModule<typeof ResourceStep>(import.meta.url, './resource-step.js');
const dataStep = lazyModule<typeof DataStep>(import.meta.url, './data-step.js');

/** A steps or DAG node that finished stops the daemons started under it. */
function withDaemonsStopped(ex: Exec, done: NodeStatus): NodeStatus {
  if (isFinished(done.phase)) killDaemons(ex, done.id);
  return done;
}

const TEMPLATE_KINDS = {
  pod: (ex, r) => executePod(ex, r.node, r.tmpl, r.vars, r.arts),
  steps: (ex, r) => withDaemonsStopped(ex, steps().executeSteps(ex, r.node, r.tmpl, r.vars, r.scope, r.depth)),
  dag: (ex, r) => withDaemonsStopped(ex, dag().executeDag(ex, r.node, r.tmpl, r.vars, r.scope, r.depth)),
  suspend: (ex, r) => executeSuspend(ex, r.node, r.tmpl, r.vars),
  containerSet: (ex, r) => containerSet().executeContainerSet(ex, r.node, r.tmpl, r.vars),
  http: (ex, r) => httpStep().executeHttp(ex, r.node, r.tmpl, r.vars),
  resource: (ex, r) => resourceStep().executeResource(ex, r.node, r.tmpl, r.vars, r.arts),
  data: (ex, r) => dataStep().executeData(ex, r.node, r.tmpl, r.vars),
} satisfies Record<TemplateKind, (ex: Exec, r: TemplateRun) => NodeStatus>;

/** The kind of `t`, or undefined when Weir cannot run it. */
function templateKind(t: Template): TemplateKind | undefined {
  return KIND_FIELDS.find(([field]) => Boolean(t[field]))?.[1];
}

/** Runs (or advances) `r.node` with the handler of its template's kind. */
export function runTemplateKind(ex: Exec, r: TemplateRun): NodeStatus {
  const kind = templateKind(r.tmpl);
  if (kind === undefined) return ex.nodes.mark(r.node, 'Error', `not supported yet: ${r.tmpl.plugin ? 'plugin' : 'empty'} templates`);
  return TEMPLATE_KINDS[kind](ex, r);
}

/** A suspend node: Running until resumed, or until its duration has passed since it started. */
function executeSuspend(ex: Exec, node: NodeStatus, tmpl: Template, vars: Vars): NodeStatus {
  const errors: string[] = [];
  const duration = tmpl.suspend?.duration === undefined ? undefined : subst(String(tmpl.suspend.duration), vars, errors);
  if (errors.length > 0) return ex.nodes.mark(node, 'Error', errors[0]);
  if (duration === undefined || duration === '') {
    // Stays Running until resumed: something else (manual-ops resume) sets this node's phase to Succeeded.
    node.phase = 'Running';
    return node;
  }
  let ms: number;
  try {
    ms = parseGoDuration(duration);
  } catch (e) {
    return ex.nodes.mark(node, 'Error', errorMessage(e));
  }
  node.phase = 'Running';
  const until = Date.parse(node.startedAt ?? '') + ms;
  if (ex.now >= until) return ex.nodes.mark(node, 'Succeeded');
  ex.requeueAfter(until - ex.now);
  return node;
}
