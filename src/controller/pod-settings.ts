// The pod-level settings of a Pod node (pure): the template's fields over the workflow spec's defaults, as Argo's
// createWorkflowPod applies them. nodeSelector, affinity, tolerations, schedulerName, priorityClassName (workflow:
// podPriorityClassName), priority (podPriority), securityContext, serviceAccountName and automountServiceAccountToken:
// the template's value when set replaces the workflow's (no merge); hostAliases: the workflow's then the template's;
// imagePullSecrets, dnsPolicy and dnsConfig: the workflow's; labels and annotations: spec.podMetadata, then the
// template's metadata key by key; podSpecPatch: the workflow's, then the template's, each a strategic merge patch in
// YAML or JSON applied to the finished pod spec. Only the pod executor uses the result.
import { parse as parseYaml } from 'yaml';
import type { Template } from '../api/workflow-template.js';
import type { WorkflowSpec } from '../api/workflow.js';
import type { PodSettings } from '../executor/types.js';
import { errorMessage } from '../core/errors.js';

const nonEmpty = <T>(v: T[] | undefined): v is T[] => v !== undefined && v.length > 0;
const hasKeys = (v: Record<string, string> | undefined): v is Record<string, string> => v !== undefined && Object.keys(v).length > 0;

/**
 * Settings for the pod of a container/script template (already substituted); `main` is false for an init container
 * or sidecar started as its own step (no podSpecPatch there: it names the main container). `resources` are those of
 * the step's own container.
 */
export function podSettingsOf(
  t: Template,
  spec: Pick<
    WorkflowSpec,
    | 'nodeSelector'
    | 'affinity'
    | 'tolerations'
    | 'schedulerName'
    | 'podPriorityClassName'
    | 'podPriority'
    | 'securityContext'
    | 'serviceAccountName'
    | 'automountServiceAccountToken'
    | 'hostAliases'
    | 'imagePullSecrets'
    | 'dnsPolicy'
    | 'dnsConfig'
    | 'podMetadata'
    | 'podSpecPatch'
  >,
  o: { main: boolean; resources?: unknown },
): { settings?: PodSettings; error?: string } {
  const s: PodSettings = {};
  const nodeSelector = hasKeys(t.nodeSelector) ? t.nodeSelector : spec.nodeSelector;
  if (hasKeys(nodeSelector)) s.nodeSelector = { ...nodeSelector };
  const affinity = t.affinity ?? spec.affinity;
  if (affinity !== undefined) s.affinity = affinity;
  const tolerations = nonEmpty(t.tolerations) ? t.tolerations : spec.tolerations;
  if (nonEmpty(tolerations)) s.tolerations = tolerations;
  const schedulerName = t.schedulerName || spec.schedulerName;
  if (schedulerName) s.schedulerName = schedulerName;
  const priorityClassName = t.priorityClassName || spec.podPriorityClassName;
  if (priorityClassName) s.priorityClassName = priorityClassName;
  const priority = t.priority ?? spec.podPriority;
  if (priority !== undefined) s.priority = priority;
  const securityContext = t.securityContext ?? spec.securityContext;
  if (securityContext !== undefined) s.securityContext = securityContext;
  const sa = t.serviceAccountName || spec.serviceAccountName;
  if (sa) s.serviceAccountName = sa;
  const automount = t.automountServiceAccountToken ?? spec.automountServiceAccountToken;
  if (automount !== undefined) s.automountServiceAccountToken = automount;
  const hostAliases = [...(spec.hostAliases ?? []), ...(t.hostAliases ?? [])];
  if (hostAliases.length > 0) s.hostAliases = hostAliases;
  if (nonEmpty(spec.imagePullSecrets)) s.imagePullSecrets = spec.imagePullSecrets;
  if (spec.dnsPolicy) s.dnsPolicy = spec.dnsPolicy;
  if (spec.dnsConfig !== undefined) s.dnsConfig = spec.dnsConfig;
  const labels = { ...spec.podMetadata?.labels, ...t.metadata?.labels };
  const annotations = { ...spec.podMetadata?.annotations, ...t.metadata?.annotations };
  if (hasKeys(labels) || hasKeys(annotations))
    s.metadata = { ...(hasKeys(labels) ? { labels } : {}), ...(hasKeys(annotations) ? { annotations } : {}) };
  if (o.resources !== undefined && isNonEmptyObject(o.resources)) s.resources = o.resources;
  if (o.main) {
    const patches: Record<string, unknown>[] = [];
    for (const [where, text] of [
      ['workflow', spec.podSpecPatch],
      ['template', t.podSpecPatch],
    ] as const) {
      if (text === undefined || text.trim() === '') continue;
      let parsed: unknown;
      try {
        parsed = parseYaml(text);
      } catch (e) {
        return { error: `invalid ${where} podSpecPatch: ${errorMessage(e)}` };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return { error: `invalid ${where} podSpecPatch: not a PodSpec object` };
      patches.push(parsed as Record<string, unknown>);
    }
    if (patches.length > 0) s.podSpecPatches = patches;
  }
  return Object.keys(s).length > 0 ? { settings: s } : {};
}

function isNonEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.keys(v).length > 0;
}
