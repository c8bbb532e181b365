// `weir lint` core: schema and semantic checks over loaded manifests, with every finding located at
// file:line:column. Cross-document references (templateRef, workflowTemplateRef) resolve among the given files.
import { validateAgainst } from './validate.js';
import { findKind, KIND_LIST } from './kinds.js';
import type { KindInfo } from './kinds.js';
import { lintWorkflowSpec } from './lint-workflow.js';
import type { LintContext } from './lint-workflow.js';
import type * as LintEvents from './lint-events.js';
import type * as LintCron from './lint-cron.js';
import { lintLabels } from './lint-labels.js';
import { finding } from './findings.js';
import type { Finding } from './findings.js';
import type { LoadedDocument, LoadResult, LocatedFinding } from './loader.js';
import { suggest } from '../core/suggest.js';
import { lazyModule } from '../core/lazy-module.js';
import { asObj, str } from './walk.js';
import type { Obj } from './walk.js';

// The linters of CronWorkflows and of the event kinds (with the event schemas' constants: 12 modules) load with the
// first such document, so linting or running plain workflows skips them.
const lintEvents = lazyModule<typeof LintEvents>(import.meta.url, './lint-events.js');
const lintCron = lazyModule<typeof LintCron>(import.meta.url, './lint-cron.js');

export interface LintReport {
  findings: LocatedFinding[];
  documents: number;
  /** Input that could not be read or parsed (exit 2 in the CLI). */
  unreadable: boolean;
}

/** An apiVersion outside argoproj.io that looks like a Kubernetes one (`v1`, `apps/v1`, `rbac.authorization.k8s.io/v1`). */
function isForeignKubernetesKind(apiVersion: unknown): boolean {
  if (typeof apiVersion !== 'string') return false;
  const m = /^(?:([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\/)?(v\d+(?:(?:alpha|beta)\d+)?)$/.exec(apiVersion);
  return m !== null && m[1] !== 'argoproj.io';
}

/** Checks one document's apiVersion/kind; returns the kind's info when known. */
export function checkKind(obj: Obj, out: Finding[]): KindInfo | undefined {
  const kind = obj.kind;
  const apiVersion = obj.apiVersion;
  if (typeof kind !== 'string' || kind === '') {
    out.push(finding('error', 'kind', ['kind'], 'kind is missing'));
    return undefined;
  }
  const info = KIND_LIST.find((k) => k.kind === kind);
  if (info === undefined && isForeignKubernetesKind(apiVersion)) {
    // Valid Kubernetes manifests (ServiceAccount, Role, Pod, Service, ...) often share a file with Argo's; Weir
    // does not model them, so they are skipped with a note instead of failing the file.
    out.push(
      finding('info', 'kind-skipped', ['kind'], `${kind} (${String(apiVersion)}) is a Kubernetes kind Weir does not model; skipped`),
    );
    return undefined;
  }
  if (info === undefined) {
    const hint =
      suggest(
        kind,
        KIND_LIST.map((k) => k.kind),
      ) ?? findKind(kind)?.kind;
    out.push(
      finding(
        'error',
        'kind',
        ['kind'],
        `unknown kind ${JSON.stringify(kind)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; Weir understands ${KIND_LIST.map((k) => k.kind).join(', ')}`,
      ),
    );
    return undefined;
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    out.push(finding('error', 'api-version', ['apiVersion'], `apiVersion is missing (expected ${info.apiVersion})`));
    return undefined;
  }
  if (apiVersion !== info.apiVersion) {
    out.push(
      finding(
        'error',
        'api-version',
        ['apiVersion'],
        `apiVersion ${JSON.stringify(apiVersion)} is not supported for ${kind}; expected ${info.apiVersion}`,
      ),
    );
    return undefined;
  }
  return info;
}

/** Schema and semantic findings for one document (paths relative to the document root). */
export function lintDocument(obj: Obj, ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  const info = checkKind(obj, out);
  if (info === undefined) return out;
  out.push(...validateAgainst(info.schema, obj));
  const meta = asObj(obj.metadata);
  if (str(meta?.name) === undefined && str(meta?.generateName) === undefined) {
    out.push(finding('error', 'required', ['metadata', 'name'], 'metadata.name (or metadata.generateName) is required'));
  }
  out.push(...lintLabels(meta));
  const spec = asObj(obj.spec);
  switch (info.kind) {
    case 'Workflow':
    case 'WorkflowTemplate':
    case 'ClusterWorkflowTemplate':
      if (spec) out.push(...lintWorkflowSpec(spec, ['spec'], info.kind, ctx));
      break;
    case 'CronWorkflow':
      out.push(...lintCron().lintCronWorkflow(obj, ctx));
      break;
    case 'EventSource':
      out.push(...lintEvents().lintEventSource(obj));
      break;
    case 'Sensor':
      out.push(...lintEvents().lintSensor(obj));
      break;
    default:
      break;
  }
  return out;
}

/** A lookup of WorkflowTemplates and ClusterWorkflowTemplates defined in a set of documents. */
export function templateContext(objects: readonly Obj[]): LintContext {
  const ns = new Map<string, Obj>();
  const cluster = new Map<string, Obj>();
  for (const o of objects) {
    const name = str(asObj(o.metadata)?.name);
    if (name === undefined) continue;
    if (o.kind === 'WorkflowTemplate') ns.set(name, o);
    if (o.kind === 'ClusterWorkflowTemplate') cluster.set(name, o);
  }
  return { findWorkflowTemplate: (name, clusterScope) => (clusterScope ? cluster : ns).get(name) };
}

/** `extra` adds checks the caller knows and src/api cannot (e.g. what the running server accepts). */
export function lintLoaded(loaded: LoadResult, extra?: (doc: Obj) => Finding[]): LintReport {
  const ctx = templateContext(loaded.documents.map((d) => d.object));
  const findings: LocatedFinding[] = [...loaded.errors];
  for (const doc of loaded.documents) findings.push(...locate(doc, [...lintDocument(doc.object, ctx), ...(extra?.(doc.object) ?? [])]));
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
  return { findings, documents: loaded.documents.length, unreadable: loaded.errors.length > 0 };
}

export function locate(doc: LoadedDocument, findings: readonly Finding[]): LocatedFinding[] {
  return findings.map((f) => ({ ...f, ...doc.locate(f.path) }));
}
