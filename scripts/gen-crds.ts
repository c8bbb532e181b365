// Writes crds/ from the resource schemas (npm run gen:crds). Never edit crds/ by hand.
import { writeFileSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrdKustomization, renderCrds } from '../src/api/crd.js';
import { KIND_LIST } from '../src/api/kinds.js';
import { fileURLToPath } from 'node:url';

// Compiled to dist/scripts/, so the repository's crds/ is two levels up.
const dir = fileURLToPath(new URL('../../crds/', import.meta.url));
mkdirSync(dir, { recursive: true });
const crds = [...renderCrds(KIND_LIST)];
crds.push(renderCrdKustomization(crds));
for (const f of readdirSync(dir)) if (f.endsWith('.yaml') && !crds.some((c) => c.file === f)) unlinkSync(join(dir, f));
for (const c of crds) writeFileSync(join(dir, c.file), c.text);
console.log(`wrote ${crds.length} CRDs to ${dir}`);
