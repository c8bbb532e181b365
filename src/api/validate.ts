// Schema validation for manifests: walks a schema built with src/api/schema-kit.ts alongside a value and
// reports findings by field path. Type mismatches and missing required fields are errors; unknown fields are
// warnings with a "did you mean" suggestion. Interpretive (no code generation), so it is safe on any input.
import type { TSchema } from '@sinclair/typebox';
import { resolveRef } from './schema-kit.js';
import { finding } from './findings.js';
import type { FieldPath, Finding } from './findings.js';
import { suggest } from '../core/suggest.js';

type JsonSchema = TSchema & {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  patternProperties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  pattern?: string;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-weir-scalar'?: boolean;
  'x-weir-ref'?: string;
};

const MAX_DEPTH = 200;

/** Validates `value` against `schema`; returns every finding (empty when valid). */
export function validateAgainst(schema: TSchema, value: unknown, basePath: FieldPath = []): Finding[] {
  const out: Finding[] = [];
  walk(schema, value, [...basePath], out, 0);
  return out;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string':
      return `a string (${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)})`;
    case 'number':
      return Number.isInteger(v) ? `an integer (${v})` : `a number (${v})`;
    case 'boolean':
      return `a boolean (${v})`;
    case 'object':
      return 'a map';
    default:
      return typeof v;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(schema: JsonSchema, value: unknown, path: (string | number)[], out: Finding[], depth: number): void {
  if (depth > MAX_DEPTH) {
    out.push(finding('error', 'schema', path, 'document is nested too deeply'));
    return;
  }
  const ref = schema['x-weir-ref'];
  if (ref !== undefined) {
    const target = resolveRef(ref);
    if (target === undefined) throw new Error(`schema reference ${ref} is not registered`);
    walk(target, value, path, out, depth + 1);
    return;
  }
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && typeof value !== 'number') {
      out.push(finding('error', 'schema', path, `expected an integer or a string, got ${describe(value)}`));
    }
    return;
  }
  if (schema['x-weir-scalar']) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      out.push(finding('error', 'schema', path, `expected a string, got ${describe(value)}`));
    }
    return;
  }
  if (schema.anyOf !== undefined) {
    // Pick the branch with the fewest errors; report its findings.
    let best: Finding[] | undefined;
    for (const branch of schema.anyOf) {
      const f: Finding[] = [];
      walk(branch, value, path, f, depth + 1);
      const errs = f.filter((x) => x.severity === 'error').length;
      if (best === undefined || errs < best.filter((x) => x.severity === 'error').length) best = f;
      if (errs === 0) break;
    }
    out.push(...(best ?? []));
    return;
  }
  if (schema['x-kubernetes-preserve-unknown-fields'] && schema.properties === undefined) {
    if (schema.type === 'object' && !isPlainObject(value)) {
      out.push(finding('error', 'schema', path, `expected a map, got ${describe(value)}`));
    }
    return;
  }
  if (schema.const !== undefined && value !== schema.const) {
    out.push(finding('error', 'schema', path, `must be ${JSON.stringify(schema.const)}, got ${describe(value)}`));
    return;
  }
  switch (schema.type) {
    case 'object':
      return walkObject(schema, value, path, out, depth);
    case 'array':
      if (!Array.isArray(value)) {
        out.push(finding('error', 'schema', path, `expected a list, got ${describe(value)}`));
        return;
      }
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        out.push(finding('error', 'schema', path, `needs at least ${schema.minItems} item(s)`));
      }
      if (schema.items) value.forEach((item, i) => walk(schema.items as JsonSchema, item, [...path, i], out, depth + 1));
      return;
    case 'string':
      if (typeof value !== 'string') {
        out.push(finding('error', 'schema', path, `expected a string, got ${describe(value)}`));
        return;
      }
      if (schema.enum !== undefined && !schema.enum.includes(value)) {
        const hint = suggest(value, schema.enum.map(String));
        out.push(
          finding(
            'error',
            'schema',
            path,
            `${JSON.stringify(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`,
          ),
        );
      }
      if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
        out.push(finding('error', 'schema', path, `${JSON.stringify(value)} does not match the pattern ${schema.pattern}`));
      }
      return;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (schema.type === 'integer' && !Number.isInteger(value))) {
        out.push(
          finding('error', 'schema', path, `expected ${schema.type === 'integer' ? 'an integer' : 'a number'}, got ${describe(value)}`),
        );
        return;
      }
      if (schema.minimum !== undefined && value < schema.minimum) {
        out.push(finding('error', 'schema', path, `must be at least ${schema.minimum}, got ${value}`));
      }
      if (schema.maximum !== undefined && value > schema.maximum) {
        out.push(finding('error', 'schema', path, `must be at most ${schema.maximum}, got ${value}`));
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') out.push(finding('error', 'schema', path, `expected true or false, got ${describe(value)}`));
      return;
    default:
      return; // no type constraint
  }
}

function walkObject(schema: JsonSchema, value: unknown, path: (string | number)[], out: Finding[], depth: number): void {
  if (!isPlainObject(value)) {
    out.push(finding('error', 'schema', path, `expected a map, got ${describe(value)}`));
    return;
  }
  const props = schema.properties;
  const pattern = schema.patternProperties ? Object.values(schema.patternProperties)[0] : undefined;
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const req of schema.required ?? []) {
    if (value[req] === undefined || value[req] === null) {
      out.push(finding('error', 'required', [...path, req], `${req} is required`));
    }
  }
  for (const [key, v] of Object.entries(value)) {
    const propSchema = props?.[key] ?? pattern ?? additional;
    if (propSchema === undefined) {
      if (schema['x-kubernetes-preserve-unknown-fields'] || schema.additionalProperties === true) continue;
      const hint = props ? suggest(key, Object.keys(props)) : undefined;
      out.push(
        finding(
          'warning',
          'unknown-field',
          [...path, key],
          `unknown field ${JSON.stringify(key)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`,
        ),
      );
      continue;
    }
    if (v === null || v === undefined) continue; // null means unset, as in Kubernetes
    walk(propSchema, v, [...path, key], out, depth + 1);
  }
}
