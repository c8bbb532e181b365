// The planned graph of a template before any run: the entrypoint's steps (groups in order) or DAG tasks (with their
// dependencies), as Argo-shaped nodes in phase "Planned", so the same layout and renderer draw it.
import type { NodeStatus, TemplateSpec } from '../types';

const depsOf = (t: { dependencies?: string[]; depends?: string }): string[] =>
  t.dependencies ??
  (t.depends
    ? [...t.depends.matchAll(/[A-Za-z0-9_-]+(?=\.|\s|$|\))/g)]
        .map((m) => m[0])
        .filter((x) => !['Succeeded', 'Failed', 'Errored', 'Skipped', 'Daemoned', 'AnySucceeded', 'AllFailed'].includes(x))
    : []);

export function plannedNodes(templates: readonly TemplateSpec[], entrypoint: string | undefined): Record<string, NodeStatus> {
  const nodes: Record<string, NodeStatus> = {};
  const entry = templates.find((t) => t.name === entrypoint) ?? templates[0];
  if (!entry) return nodes;
  const add = (id: string, n: Omit<NodeStatus, 'id' | 'name' | 'phase'>): NodeStatus =>
    (nodes[id] = { id, name: id, phase: 'Planned', ...n });
  const root = add('root', {
    displayName: entry.name,
    type: entry.steps ? 'Steps' : entry.dag ? 'DAG' : 'Pod',
    templateName: entry.name,
    children: [],
  });
  if (entry.steps) {
    let prev: string[] = ['root'];
    entry.steps.forEach((group, gi) => {
      const gid = `group-${gi}`;
      add(gid, { type: 'StepGroup', displayName: `[${gi}]`, children: [] });
      for (const p of prev) nodes[p].children?.push(gid);
      prev = group.map((s) => {
        const id = `step-${gi}-${s.name}`;
        add(id, { displayName: s.name, type: 'Pod', templateName: s.template ?? s.templateRef?.template ?? '', children: [] });
        nodes[gid].children?.push(id);
        return id;
      });
    });
  } else if (entry.dag) {
    const tasks = entry.dag.tasks;
    for (const t of tasks) add(`task-${t.name}`, { displayName: t.name, type: 'Pod', templateName: t.template ?? '', children: [] });
    for (const t of tasks) {
      const deps = depsOf(t).filter((d) => tasks.some((x) => x.name === d));
      if (deps.length === 0) root.children?.push(`task-${t.name}`);
      for (const d of deps) nodes[`task-${d}`].children?.push(`task-${t.name}`);
    }
  }
  return nodes;
}
