// Checks `{{...}}` placeholders inside one template against what is in scope where they appear:
// declared inputs, steps of earlier groups, DAG ancestor tasks, loop items, declared workflow parameters.
// `{{=expr}}` tags are parsed for syntax. Tags outside Argo's namespaces are left alone (scripts may use braces).
import { finding } from './findings.js';
import type { FieldPath, Finding } from './findings.js';
import { listPlaceholders } from '../expr/template.js';
import { parseExpr } from '../expr/expr.js';
import { asObj, asArr, str } from './walk.js';
import type { Obj } from './walk.js';
import { errorMessage } from '../core/errors.js';

export interface PlaceholderScopeOptions {
  checkWorkflowParams: boolean;
  globalParams: Set<string>;
}

interface Region {
  steps: Set<string> | 'none';
  tasks: Set<string> | 'none';
  item: boolean;
  where: string;
}

export function lintPlaceholders(
  tpl: Obj,
  base: FieldPath,
  out: Finding[],
  opts: PlaceholderScopeOptions,
  resolve: (name: string) => Obj | undefined,
): void {
  const inputs = asObj(tpl.inputs);
  const inParams = names(inputs?.parameters);
  const inArts = names(inputs?.artifacts);
  const tplName = str(tpl.name) ?? '';

  // Steps: which step names each group may reference.
  const groups = asArr(tpl.steps).map((g) => (Array.isArray(g) ? (g as unknown[]) : asArr(asObj(g)?.steps)));
  const allSteps = new Set<string>();
  const stepTemplate = new Map<string, Obj | undefined>();
  for (const g of groups)
    for (const s of g) {
      const o = asObj(s);
      const n = str(o?.name);
      if (o && n) {
        allSteps.add(n);
        stepTemplate.set(n, calleeOf(o, resolve));
      }
    }
  // DAG: every task's callee, for output-parameter checks.
  const tasks = asArr(asObj(tpl.dag)?.tasks);
  const allTasks = new Set<string>();
  for (const t of tasks) {
    const o = asObj(t);
    const n = str(o?.name);
    if (!o || !n) continue;
    allTasks.add(n);
    stepTemplate.set(n, calleeOf(o, resolve));
  }

  const check = (text: string, path: FieldPath, region: Region): void => {
    let tags;
    try {
      tags = listPlaceholders(text);
    } catch (e) {
      out.push(finding('error', 'placeholder', path, errorMessage(e)));
      return;
    }
    for (const tag of tags) {
      if (tag.expr) {
        try {
          parseExpr(tag.name);
        } catch (e) {
          out.push(finding('error', 'expression-syntax', path, `invalid expression {{=${tag.name}}}: ${errorMessage(e)}`));
        }
        continue;
      }
      const problem = checkTag(tag.name, region);
      if (problem !== undefined) out.push(finding('error', 'unresolved-placeholder', path, `{{${tag.name}}} ${problem}`));
    }
  };

  const checkTag = (tag: string, region: Region): string | undefined => {
    const parts = tag.split('.');
    switch (parts[0]) {
      case 'inputs':
        if (parts[1] === 'parameters' && parts.length >= 3 && !inParams.has(parts.slice(2).join('.'))) {
          return `refers to an input parameter that template ${JSON.stringify(tplName)} does not declare`;
        }
        if (parts[1] === 'artifacts' && parts.length >= 3 && !inArts.has(parts[2])) {
          return `refers to an input artifact that template ${JSON.stringify(tplName)} does not declare`;
        }
        return undefined;
      case 'steps':
      case 'tasks': {
        if (parts.length < 2 || parts[1] === 'name') return undefined;
        const kind = parts[0] === 'steps' ? 'step' : 'task';
        const allowed = parts[0] === 'steps' ? region.steps : region.tasks;
        const known = parts[0] === 'steps' ? allSteps : allTasks;
        const n = parts[1];
        if (allowed === 'none' || !allowed.has(n)) {
          if (!known.has(n)) return `names a ${kind} ${JSON.stringify(n)} that template ${JSON.stringify(tplName)} does not have`;
          if (allowed !== 'none') {
            return kind === 'step'
              ? `refers to step ${JSON.stringify(n)}, which does not run before this point (only steps of earlier groups can be referenced)`
              : `refers to task ${JSON.stringify(n)}, which is not a dependency of this task`;
          }
          return `cannot be used ${region.where}`;
        }
        if (parts[2] === 'outputs' && parts[3] === 'parameters' && parts.length >= 5) {
          const callee = stepTemplate.get(n);
          if (callee !== undefined && !names(asObj(callee.outputs)?.parameters).has(parts.slice(4).join('.'))) {
            return `refers to an output parameter that ${kind} ${JSON.stringify(n)} does not produce`;
          }
        }
        return undefined;
      }
      case 'item':
        return region.item ? undefined : 'is only available in a step or task with withItems, withParam or withSequence';
      case 'workflow':
        if (
          opts.checkWorkflowParams &&
          parts[1] === 'parameters' &&
          parts.length >= 3 &&
          tag !== 'workflow.parameters.json' && // Argo's variable: every workflow parameter as a JSON list
          !opts.globalParams.has(parts.slice(2).join('.'))
        ) {
          return 'refers to a workflow parameter that spec.arguments does not declare';
        }
        return undefined;
      default:
        return undefined;
    }
  };

  const body: Region = { steps: 'none', tasks: 'none', item: false, where: 'outside a steps or dag template' };
  const outputs: Region = { steps: allSteps, tasks: allTasks, item: false, where: 'here' };
  for (const [key, value] of Object.entries(tpl)) {
    if (key === 'name') continue;
    if (key === 'steps') {
      const before = new Set<string>();
      groups.forEach((g, gi) => {
        const snapshot = new Set(before);
        g.forEach((s, si) => {
          const step = asObj(s);
          if (!step) return;
          const region: Region = { steps: snapshot, tasks: 'none', item: hasLoop(step), where: 'here' };
          walkStrings(step, [...base, 'steps', gi, si], (t, p) => check(t, p, region), ['inline', 'hooks']);
          // A step's lifecycle hooks run once the step is done, so they may read the step's own outputs.
          const own = str(step.name);
          const hookRegion: Region = { ...region, steps: own === undefined ? snapshot : new Set([...snapshot, own]) };
          walkStrings(step.hooks, [...base, 'steps', gi, si, 'hooks'], (t, p) => check(t, p, hookRegion), ['inline']);
        });
        for (const s of g) {
          const n = str(asObj(s)?.name);
          if (n) before.add(n);
        }
      });
    } else if (key === 'dag') {
      const dag = asObj(value);
      if (!dag) continue;
      asArr(dag.tasks).forEach((t, ti) => {
        const task = asObj(t);
        if (!task) return;
        // Argo's validation puts every task of the DAG in scope (ancestors also in aggregated form).
        const region: Region = { steps: 'none', tasks: allTasks, item: hasLoop(task), where: 'here' };
        walkStrings(task, [...base, 'dag', 'tasks', ti], (s, p) => check(s, p, region), ['inline']);
      });
      const rest = { ...dag, tasks: undefined };
      walkStrings(rest, [...base, 'dag'], (s, p) => check(s, p, outputs), []);
    } else if (key === 'outputs') {
      walkStrings(value, [...base, key], (s, p) => check(s, p, outputs), []);
    } else {
      walkStrings(value, [...base, key], (s, p) => check(s, p, body), []);
    }
  }
}

function names(list: unknown): Set<string> {
  const s = new Set<string>();
  for (const x of asArr(list)) {
    const n = str(asObj(x)?.name);
    if (n !== undefined) s.add(n);
  }
  return s;
}

function hasLoop(o: Obj): boolean {
  return o.withItems !== undefined || o.withParam !== undefined || o.withSequence !== undefined;
}

function calleeOf(caller: Obj, resolve: (name: string) => Obj | undefined): Obj | undefined {
  const n = str(caller.template);
  if (n !== undefined) return resolve(n);
  return asObj(caller.inline);
}

function walkStrings(v: unknown, path: FieldPath, fn: (s: string, p: FieldPath) => void, skipKeys: readonly string[]): void {
  if (typeof v === 'string') {
    if (v.includes('{{')) fn(v, path);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => walkStrings(x, [...path, i], fn, skipKeys));
  } else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) if (!skipKeys.includes(k)) walkStrings(x, [...path, k], fn, skipKeys);
  }
}
