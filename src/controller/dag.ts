// `dag` templates: tasks start when their `depends` (or `dependencies`) holds, Omitted when it cannot, loops become
// TaskGroup nodes, failFast stops scheduling after an unhandled failure, and the DAG's phase follows Argo's
// assessment: each target task's branch phase (an Omitted task inherits the phase of the branch it sits on).
import { dependenciesToDepends, dependsTaskNames, evaluateDepends, parseDepends } from '../expr/depends.js';
import type { DependsNode, TaskResult } from '../expr/depends.js';
import type { DAGTask } from '../api/workflow-steps.js';
import type { Template } from '../api/workflow-template.js';
import type { Exec, Scope } from './execute.js';
import { continues, recordAbsentDefaults, runChild, runChildExitHandler, runHooks } from './children.js';
import type { ChildCall } from './children.js';
import { isFailed, isFinished, isSettled, loopItemName, taskNodeName } from './nodes.js';
import { aggregateVars, nodeVars, subst } from './params.js';
import type { Vars } from './params.js';
import { EMPTY_PARAMS, expandLoop, isLoop, itemVars } from './loops.js';
import type { NodePhase, NodeStatus } from './types.js';
import { errorMessage } from '../core/errors.js';

interface TaskInfo {
  task: DAGTask;
  depends?: DependsNode;
  deps: string[];
  /** Tasks whose `tasks.<name>.*` variables this task's fields mention; 'all' when it indexes `tasks[...]`. */
  refs: string[] | 'all';
}

/**
 * The task names a task's fields refer to through `tasks.<name>`; 'all' when `tasks` appears in any other form
 * (`tasks?.x`, `tasks . x`, `tasks['x']`, `len(tasks)`, or just the word in a value): then every task's variables.
 */
function taskRefs(t: DAGTask): string[] | 'all' {
  const text = JSON.stringify(t);
  const names = new Set<string>();
  for (const m of text.matchAll(/\btasks\b(\.([A-Za-z0-9_-]+))?/g)) {
    if (m[2] === undefined) return 'all';
    names.add(m[2]);
  }
  return [...names];
}

export function executeDag(ex: Exec, node: NodeStatus, tmpl: Template, vars: Vars, scope: Scope, depth: number): NodeStatus {
  node.phase = 'Running';
  const dag = tmpl.dag;
  if (!dag) return node;
  const infos = new Map<string, TaskInfo>();
  const plainNames = dag.tasks.every((t) => /^[A-Za-z0-9_-]+$/.test(t.name));
  try {
    for (const t of dag.tasks) {
      const src = t.depends ?? (t.dependencies && t.dependencies.length > 0 ? dependenciesToDepends(t.dependencies) : undefined);
      const d = src !== undefined && src.trim() !== '' ? parseDepends(src) : undefined;
      infos.set(t.name, { task: t, depends: d, deps: d ? dependsTaskNames(d) : [], refs: plainNames ? taskRefs(t) : 'all' });
    }
  } catch (e) {
    return ex.nodes.mark(node, 'Error', errorMessage(e));
  }
  const errors: string[] = [];
  const targetText = dag.target !== undefined ? subst(dag.target, vars, errors) : undefined;
  if (errors.length > 0) return ex.nodes.mark(node, 'Error', errors[0]);
  const dependedOn = new Set([...infos.values()].flatMap((i) => i.deps));
  const targets =
    targetText !== undefined && targetText.trim() !== ''
      ? targetText.trim().split(/\s+/)
      : dag.tasks.map((t) => t.name).filter((n) => !dependedOn.has(n));
  for (const t of targets) if (!infos.has(t)) return ex.nodes.mark(node, 'Error', `target ${JSON.stringify(t)} is not a task of this DAG`);
  const needed = new Set<string>();
  const visit = (n: string): void => {
    if (needed.has(n) || !infos.has(n)) return;
    needed.add(n);
    for (const d of infos.get(n)?.deps ?? []) visit(d);
  };
  targets.forEach(visit);
  const failFast = dag.failFast !== false;
  const handled = new Set<string>();
  for (const i of infos.values()) {
    for (const m of (i.task.depends ?? '').matchAll(/([A-Za-z0-9_-]+)\.(Failed|Errored|AllFailed)/g)) handled.add(m[1]);
  }
  const taskNode = (name: string): NodeStatus | undefined => ex.nodes.byName(taskNodeName(node.name, name));
  /** Tasks whose node finished but whose hooks (exit handler, expression hooks) still run: not finished yet. */
  const hooksRunning = new Set<string>();
  const result = (name: string): TaskResult | undefined => {
    const n = taskNode(name);
    if (!n) return undefined;
    if (hooksRunning.has(name)) return { phase: 'Running' };
    const r: TaskResult = {
      phase: n.phase,
      continueOn: infos.get(name)?.task.continueOn,
      ...(n.daemoned === true ? { daemoned: true } : {}),
    };
    if (n.type === 'TaskGroup') r.childPhases = (n.children ?? []).map((id) => ex.nodes.get(id)?.phase ?? 'Pending');
    return r;
  };
  const varsOf = (name: string): Vars => {
    const n = taskNode(name);
    if (!n) return {};
    if (n.type !== 'TaskGroup') return nodeVars(`tasks.${name}`, n);
    const kids = (n.children ?? []).map((id) => ex.nodes.get(id)).filter((x): x is NodeStatus => x !== undefined);
    return aggregateVars(`tasks.${name}`, kids, n.phase, n.id);
  };
  // tasks.* variables per task, kept current as tasks run. Each task gets the scope plus the variables of the tasks
  // its own fields mention (copying every task's variables for every task is quadratic in wide DAGs).
  const byTask = new Map<string, Vars>();
  const refreshVars = (): void => {
    byTask.clear();
    for (const name of needed) byTask.set(name, varsOf(name));
  };
  const allTaskVars = (): Vars => Object.assign({}, ...byTask.values()) as Vars;
  const varsFor = (info: TaskInfo): Vars => {
    if (info.refs === 'all') return { ...vars, ...allTaskVars() };
    const out: Vars = { ...vars };
    for (const r of info.refs) Object.assign(out, byTask.get(r));
    return out;
  };
  const computeStop = (): boolean =>
    failFast &&
    [...needed].some((name) => {
      const n = taskNode(name);
      return n !== undefined && isFailed(n.phase) && !handled.has(name) && !continues(infos.get(name)?.task as DAGTask, n.phase);
    });
  const running = (): number =>
    [...needed].filter((n) => {
      const x = taskNode(n);
      return x !== undefined && !isFinished(x.phase);
    }).length;
  for (let pass = 0, progress = true; progress && pass < 10_000; pass++) {
    progress = false;
    refreshVars();
    let stopped = computeStop();
    for (const t of dag.tasks) {
      if (!needed.has(t.name)) continue;
      const info = infos.get(t.name) as TaskInfo;
      const existing = taskNode(t.name);
      const hooked = Object.keys(t.hooks ?? {}).length > 0 || t.onExit !== undefined;
      if (existing && isFinished(existing.phase) && !hooked) continue;
      if (!existing) {
        const ok = info.depends ? evaluateDepends(info.depends, result) : true;
        if (ok === undefined) continue;
        if (ok === false) {
          const n = ex.nodes.create({
            name: taskNodeName(node.name, t.name),
            displayName: t.name,
            type: 'Skipped',
            boundaryID: node.id,
            templateName: t.template,
          });
          ex.nodes.mark(n, 'Omitted', 'omitted: depends condition not met');
          recordAbsentDefaults(ex, t, scope, n);
          link(ex, node, info, n, taskNode);
          byTask.set(t.name, varsOf(t.name));
          progress = true;
          continue;
        }
        if (stopped) continue;
        if (tmpl.parallelism !== undefined && running() >= tmpl.parallelism) continue;
      }
      const n = runTask(
        ex,
        node,
        info,
        varsFor(info),
        scope,
        depth,
        tmpl.parallelism === undefined ? Infinity : tmpl.parallelism - running(),
      );
      byTask.set(t.name, varsOf(t.name));
      if (n) {
        if (!existing) link(ex, node, info, n, taskNode);
        const real = taskNode(t.name);
        if (hooked && real && isFinished(real.phase) && !isFinished(n.phase)) hooksRunning.add(t.name);
        else if (hooksRunning.delete(t.name)) progress = true;
        if (isSettled(n) && !(existing && isSettled(existing))) progress = true;
        if (isFailed(real?.phase ?? n.phase)) stopped = computeStop();
      }
    }
  }
  refreshVars();
  const taskVars = allTaskVars();
  const nodesNeeded = [...needed].map((n) => taskNode(n));
  if (hooksRunning.size > 0 || nodesNeeded.some((n) => n !== undefined && !isSettled(n))) return node;
  const unscheduled = nodesNeeded.some((n) => n === undefined);
  if (unscheduled && !computeStop()) return node;
  node.outboundNodes = targets
    .map((t) => taskNode(t))
    .filter((n): n is NodeStatus => n !== undefined)
    .flatMap((n) => ex.nodes.outbound(n.id));
  const phase = assessDag(
    targets,
    infos,
    (name) => {
      const n = taskNode(name);
      return n !== undefined && n.daemoned === true && n.phase === 'Running' ? 'Succeeded' : n?.phase;
    },
    failFast,
  );
  if (phase === 'Succeeded') {
    const err = ex.templateOutputs(node, tmpl, { ...vars, ...taskVars });
    if (err) return ex.nodes.mark(node, 'Error', err);
    return ex.nodes.mark(node, 'Succeeded');
  }
  const failedTask = [...needed].map((n) => taskNode(n)).find((n) => n !== undefined && isFailed(n.phase));
  return ex.nodes.mark(
    node,
    phase === 'Running' ? 'Failed' : phase,
    failedTask ? `child '${failedTask.id}' ${failedTask.phase === 'Error' ? 'errored' : 'failed'}` : undefined,
  );
}

function link(ex: Exec, dagNode: NodeStatus, info: TaskInfo, n: NodeStatus, taskNode: (name: string) => NodeStatus | undefined): void {
  const parents = info.deps.map(taskNode).filter((p): p is NodeStatus => p !== undefined);
  if (parents.length === 0) ex.nodes.addChild(dagNode.id, n.id);
  for (const p of parents) for (const out of ex.nodes.outbound(p.id)) ex.nodes.addChild(out, n.id);
}

function runTask(
  ex: Exec,
  dagNode: NodeStatus,
  info: TaskInfo,
  vars: Vars,
  scope: Scope,
  depth: number,
  slots: number,
): NodeStatus | undefined {
  const t = info.task;
  const name = taskNodeName(dagNode.name, t.name);
  const base: ChildCall = { step: t, name, displayName: t.name, boundaryID: dagNode.id, vars, scope, depth, inDag: true };
  /** Runs a child's hooks; false while any of them still runs. */
  const hooks = (c: ChildCall, n: NodeStatus): boolean => {
    if (t.hooks === undefined && t.onExit === undefined) return true;
    const nv = nodeVars(`tasks.${t.name}`, n);
    const hooksDone = runHooks(
      ex,
      t.hooks,
      { name: c.name, displayName: c.displayName, boundaryID: dagNode.id, id: n.id },
      { ...c.vars, ...nv },
      scope,
      depth,
    );
    return runChildExitHandler(ex, c, n, `tasks.${t.name}`, nv) && hooksDone;
  };
  if (!isLoop(t)) {
    const n = runChild(ex, base, slots > 0);
    if (n && !hooks(base, n) && isFinished(n.phase)) return { ...n, phase: 'Running' };
    return n;
  }
  const existing = ex.nodes.byName(name);
  if (existing?.type === 'Skipped') return existing;
  const errors: string[] = [];
  const items = expandLoop(t, vars, errors);
  if (items.length === 0 && errors.length === 0 && !existing) {
    if (slots <= 0) return undefined;
    const skipped = ex.nodes.create({ name, displayName: t.name, type: 'Skipped', boundaryID: dagNode.id, templateName: t.template });
    return ex.nodes.mark(skipped, 'Skipped', EMPTY_PARAMS);
  }
  const group =
    existing ??
    ex.nodes.create({ name, displayName: t.name, type: 'TaskGroup', boundaryID: dagNode.id, phase: 'Running', templateName: t.template });
  if (errors.length > 0) return ex.nodes.mark(group, 'Error', errors[0]);
  let all = true;
  let failure: NodeStatus | undefined;
  let free = slots === Infinity ? Infinity : Math.max(0, slots);
  items.forEach((item, i) => {
    const dn = loopItemName(t.name, i, item);
    const wasNew = ex.nodes.byName(`${name}(${i}:`) === undefined && ex.nodes.byName(taskNodeName(dagNode.name, dn)) === undefined;
    const call: ChildCall = {
      ...base,
      name: taskNodeName(dagNode.name, dn),
      displayName: dn,
      boundaryID: dagNode.id,
      vars: { ...vars, ...itemVars(item) },
    };
    const c = runChild(ex, call, free > 0);
    if (!c) {
      all = false;
      return;
    }
    if (wasNew && !isFinished(c.phase)) free--;
    ex.nodes.addChild(group.id, c.id);
    const hooksDone = hooks(call, c);
    if (!isSettled(c) || !hooksDone) all = false;
    else if (!continues(t, c.phase)) failure ??= c;
  });
  if (!all) return group;
  if (failure) return ex.nodes.mark(group, failure.phase, `child '${failure.id}' failed`);
  return ex.nodes.mark(group, 'Succeeded');
}

/**
 * Argo's DAG phase: walks from the roots; each task's branch phase is its own phase, except that Omitted tasks keep
 * the phase of the branch they hang off. The DAG fails with the first target whose branch failed (unless the target's
 * continueOn tolerates it).
 */
export function assessDag(
  targets: readonly string[],
  infos: ReadonlyMap<string, { task: DAGTask; deps: string[] }>,
  phaseOf: (task: string) => NodePhase | undefined,
  failFast: boolean,
): NodePhase {
  const memo = new Map<string, NodePhase | undefined>();
  const branch = (name: string, seen: Set<string>): NodePhase | undefined => {
    if (memo.has(name)) return memo.get(name);
    if (seen.has(name)) return undefined;
    seen.add(name);
    const p = phaseOf(name);
    let b: NodePhase | undefined = p;
    if (p === 'Omitted') {
      const parents = (infos.get(name)?.deps ?? []).map((d) => branch(d, seen)).filter((x): x is NodePhase => x !== undefined);
      b = parents.find((x) => isFailed(x)) ?? parents[0] ?? 'Succeeded';
    }
    memo.set(name, b);
    return b;
  };
  let result: NodePhase = 'Succeeded';
  for (const t of targets) {
    const b = branch(t, new Set());
    if (b === undefined) {
      result = 'Running';
      if (!failFast) break;
    } else if (isFailed(b)) {
      const task = infos.get(t)?.task;
      if (task && continues(task, b)) continue;
      result = b;
      if (failFast) break;
    }
  }
  return result;
}
