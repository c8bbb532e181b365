// Calling a child from a steps group or a DAG: `when` (after substitution, govaluate semantics), argument
// substitution, Skipped nodes, step/task-level exit handlers (onExit / hooks.exit) and continueOn.
import type * as Govaluate from '../expr/govaluate.js';
import { lazyModule } from '../core/lazy-module.js';
import { envFromFlat, evaluate } from '../expr/expr.js';
import type { LifecycleHook } from '../api/workflow-steps.js';
import type { WorkflowStep } from '../api/workflow-steps.js';
import type { Exec, Scope } from './execute.js';
import { isFailed, isFinished } from './nodes.js';
import { dropAbsentArtifacts, dropAbsentOutputRefs, subst, substDeep } from './params.js';
import type { Vars } from './params.js';
import type { NodeStatus } from './types.js';
import { errorMessage } from '../core/errors.js';

/** The `when` evaluator (govaluate) loads with the first step or task that has a `when`. */
const govaluate = lazyModule<typeof Govaluate>(import.meta.url, '../expr/govaluate.js');

export interface ChildCall {
  /** The step or task (loop already expanded: `vars` holds the item). */
  step: WorkflowStep;
  name: string;
  displayName: string;
  boundaryID: string;
  vars: Vars;
  scope: Scope;
  depth: number;
  /** A DAG task (its template sees `tasks.name`) rather than a step (`steps.name`). */
  inDag?: boolean;
}

/** `steps.name` / `tasks.name` for the called template, as Argo sets them: the step's or task's own name. */
const nameVars = (c: ChildCall): Vars => ({ [c.inDag === true ? 'tasks.name' : 'steps.name']: c.step.name });

/**
 * Notes on a node that will not run (Skipped, Omitted) the output parameter defaults its template declares
 * (`valueFrom.default`): references to its outputs resolve to them, as in Argo.
 */
export function recordAbsentDefaults(ex: Exec, step: WorkflowStep, scope: Scope, node: NodeStatus): void {
  const r = ex.resolve({ template: step.template, templateRef: step.templateRef, inline: step.inline as never }, scope);
  if ('error' in r) return;
  const defaults: Record<string, string> = {};
  for (const p of r.tmpl.outputs?.parameters ?? []) {
    const d = p.valueFrom?.default;
    if (d !== undefined && d !== null) defaults[p.name] = typeof d === 'string' ? d : JSON.stringify(d);
  }
  if (Object.keys(defaults).length > 0) node.weir = { ...node.weir, absentDefaults: defaults };
}

/** Returns the child node, or undefined when it may not start yet (parallelism). */
export function runChild(ex: Exec, c: ChildCall, canStart: boolean): NodeStatus | undefined {
  const existing = ex.nodes.byName(c.name);
  if (!existing) {
    if (!canStart || ex.spec.suspend === true) return undefined;
    const errors: string[] = [];
    if (c.step.when !== undefined) {
      const w = subst(c.step.when, c.vars, errors);
      if (errors.length === 0) {
        let run: boolean;
        try {
          run = govaluate().evaluateWhen(w);
        } catch (e) {
          return ex.nodes.mark(
            ex.nodes.create({ name: c.name, displayName: c.displayName, type: 'Skipped', boundaryID: c.boundaryID }),
            'Error',
            `invalid when ${JSON.stringify(w)}: ${errorMessage(e)}`,
          );
        }
        if (!run) {
          const n = ex.nodes.create({
            name: c.name,
            displayName: c.displayName,
            type: 'Skipped',
            boundaryID: c.boundaryID,
            templateName: c.step.template,
          });
          recordAbsentDefaults(ex, c.step, c.scope, n);
          return ex.nodes.mark(n, 'Skipped', `when '${w}' evaluated false`);
        }
      }
    }
    const args =
      errors.length === 0
        ? substDeep(dropAbsentOutputRefs(dropAbsentArtifacts(c.step.arguments ?? {}, c.vars), c.vars), c.vars, errors)
        : undefined;
    if (errors.length > 0) {
      const n = ex.nodes.create({
        name: c.name,
        displayName: c.displayName,
        type: 'Pod',
        boundaryID: c.boundaryID,
        templateName: c.step.template,
      });
      return ex.nodes.mark(n, 'Error', errors[0]);
    }
    return ex.executeTemplate({
      name: c.name,
      displayName: c.displayName,
      boundaryID: c.boundaryID,
      scope: c.scope,
      depth: c.depth + 1,
      call: { template: c.step.template, templateRef: c.step.templateRef, inline: c.step.inline as never, arguments: args },
      extraVars: nameVars(c),
    });
  }
  return ex.executeTemplate({
    name: c.name,
    displayName: c.displayName,
    boundaryID: c.boundaryID,
    scope: c.scope,
    depth: c.depth + 1,
    call: { template: c.step.template, templateRef: c.step.templateRef, inline: c.step.inline as never },
    extraVars: nameVars(c),
  });
}

/**
 * Runs the step's exit handler once the child has finished (node `<child>.onExit`). Returns false while the
 * handler still runs; the handler's failure does not change the child's own phase.
 */
export function runChildExitHandler(ex: Exec, c: ChildCall, child: NodeStatus, prefix: string, nodeVars: Vars): boolean {
  const hook = c.step.hooks?.exit ?? (c.step.onExit ? { template: c.step.onExit } : undefined);
  if (!hook || !isFinished(child.phase) || child.type === 'Skipped') return true;
  const errors: string[] = [];
  const vars = { ...c.vars, ...nodeVars, [`${prefix}.status`]: child.phase };
  const args = substDeep(hook.arguments ?? {}, vars, errors);
  const exitName = `${c.name}.onExit`;
  if (errors.length > 0 && !ex.nodes.byName(exitName)) {
    const n = ex.nodes.create({ name: exitName, displayName: `${c.displayName}.onExit`, type: 'Pod', boundaryID: c.boundaryID });
    ex.nodes.mark(n, 'Error', errors[0]);
    ex.nodes.addChild(child.id, n.id);
    return true;
  }
  const n = ex.executeTemplate({
    name: exitName,
    displayName: `${c.displayName}.onExit`,
    boundaryID: c.boundaryID,
    scope: c.scope,
    depth: c.depth + 1,
    call: { template: hook.template, templateRef: hook.templateRef, arguments: args },
  });
  ex.nodes.addChild(child.id, n.id);
  return isFinished(n.phase);
}

/** Whether a finished child's failure is tolerated by its continueOn. */
export function continues(step: WorkflowStep, phase: NodeStatus['phase']): boolean {
  if (!isFailed(phase)) return true;
  return phase === 'Failed' ? step.continueOn?.failed === true : step.continueOn?.error === true;
}

/**
 * Lifecycle hooks with an `expression` (every key but `exit`): each pass the expression is evaluated over `vars`;
 * the first time it is true the hook's template runs as node `<owner>.hooks.<key>` (once). Returns false while a
 * started hook still runs (its owner does not complete before it).
 */
export function runHooks(
  ex: Exec,
  hooks: Record<string, LifecycleHook> | undefined,
  owner: { name: string; displayName: string; boundaryID?: string; id: string },
  vars: Vars,
  scope: Scope,
  depth: number,
): boolean {
  let done = true;
  for (const [key, hook] of Object.entries(hooks ?? {})) {
    if (key === 'exit' || hook.expression === undefined) continue;
    const name = `${owner.name}.hooks.${key}`;
    const existing = ex.nodes.byName(name);
    if (!existing) {
      let fire: unknown;
      try {
        fire = evaluate(hook.expression, envFromFlat(vars));
      } catch {
        fire = false; // variables that do not exist yet (a step not started) keep the hook waiting
      }
      if (fire !== true) continue;
    }
    const errors: string[] = [];
    const args = existing ? undefined : substDeep(hook.arguments ?? {}, vars, errors);
    const n = ex.executeTemplate({
      name,
      displayName: `${owner.displayName}.hooks.${key}`,
      boundaryID: owner.boundaryID,
      scope,
      depth: depth + 1,
      call: { template: hook.template, templateRef: hook.templateRef, arguments: args },
    });
    if (owner.id !== ex.wf.metadata.name) ex.nodes.addChild(owner.id, n.id);
    if (!isFinished(n.phase)) done = false;
  }
  return done;
}
