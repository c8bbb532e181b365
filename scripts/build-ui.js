#!/usr/bin/env node
// Builds the web UI (ui/) with Vite into dist/ui, which `weir server` serves at `/`. Run by `npm install` (prepare)
// and `npm run build:ui`. Type-checking is `tsc -p ui/tsconfig.json` (part of build:ui). No network access.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('../ui/', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/ui/', import.meta.url));

await build({
  root,
  base: '/',
  logLevel: 'warn',
  configFile: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir, emptyOutDir: true, target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 400, reportCompressedSize: false },
});
