// Semantic checks for Argo workflow specs (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow):
// entrypoint and template references, duplicate names, DAG dependencies and cycles, `when`/`depends`
// syntax, and placeholders that name undeclared inputs, steps or tasks. Pure: works on parsed objects.
import { finding } from './findings.js';
import type { FieldPath, Finding } from './findings.js';
import { lintPlaceholders } from './lint-placeholders.js';
import { lintVolumeMounts } from './lint-volumes.js';
import type * as Govaluate from '../expr/govaluate.js';
import type * as Depends from '../expr/depends.js';
import { lazyModule } from '../core/lazy-module.js';
import { asObj, asArr, str } from './walk.js';
import type { Obj } from './walk.js';
import { errorMessage } from '../core/errors.js';

// The `when` and `depends` parsers load with the first template that has such a field.
const govaluate = lazyModule<typeof Govaluate>(import.meta.url, '../expr/govaluate.js');
const dependsParser = lazyModule<typeof Depends>(import.meta.url, '../expr/depends.js');

export interface LintContext {
  /** Finds a WorkflowTemplate (or ClusterWorkflowTemplate when clusterScope) among the linted documents. */
  findWorkflowTemplate(name: string, clusterScope: boolean): Obj | undefined;
}

export type SpecKind = 'Workflow' | 'WorkflowTemplate' | 'ClusterWorkflowTemplate' | 'CronWorkflow';

export function lintWorkflowSpec(spec: Obj, base: FieldPath, kind: SpecKind, ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  const templates = asArr(spec.templates);
  const byName = new Map<string, Obj>();
  templates.forEach((t, i) => {
    const tpl = asObj(t);
    const name = str(tpl?.name);
    if (tpl === undefined || name === undefined) return;
    if (byName.has(name))
      out.push(
        finding(
          'error',
          'duplicate-name',
          [...base, 'templates', i, 'name'],
          `template name ${JSON.stringify(name)} is used more than once`,
        ),
      );
    byName.set(name, tpl);
  });

  const wtRef = asObj(spec.workflowTemplateRef);
  let refTemplates: Map<string, Obj> | undefined;
  if (wtRef !== undefined) {
    const refName = str(wtRef.name);
    const target = refName === undefined ? undefined : ctx.findWorkflowTemplate(refName, wtRef.clusterScope === true);
    if (target === undefined) {
      // Usually stored in the cluster rather than in the same files, so only a warning.
      out.push(
        finding(
          'warning',
          'missing-template',
          [...base, 'workflowTemplateRef', 'name'],
          `${wtRef.clusterScope === true ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate'} ${JSON.stringify(refName ?? '')} not found among the given files`,
        ),
      );
    } else {
      refTemplates = templateMap(target);
    }
  }
  const resolveLocal = (name: string): Obj | undefined => byName.get(name) ?? refTemplates?.get(name);
  const haveAllTemplates = wtRef === undefined || refTemplates !== undefined;

  const entry = str(spec.entrypoint);
  if (entry !== undefined) {
    if (haveAllTemplates && resolveLocal(entry) === undefined) {
      out.push(
        finding(
          'error',
          'missing-template',
          [...base, 'entrypoint'],
          `entrypoint template ${JSON.stringify(entry)} is not defined${suggestName(entry, byName)}`,
        ),
      );
    }
  } else if (kind === 'Workflow' || kind === 'CronWorkflow') {
    if (wtRef === undefined)
      out.push(finding('error', 'required', [...base, 'entrypoint'], 'entrypoint is required (or workflowTemplateRef)'));
  }
  const onExit = str(spec.onExit);
  if (onExit !== undefined && haveAllTemplates && resolveLocal(onExit) === undefined) {
    out.push(
      finding(
        'error',
        'missing-template',
        [...base, 'onExit'],
        `onExit template ${JSON.stringify(onExit)} is not defined${suggestName(onExit, byName)}`,
      ),
    );
  }
  lintHooks(spec.hooks, [...base, 'hooks'], resolveLocal, haveAllTemplates, ctx, out);

  const globalParams = new Set<string>();
  for (const p of asArr(asObj(spec.arguments)?.parameters)) {
    const n = str(asObj(p)?.name);
    if (n !== undefined) globalParams.add(n);
  }
  const scopeOpts = {
    // A template checked on its own may get workflow parameters from the Workflow that runs it.
    checkWorkflowParams: kind === 'Workflow' && wtRef === undefined,
    globalParams,
  };
  templates.forEach((t, i) => {
    const tpl = asObj(t);
    if (tpl !== undefined) lintTemplate(tpl, [...base, 'templates', i], { resolveLocal, haveAllTemplates, ctx, out, scopeOpts });
  });
  return out;
}

interface TemplateLintEnv {
  resolveLocal: (name: string) => Obj | undefined;
  haveAllTemplates: boolean;
  ctx: LintContext;
  out: Finding[];
  scopeOpts: { checkWorkflowParams: boolean; globalParams: Set<string> };
}

function templateMap(wt: Obj): Map<string, Obj> {
  const m = new Map<string, Obj>();
  for (const t of asArr(asObj(wt.spec)?.templates)) {
    const o = asObj(t);
    const n = str(o?.name);
    if (o !== undefined && n !== undefined) m.set(n, o);
  }
  return m;
}

function suggestName(name: string, names: Map<string, unknown>): string {
  const lower = name.toLowerCase();
  for (const n of names.keys())
    if (n.toLowerCase() === lower || n.replace(/[-_]/g, '') === name.replace(/[-_]/g, '')) return ` (did you mean ${JSON.stringify(n)}?)`;
  return '';
}

/** Checks that a step/task/hook names a template that exists; returns the resolved template if local. */
function checkTemplateTarget(
  caller: Obj,
  path: FieldPath,
  env: Pick<TemplateLintEnv, 'resolveLocal' | 'haveAllTemplates' | 'ctx' | 'out'>,
): Obj | undefined {
  const name = str(caller.template);
  const ref = asObj(caller.templateRef);
  const inline = asObj(caller.inline);
  const count = [name, ref, inline].filter((x) => x !== undefined).length;
  if (count === 0) {
    env.out.push(finding('error', 'missing-template', path, 'must set one of template, templateRef or inline'));
    return undefined;
  }
  if (count > 1) env.out.push(finding('error', 'schema', path, 'set only one of template, templateRef and inline'));
  if (name !== undefined) {
    const t = env.resolveLocal(name);
    if (t === undefined && env.haveAllTemplates) {
      env.out.push(finding('error', 'missing-template', [...path, 'template'], `template ${JSON.stringify(name)} is not defined`));
    }
    return t;
  }
  if (ref !== undefined) {
    const wtName = str(ref.name);
    const tplName = str(ref.template);
    const cluster = ref.clusterScope === true;
    const what = cluster ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate';
    const wt = wtName === undefined ? undefined : env.ctx.findWorkflowTemplate(wtName, cluster);
    if (wt === undefined) {
      // The referenced template usually lives in the cluster, not in the linted files: a warning, not an error.
      env.out.push(
        finding(
          'warning',
          'missing-template',
          [...path, 'templateRef', 'name'],
          `${what} ${JSON.stringify(wtName ?? '')} not found among the given files`,
        ),
      );
      return undefined;
    }
    const t = tplName === undefined ? undefined : templateMap(wt).get(tplName);
    if (t === undefined) {
      env.out.push(
        finding(
          'error',
          'missing-template',
          [...path, 'templateRef', 'template'],
          `${what} ${JSON.stringify(wtName)} has no template ${JSON.stringify(tplName ?? '')}`,
        ),
      );
    }
    return undefined; // its placeholders are checked where it is defined
  }
  return inline;
}

function lintHooks(
  hooks: unknown,
  path: FieldPath,
  resolveLocal: (n: string) => Obj | undefined,
  haveAll: boolean,
  ctx: LintContext,
  out: Finding[],
): void {
  const h = asObj(hooks);
  if (h === undefined) return;
  for (const [name, hook] of Object.entries(h)) {
    const o = asObj(hook);
    if (o !== undefined) checkTemplateTarget(o, [...path, name], { resolveLocal, haveAllTemplates: haveAll, ctx, out });
  }
}

function lintTemplate(tpl: Obj, path: FieldPath, env: TemplateLintEnv): void {
  const steps = asArr(tpl.steps);
  const dag = asObj(tpl.dag);
  const kinds = ['container', 'script', 'steps', 'dag', 'resource', 'suspend', 'http', 'containerSet', 'data', 'plugin'].filter(
    (k) => tpl[k] !== undefined && tpl[k] !== null,
  );
  if (kinds.length > 1)
    env.out.push(
      finding(
        'error',
        'schema',
        path,
        `template ${JSON.stringify(str(tpl.name) ?? '')} sets more than one template type: ${kinds.join(', ')}`,
      ),
    );
  if (steps.length > 0) lintSteps(tpl, steps, path, env);
  if (dag !== undefined) lintDag(tpl, dag, [...path, 'dag'], env);
  lintPlaceholders(tpl, path, env.out, env.scopeOpts, (calleeName) => env.resolveLocal(calleeName));
  lintVolumeMounts(tpl, path, env.out);
}

function lintSteps(tpl: Obj, groups: unknown[], path: FieldPath, env: TemplateLintEnv): void {
  const seen = new Set<string>();
  groups.forEach((g, gi) => {
    const group = Array.isArray(g) ? g : asArr(asObj(g)?.steps); // tolerate the {steps: [...]} parallel form
    group.forEach((s, si) => {
      const step = asObj(s);
      if (step === undefined) return;
      const sp: FieldPath = [...path, 'steps', gi, si];
      const name = str(step.name);
      if (name !== undefined) {
        if (seen.has(name))
          env.out.push(
            finding(
              'error',
              'duplicate-name',
              [...sp, 'name'],
              `step name ${JSON.stringify(name)} is used more than once in template ${JSON.stringify(str(tpl.name) ?? '')}`,
            ),
          );
        seen.add(name);
      }
      lintCaller(step, sp, env);
    });
  });
}

/** What steps and DAG tasks share: the template they call (or inline), when, hooks and onExit. */
function lintCaller(caller: Obj, path: FieldPath, env: TemplateLintEnv): void {
  const inline = checkTemplateTarget(caller, path, env);
  if (inline !== undefined && inline === asObj(caller.inline)) lintTemplate(inline, [...path, 'inline'], env);
  lintWhen(caller.when, [...path, 'when'], env.out);
  lintHooks(caller.hooks, [...path, 'hooks'], env.resolveLocal, env.haveAllTemplates, env.ctx, env.out);
  const onExit = str(caller.onExit);
  if (onExit !== undefined && env.haveAllTemplates && env.resolveLocal(onExit) === undefined) {
    env.out.push(finding('error', 'missing-template', [...path, 'onExit'], `onExit template ${JSON.stringify(onExit)} is not defined`));
  }
}

function lintWhen(when: unknown, path: FieldPath, out: Finding[]): void {
  const w = str(when);
  if (w === undefined || w.trim() === '') return;
  const err = govaluate().checkWhenSyntax(w);
  if (err !== undefined) out.push(finding('error', 'when-syntax', path, `invalid when expression: ${err}`));
}

function lintDag(tpl: Obj, dag: Obj, path: FieldPath, env: TemplateLintEnv): void {
  const tasks = asArr(dag.tasks);
  const names = new Map<string, number>();
  let usesDeps = false;
  let usesDepends = false;
  tasks.forEach((t, i) => {
    const task = asObj(t);
    const name = str(task?.name);
    if (task === undefined || name === undefined) return;
    if (names.has(name))
      env.out.push(
        finding(
          'error',
          'duplicate-name',
          [...path, 'tasks', i, 'name'],
          `task name ${JSON.stringify(name)} is used more than once in template ${JSON.stringify(str(tpl.name) ?? '')}`,
        ),
      );
    else names.set(name, i);
    if (asArr(task.dependencies).length > 0) usesDeps = true;
    if (str(task.depends) !== undefined) usesDepends = true;
  });
  if (usesDepends) {
    tasks.forEach((t, i) => {
      if (asObj(t)?.continueOn !== undefined) {
        env.out.push(
          finding(
            'error',
            'dag-continue-on',
            [...path, 'tasks', i, 'continueOn'],
            'continueOn cannot be used in a DAG that uses "depends"; write "task.Failed" or "task.Errored" in depends instead',
          ),
        );
      }
    });
  }
  if (usesDeps && usesDepends) {
    env.out.push(
      finding(
        'error',
        'dag-mixed-deps',
        path,
        `template ${JSON.stringify(str(tpl.name) ?? '')} uses both "dependencies" and "depends"; use one of them for all tasks of a DAG`,
      ),
    );
  }
  const edges = new Map<string, string[]>();
  tasks.forEach((t, i) => {
    const task = asObj(t);
    if (task === undefined) return;
    const tp: FieldPath = [...path, 'tasks', i];
    const name = str(task.name) ?? `#${i}`;
    const deps: string[] = [];
    asArr(task.dependencies).forEach((d, di) => {
      const dn = str(d);
      if (dn === undefined) return;
      if (!names.has(dn))
        env.out.push(
          finding(
            'error',
            'missing-dependency',
            [...tp, 'dependencies', di],
            `task ${JSON.stringify(name)} depends on unknown task ${JSON.stringify(dn)}`,
          ),
        );
      else deps.push(dn);
    });
    const depends = str(task.depends);
    if (depends !== undefined && depends.trim() !== '') {
      try {
        for (const dn of dependsParser().dependsTaskNames(dependsParser().parseDepends(depends))) {
          if (!names.has(dn))
            env.out.push(
              finding(
                'error',
                'missing-dependency',
                [...tp, 'depends'],
                `task ${JSON.stringify(name)} depends on unknown task ${JSON.stringify(dn)}`,
              ),
            );
          else deps.push(dn);
        }
      } catch (e) {
        env.out.push(finding('error', 'depends-syntax', [...tp, 'depends'], `invalid depends expression: ${errorMessage(e)}`));
      }
    }
    edges.set(name, deps);
    lintCaller(task, tp, env);
  });
  const cycle = findCycle(edges);
  if (cycle !== undefined) {
    env.out.push(finding('error', 'dag-cycle', [...path, 'tasks', names.get(cycle[0]) ?? 0], `dependency cycle: ${cycle.join(' -> ')}`));
  }
  const target = str(dag.target);
  // A target with placeholders is only known at run time (the engine checks it then).
  if (target !== undefined && !target.includes('{{')) {
    for (const tn of target.split(/\s+/).filter(Boolean)) {
      if (!names.has(tn))
        env.out.push(finding('error', 'missing-dependency', [...path, 'target'], `target task ${JSON.stringify(tn)} is not defined`));
    }
  }
}

/** Returns one cycle as a closed path (a -> b -> a), or undefined. Deterministic: follows declaration order. */
export function findCycle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 1 | 2>(); // 1 = on stack, 2 = done
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 1);
    stack.push(n);
    for (const d of edges.get(n) ?? []) {
      const s = state.get(d);
      if (s === 1) return [...stack.slice(stack.indexOf(d)), d];
      if (s === undefined) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of edges.keys()) {
    if (state.get(n) === undefined) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return undefined;
}
