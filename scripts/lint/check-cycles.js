#!/usr/bin/env node
// Refuses value-import cycles between source files (src/, eventsources/, sensors/): a cycle makes module
// initialisation order depend on which file is loaded first. Type-only imports are erased at build time and do
// not count; dynamic import() does. Run by `npm test` after eslint; prints each cycle and exits 1 when there is one.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..', '..');
const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['src', 'eventsources', 'sensors'];

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts') && !p.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function valueImports(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out = [];
  for (const st of sf.statements) {
    let spec;
    let typeOnly = false;
    if (ts.isImportDeclaration(st)) {
      spec = st.moduleSpecifier;
      const c = st.importClause;
      if (c) {
        const named = c.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
        typeOnly = c.isTypeOnly || (!c.name && named !== undefined && named.length > 0 && named.every((e) => e.isTypeOnly));
      }
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier) {
      spec = st.moduleSpecifier;
      const named = st.exportClause && ts.isNamedExports(st.exportClause) ? st.exportClause.elements : undefined;
      typeOnly = st.isTypeOnly || (named !== undefined && named.length > 0 && named.every((e) => e.isTypeOnly));
    }
    if (!spec || typeOnly || !ts.isStringLiteral(spec) || !spec.text.startsWith('.')) continue;
    const target = resolve(dirname(file), spec.text).replace(/\.js$/, '.ts');
    out.push(target);
  }
  // Dynamic imports load values too (a lazily loaded verb that imports its loader back is still a cycle).
  for (const m of sf.text.matchAll(/\bimport\(\s*'(\.[^']+)'\s*\)/g)) {
    out.push(resolve(dirname(file), m[1]).replace(/\.js$/, '.ts'));
  }
  return out;
}

const files = roots.flatMap((r) => walk(join(root, r), []));
const graph = new Map(files.map((f) => [f, valueImports(f).filter((t) => t !== f)]));

// Tarjan's strongly connected components, iteratively (no recursion depth limit).
let index = 0;
const idx = new Map();
const low = new Map();
const onStack = new Set();
const stack = [];
const cycles = [];
for (const start of files) {
  if (idx.has(start)) continue;
  const work = [[start, 0]];
  idx.set(start, index);
  low.set(start, index);
  index++;
  stack.push(start);
  onStack.add(start);
  while (work.length) {
    const top = work[work.length - 1];
    const [v, i] = top;
    const edges = graph.get(v) ?? [];
    if (i < edges.length) {
      top[1]++;
      const w = edges[i];
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        idx.set(w, index);
        low.set(w, index);
        index++;
        stack.push(w);
        onStack.add(w);
        work.push([w, 0]);
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    } else {
      work.pop();
      if (work.length) {
        const u = work[work.length - 1][0];
        low.set(u, Math.min(low.get(u), low.get(v)));
      }
      if (low.get(v) === idx.get(v)) {
        const comp = [];
        let w;
        do {
          w = stack.pop();
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1) cycles.push(comp);
      }
    }
  }
}

if (cycles.length) {
  for (const c of cycles)
    console.error(
      `import cycle (value imports): ${c
        .map((f) => relative(root, f))
        .sort()
        .join(' <-> ')}`,
    );
  process.exit(1);
}
console.log(`import cycles: none among ${files.length} files`);
