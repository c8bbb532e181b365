// `steps` templates: groups run in order, steps inside a group in parallel. Node tree as Argo builds it: the
// Steps node's first child is StepGroup `name[0]`; each later group hangs off the previous group's outbound nodes.
import type { Template } from '../api/workflow-template.js';
import type { Exec, Scope } from './execute.js';
import { runChild, runChildExitHandler, runHooks, continues } from './children.js';
import type { ChildCall } from './children.js';
import { isFinished, isSettled, loopItemName, stepGroupName, stepNodeName } from './nodes.js';
import { aggregateVars, nodeVars } from './params.js';
import type { Vars } from './params.js';
import { EMPTY_PARAMS, expandLoop, isLoop, itemVars } from './loops.js';
import type { NodeStatus } from './types.js';

export function executeSteps(ex: Exec, node: NodeStatus, tmpl: Template, vars: Vars, scope: Scope, depth: number): NodeStatus {
  node.phase = 'Running';
  const groups = tmpl.steps ?? [];
  const scopeVars: Vars = { ...vars };
  let prev: NodeStatus | undefined;
  for (let i = 0; i < groups.length; i++) {
    const gName = stepGroupName(node.name, i);
    const g =
      ex.nodes.byName(gName) ??
      ex.nodes.create({ name: gName, displayName: `[${i}]`, type: 'StepGroup', boundaryID: node.id, phase: 'Running' });
    if (!prev) ex.nodes.addChild(node.id, g.id);
    else if ((prev.children ?? []).length === 0) ex.nodes.addChild(prev.id, g.id);
    else for (const c of prev.children ?? []) for (const out of ex.nodes.outbound(c)) ex.nodes.addChild(out, g.id);
    const r = executeGroup(ex, { group: g, steps: groups[i], parent: node, tmpl, vars: scopeVars, scope, depth });
    Object.assign(scopeVars, r.vars); // one growing map (copying it per group is quadratic in long chains)
    if (!isFinished(g.phase)) return node;
    if (g.phase === 'Failed' || g.phase === 'Error') {
      node.outboundNodes = (g.children ?? []).flatMap((c) => ex.nodes.outbound(c));
      return ex.nodes.mark(node, g.phase, g.message);
    }
    prev = g;
  }
  node.outboundNodes = prev ? (prev.children ?? []).flatMap((c) => ex.nodes.outbound(c)) : [];
  const err = ex.templateOutputs(node, tmpl, scopeVars);
  if (err) return ex.nodes.mark(node, 'Error', err);
  return ex.nodes.mark(node, 'Succeeded');
}

/** One step group of a Steps node: its StepGroup node, its steps, and the Steps node and template around it. */
interface GroupRun {
  group: NodeStatus;
  steps: NonNullable<Template['steps']>[number];
  /** The Steps node (boundary of the steps' nodes). */
  parent: NodeStatus;
  tmpl: Template;
  vars: Vars;
  scope: Scope;
  depth: number;
}

/** Runs (or advances) the steps of one group in parallel; returns the `steps.*` variables it produced. */
function executeGroup(ex: Exec, run: GroupRun): { vars: Vars } {
  const { group: g, steps, parent, tmpl, vars, scope, depth } = run;
  const out: Vars = {};
  let running = 0;
  for (const id of g.children ?? []) {
    const n = ex.nodes.get(id);
    if (n && !isFinished(n.phase)) running++;
  }
  let allDone = true;
  let failure: NodeStatus | undefined;
  for (const step of steps) {
    const calls: ChildCall[] = [];
    if (isLoop(step)) {
      const errors: string[] = [];
      const items = expandLoop(step, vars, errors);
      if (errors.length > 0) {
        ex.nodes.mark(g, 'Error', errors[0]);
        return { vars: out };
      }
      if (items.length === 0) {
        const sName = stepNodeName(g.name, step.name);
        const skipped =
          ex.nodes.byName(sName) ??
          ex.nodes.mark(
            ex.nodes.create({ name: sName, displayName: step.name, type: 'Skipped', boundaryID: parent.id, templateName: step.template }),
            'Skipped',
            EMPTY_PARAMS,
          );
        ex.nodes.addChild(g.id, skipped.id);
      }
      items.forEach((item, i) => {
        const dn = loopItemName(step.name, i, item);
        calls.push({
          step,
          name: stepNodeName(g.name, dn),
          displayName: dn,
          boundaryID: parent.id,
          vars: { ...vars, ...itemVars(item) },
          scope,
          depth,
        });
      });
    } else {
      calls.push({ step, name: stepNodeName(g.name, step.name), displayName: step.name, boundaryID: parent.id, vars, scope, depth });
    }
    const children: NodeStatus[] = [];
    for (const c of calls) {
      const wasNew = ex.nodes.byName(c.name) === undefined;
      const canStart = tmpl.parallelism === undefined || running < tmpl.parallelism;
      const child = runChild(ex, c, canStart);
      if (!child) {
        allDone = false;
        continue;
      }
      ex.nodes.addChild(g.id, child.id);
      if (wasNew && !isFinished(child.phase)) running++;
      const prefix = `steps.${step.name}`;
      // (vars are only assembled when there are hooks: copying the scope per step and pass is quadratic in long chains)
      const hooksDone =
        step.hooks === undefined ||
        runHooks(
          ex,
          step.hooks,
          { name: c.name, displayName: c.displayName, boundaryID: c.boundaryID, id: child.id },
          { ...c.vars, ...nodeVars(prefix, child) },
          c.scope,
          c.depth,
        );
      const hookDone =
        step.hooks === undefined && step.onExit === undefined
          ? hooksDone
          : runChildExitHandler(ex, c, child, prefix, nodeVars(prefix, child)) && hooksDone;
      children.push(child);
      if (!isSettled(child) || !hookDone) allDone = false;
      else if (!continues(step, child.phase)) failure ??= child;
    }
    const prefix = `steps.${step.name}`;
    if (isLoop(step)) {
      const phase = children.every((c) => isSettled(c))
        ? (children.find((c) => c.phase === 'Failed' || c.phase === 'Error')?.phase ?? 'Succeeded')
        : 'Running';
      Object.assign(out, aggregateVars(prefix, children, phase, g.id));
    } else if (children[0]) Object.assign(out, nodeVars(prefix, children[0]));
  }
  if (!allDone) return { vars: out };
  if (failure) ex.nodes.mark(g, failure.phase, `child '${failure.id}' ${failure.phase === 'Error' ? 'errored' : 'failed'}`);
  else ex.nodes.mark(g, 'Succeeded');
  return { vars: out };
}
