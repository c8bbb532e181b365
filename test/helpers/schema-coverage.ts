// Schema field coverage for fixture tests: which fields a schema defines, and which of them a set of documents
// uses. A field is identified by its name plus its own schema, so a field shared by several shapes (container
// fields reused by scripts and sidecars, a secret selector used in many places) counts once, wherever it is used.
import type { TSchema } from '@sinclair/typebox';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRef } from '../../src/api/schema-kit.js';
import { loadText } from '../../src/api/loader.js';
import type { LoadedDocument } from '../../src/api/loader.js';
import { formatPath } from '../../src/api/findings.js';
import type { Finding } from '../../src/api/findings.js';

type S = TSchema & { properties?: Record<string, S>; patternProperties?: Record<string, S>; items?: S; 'x-weir-ref'?: string };

const fieldIds = new WeakMap<S, string>();
function fieldId(name: string, prop: S): string {
  let id = fieldIds.get(prop);
  if (id === undefined) {
    id = `${name}|${JSON.stringify(prop)}`;
    fieldIds.set(prop, id);
  }
  return id;
}

function deref(s: S): S {
  const ref = s['x-weir-ref'];
  if (ref === undefined) return s;
  const target = resolveRef(ref);
  if (target === undefined) throw new Error(`unregistered schema reference ${ref}`);
  return target;
}

/**
 * Every field the schema defines (recursing through items, maps and references). Object shapes with the same
 * field names are visited once (a template and the nameless inline template share every field but `name`'s rule).
 */
export function allFields(root: TSchema, out = new Set<string>(), seen = new Set<string>()): Set<string> {
  const s = deref(root);
  if (s.properties) {
    const shape = Object.keys(s.properties).sort().join(',');
    if (seen.has(shape)) return out;
    seen.add(shape);
    for (const [k, v] of Object.entries(s.properties)) {
      out.add(fieldId(k, v));
      allFields(v, out, seen);
    }
  }
  for (const v of Object.values(s.patternProperties ?? {})) allFields(v, out, seen);
  if (s.items) allFields(s.items, out, seen);
  return out;
}

/** Adds to `out` every schema field that `value` uses. */
export function usedFields(root: TSchema, value: unknown, out: Set<string>): void {
  const s = deref(root);
  if (Array.isArray(value)) {
    if (s.items) for (const v of value) usedFields(s.items, v, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  for (const [k, v] of Object.entries(value)) {
    const prop = s.properties?.[k];
    if (prop) {
      out.add(fieldId(k, prop));
      usedFields(prop, v, out);
    } else {
      const pattern = Object.values(s.patternProperties ?? {})[0];
      if (pattern) usedFields(pattern, v, out);
    }
  }
}

export interface FixtureDoc {
  file: string;
  index: number;
  kind: string;
  value: Record<string, unknown>;
  loaded: LoadedDocument;
}

/** Every document of the .yaml files in `dir`, read with Weir's own loader (as Kubernetes reads YAML). */
export function loadFixtureDocs(dir: string): FixtureDoc[] {
  const docs: FixtureDoc[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const r = loadText(readFileSync(join(dir, file), 'utf8'), file);
    assert.deepEqual(r.errors, [], `${file}: YAML errors`);
    for (const d of r.documents) docs.push({ file, index: d.index, kind: String(d.object.kind), value: d.object, loaded: d });
  }
  return docs;
}

/** Findings as readable lines, located in their document when it is given. */
export const showFindings = (fs: Finding[], doc?: LoadedDocument): string =>
  fs
    .map((f) => {
      const at = doc ? doc.locate(f.path) : undefined;
      return `${at ? `${at.file}:${at.line}:${at.column} ` : ''}${f.severity} ${formatPath(f.path)}: ${f.message}`;
    })
    .join('\n');
