// Which of Argo's examples its e2e suite runs, and which of those Weir runs on one machine (see argo-examples.ts for
// the rule in words). Reads an argo-workflows checkout as Argo's test/e2e/examples_test.go does: every *.yaml,
// *.yml and *.json under examples/ in lexical walk order, split into documents at "\n---" (Argo's yamlSeparator).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** Kinds examples_test.go applies from every example file before it submits any Workflow. */
export const APPLIED_KINDS = new Set(['ConfigMap', 'PersistentVolumeClaim', 'WorkflowTemplate', 'ClusterWorkflowTemplate']);
export const NO_TEST_LABEL = 'workflows.argoproj.io/no-test';

export type Doc = Record<string, unknown> & { kind?: string; metadata?: Meta };
interface Meta {
  name?: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Example {
  /** Path under examples/, plus `#N` when the file holds more than one Workflow. */
  readonly id: string;
  readonly file: string;
  readonly workflow: Doc;
  /** Why the e2e suite or this harness leaves it out; undefined: it must Succeed. */
  readonly excluded?: { readonly kind: 'no-test' | 'cluster-only'; readonly reason: string };
}

export interface Selection {
  readonly examples: readonly Example[];
  /** ConfigMaps, PVCs and (Cluster)WorkflowTemplates of every example file, later ones replacing earlier namesakes. */
  readonly applied: readonly Doc[];
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : /\.(ya?ml|json)$/.test(f) ? [p] : [];
    });
}

function documents(text: string, file: string): Doc[] {
  const parts = file.endsWith('.json') ? [text] : text.split(/\n---/);
  const out: Doc[] = [];
  for (const part of parts) {
    if (part.trim() === '') continue;
    let v: unknown;
    try {
      v = parseYaml(part);
    } catch {
      continue; // Argo logs and skips a document that does not parse
    }
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) out.push(v as Doc);
  }
  return out;
}

type Template = Record<string, unknown>;

/** Every template of a Workflow spec (lifecycle hooks run templates from this list too). */
function templatesOf(spec: Record<string, unknown> | undefined): Template[] {
  const list = Array.isArray(spec?.templates) ? (spec.templates as Template[]) : [];
  return list.filter((t) => t !== null && typeof t === 'object');
}

/**
 * Why a Workflow that Argo's e2e suite runs cannot succeed on one machine without a cluster, or undefined.
 * `resource` templates act on Kubernetes objects (Pods, ConfigMaps) through a Kubernetes API; `http` templates (and
 * lifecycle hooks that run one) fetch URLs on the internet, which this machine does not reach.
 */
export function clusterOnly(wf: Doc): string | undefined {
  const spec = wf.spec as Record<string, unknown> | undefined;
  const templates = templatesOf(spec);
  if (templates.some((t) => t.resource !== undefined)) return 'resource template: needs a Kubernetes API';
  const http = templates.find((t) => t.http !== undefined) as { http?: { url?: string } } | undefined;
  if (http) {
    const url = String(http.http?.url ?? '');
    if (!/^https?:\/\/(127\.|localhost[:/])/.test(url)) return `http template: needs the internet (${url})`;
  }
  return undefined;
}

/** Reads `<argo>/examples` and applies the rule. */
export function selectExamples(argoDir: string): Selection {
  const root = join(argoDir, 'examples');
  const applied = new Map<string, Doc>();
  const examples: Example[] = [];
  for (const file of walk(root)) {
    const docs = documents(readFileSync(file, 'utf8'), file);
    const rel = relative(root, file);
    for (const d of docs) {
      if (d.kind && APPLIED_KINDS.has(d.kind) && d.metadata?.name) applied.set(`${d.kind}/${d.metadata.name}`, d);
    }
    const wfs = docs.filter((d) => d.kind === 'Workflow');
    wfs.forEach((wf, i) => {
      const id = wfs.length > 1 ? `${rel}#${i + 1}` : rel;
      const noTest = wf.metadata?.labels?.[NO_TEST_LABEL];
      const cluster = clusterOnly(wf);
      const excluded =
        noTest !== undefined
          ? { kind: 'no-test' as const, reason: `${NO_TEST_LABEL}: ${noTest}` }
          : cluster !== undefined
            ? { kind: 'cluster-only' as const, reason: cluster }
            : undefined;
      examples.push({ id, file, workflow: wf, ...(excluded ? { excluded } : {}) });
    });
  }
  return { examples, applied: [...applied.values()] };
}
