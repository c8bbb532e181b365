// A local ESLint plugin with one rule, `weir/boundaries`: every relative import is resolved to the folder it
// points at and checked against the dependency table in ./boundaries.js (value imports against `imports`,
// type-only imports against `imports` + `types`). ESLint's own no-restricted-imports matches the import text,
// which differs with each file's depth, so it cannot say "src/store may not import src/controller" exactly.
import { dirname, relative, resolve } from 'node:path';
import { GOVERNED_ROOTS, moduleOf } from './boundaries.js';

const root = resolve(import.meta.dirname, '..', '..');

function isTypeOnly(node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specs = node.specifiers ?? [];
  return specs.length > 0 && specs.every((s) => s.importKind === 'type' || s.exportKind === 'type');
}

const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'imports follow the dependency table in scripts/lint/boundaries.js (and the README)' },
    schema: [],
    messages: {
      forbidden: '{{from}} may not import {{kind}} from {{to}} (dependency table: scripts/lint/boundaries.js, README "Dependency table")',
      unknownModule: '{{file}} is in no row of the dependency table (scripts/lint/boundaries.js); add its folder there and to the README',
    },
  },
  create(context) {
    const file = relative(root, context.filename).split('\\').join('/');
    const own = moduleOf(file);
    if (!own) {
      if (GOVERNED_ROOTS.some((r) => file.startsWith(r))) {
        return { Program: (node) => context.report({ node, messageId: 'unknownModule', data: { file } }) };
      }
      return {};
    }
    const check = (node, source, typeOnly) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const target = relative(root, resolve(dirname(context.filename), source.value))
        .split('\\')
        .join('/');
      const to = moduleOf(target);
      if (!to || to.module === own.module) return;
      if (own.imports.includes(to.module)) return;
      if (typeOnly && own.types.includes(to.module)) return;
      context.report({
        node: source,
        messageId: 'forbidden',
        data: { from: own.module, to: to.module, kind: typeOnly ? 'types' : 'values' },
      });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source, isTypeOnly(node)),
      ExportNamedDeclaration: (node) => check(node, node.source, isTypeOnly(node)),
      ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, node.source, false),
    };
  },
};

export const weirPlugin = { meta: { name: 'weir' }, rules: { boundaries } };
