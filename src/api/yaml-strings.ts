// Kubernetes' YAML reader (sigs.k8s.io/yaml) resolves `n`, `yes`, `off`, `0755` or `1.50` by YAML 1.1 rules, except where
// the Go field is a string: there it keeps the text as written. This pass does the same for our parsed manifests,
// walking the kind's schema beside the YAML syntax tree: `name: n` stays "n" while `mode: 0755` stays 493.
// (Argo's AnyString fields, such as parameter values, implement their own JSON decoding, so there Kubernetes
// converts first: `value: yes` is "true". Label values are plain strings and keep their text.)
import { isMap, isScalar, isSeq } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { TSchema } from '@sinclair/typebox';
import { resolveRef } from './schema-kit.js';

type S = TSchema & {
  type?: string;
  properties?: Record<string, S>;
  patternProperties?: Record<string, S>;
  items?: S;
  'x-weir-ref'?: string;
  'x-weir-keep-text'?: boolean;
};

const MAX_DEPTH = 200;

/** Replaces, in place, booleans and numbers at string-typed fields with their source text. Returns the value. */
export function restoreStringScalars(schema: TSchema, node: unknown, value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH || node === null || node === undefined) return value;
  let s = schema as S;
  if (s['x-weir-ref'] !== undefined) {
    const target = resolveRef(s['x-weir-ref']);
    if (target === undefined) return value;
    s = target;
  }
  const n = node as YamlNode;
  if (s.type === 'string' || s['x-weir-keep-text'] === true) {
    if (isScalar(n) && n.type === 'PLAIN' && typeof n.source === 'string' && (typeof value === 'boolean' || typeof value === 'number')) {
      return n.source;
    }
    return value;
  }
  if (isMap(n) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const pattern = s.patternProperties ? Object.values(s.patternProperties)[0] : undefined;
    for (const pair of n.items) {
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const child = s.properties?.[key] ?? pattern;
      if (child !== undefined && Object.hasOwn(obj, key)) obj[key] = restoreStringScalars(child, pair.value, obj[key], depth + 1);
    }
    return value;
  }
  if (isSeq(n) && Array.isArray(value) && s.items !== undefined) {
    n.items.forEach((item, i) => {
      if (i < value.length) value[i] = restoreStringScalars(s.items as S, item, value[i], depth + 1);
    });
  }
  return value;
}
