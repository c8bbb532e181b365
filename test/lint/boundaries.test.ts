// The dependency table is enforced, and says the same in the README and in scripts/lint/boundaries.js: a wrong
// import fails ESLint's weir/boundaries rule; the README rows name exactly the script's modules and permissions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

interface Row {
  module: string;
  imports: string[];
  types: string[];
}
const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const script = (await import(join(root, 'scripts/lint/boundaries.js'))) as { BOUNDARIES: Row[] };
const plugin = (await import(join(root, 'scripts/lint/eslint-plugin.js'))) as { weirPlugin: ESLint.Plugin };

async function lintAs(file: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { weir: plugin.weirPlugin },
        rules: { 'weir/boundaries': 'error' },
      },
    ],
  });
  const [res] = await eslint.lintText(code, { filePath: join(root, file) });
  return res.messages.map((m) => m.message);
}

test('a wrong import fails weir/boundaries; allowed and type-only imports pass', async () => {
  const bad = await lintAs('sensors/filters/x.ts', "import { WorkflowController } from '../../src/controller/controller.js';\n");
  assert.equal(bad.length, 1);
  assert.match(bad[0], /sensors may not import values from src\/controller/);
  const value = await lintAs('src/store/x.ts', "import { KINDS } from '../api/kinds.js';\n");
  assert.match(value[0] ?? '', /src\/store may not import values from src\/api/);
  assert.deepEqual(await lintAs('src/store/x.ts', "import type { KindName } from '../api/kinds.js';\n"), []);
  assert.deepEqual(await lintAs('src/store/x.ts', "import { type KindName } from '../api/kinds.js';\n"), []);
  assert.deepEqual(await lintAs('eventsources/x.ts', "import { text } from '../src/core/adapter-kit.js';\n"), []);
  const dyn = await lintAs('src/core/x.ts', "export const f = () => import('../cli/main.js');\n");
  assert.match(dyn[0] ?? '', /src\/core may not import values from src\/cli/);
  const unknown = await lintAs('src/newthing/x.ts', 'export const a = 1;\n');
  assert.match(unknown[0] ?? '', /in no row of the dependency table/);
});

test('the README dependency table and scripts/lint/boundaries.js say the same', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Dependency table'), readme.indexOf('## Dependencies'));
  const rows = section.split('\n').filter((l) => /^\| `/.test(l));
  const names = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  const seen: Row[] = [];
  for (const line of rows) {
    const [, mod, imports, types] = line.split('|').map((c) => c.trim());
    const module = names(mod)[0];
    let allowed = names(imports);
    if (imports.startsWith('everything above')) {
      allowed = [...new Set([...seen.flatMap((r) => [r.module]), ...allowed])];
    }
    seen.push({ module, imports: allowed, types: names(types) });
  }
  const sorted = (r: Row[]): Row[] => r.map((x) => ({ module: x.module, imports: [...x.imports].sort(), types: [...x.types].sort() }));
  assert.deepEqual(sorted(seen), sorted(script.BOUNDARIES));
});
