// `data` templates (Argo's Data node, evaluated by the controller instead of a pod): the source is the list of file
// keys under `source.artifactPaths` (listed through the artifact library; an action the controller performs) or
// Weir's `source.raw` text; each `transformation` expression (expr-lang, `data` bound to the current value) maps it
// in turn; outputs.result is the final value (JSON unless it is a string). The node's type is Pod, as in Argo.
import type { Template } from '../api/workflow-template.js';
import { evaluate } from '../expr/expr.js';
import type { Exec } from './execute.js';
import { mergeInputArtifact } from './artifacts.js';
import { substDeep } from './params.js';
import type { Vars } from './params.js';
import type { NodeStatus } from './types.js';
import { errorMessage } from '../core/errors.js';

/** What the controller knows about a data node's artifact listing. */
export type DataListState = { state: 'running' } | { state: 'done'; keys: string[] } | { state: 'failed'; message: string };

export function executeData(ex: Exec, node: NodeStatus, tmpl: Template, vars: Vars): NodeStatus {
  const errors: string[] = [];
  const d = substDeep(tmpl.data, { ...vars, 'pod.name': node.id }, errors);
  if (errors.length > 0 || !d) return ex.nodes.mark(node, 'Error', errors[0] ?? 'data template missing');
  let data: unknown;
  if (d.source?.artifactPaths !== undefined) {
    const st = ex.ctx.dataList?.(node.id);
    if (st === undefined) {
      if (ex.spec.suspend === true) return node;
      const a = mergeInputArtifact(d.source.artifactPaths, undefined);
      if (typeof a === 'string' || a === undefined) return ex.nodes.mark(node, 'Error', 'data.source.artifactPaths has no location');
      ex.actions.push({ type: 'data-list', nodeId: node.id, artifact: a });
      node.phase = 'Running';
      return node;
    }
    if (st.state === 'running') {
      node.phase = 'Running';
      return node;
    }
    if (st.state === 'failed') return ex.nodes.mark(node, 'Error', st.message);
    data = st.keys;
  } else if (d.source?.raw !== undefined) data = d.source.raw;
  else return ex.nodes.mark(node, 'Error', 'data template needs source.artifactPaths (or source.raw)');
  for (const [i, t] of (d.transformation ?? []).entries()) {
    try {
      data = evaluate(t.expression, { data });
    } catch (e) {
      return ex.nodes.mark(node, 'Error', `data.transformation[${i}] ${JSON.stringify(t.expression)}: ${errorMessage(e)}`);
    }
  }
  node.outputs = { result: typeof data === 'string' ? data : JSON.stringify(data) };
  return ex.nodes.mark(node, 'Succeeded');
}
