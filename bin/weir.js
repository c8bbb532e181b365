#!/usr/bin/env node
// Entry shim for the `weir` command: loads the compiled CLI (built by `npm install` via `prepare`).
// Before that it turns on Node's compile cache (V8 code for our modules) in $XDG_CACHE_HOME/weir/compile, else
// ~/.cache/weir/compile, which saves part of a short command's start-up. A cache dir that cannot be made or written,
// NODE_DISABLE_COMPILE_CACHE, or a Node without the API only means no cache; NODE_COMPILE_CACHE=DIR picks the dir.
import { accessSync, constants, mkdirSync } from 'node:fs';
import module from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** The cache dir, made one level at a time (Node's recursive mkdir never returns on some paths, e.g. under /proc). */
function compileCacheDir() {
  const xdg = process.env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  const dir = join(base, 'weir', 'compile');
  for (const d of [base, join(base, 'weir'), dir]) {
    try {
      mkdirSync(d);
    } catch (e) {
      if (e?.code !== 'EEXIST') return undefined;
    }
  }
  accessSync(dir, constants.W_OK);
  return dir;
}

if (typeof module.enableCompileCache === 'function' && !process.env.NODE_COMPILE_CACHE && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  try {
    const dir = compileCacheDir();
    if (dir !== undefined) module.enableCompileCache(dir);
  } catch {
    // no cache: same behaviour, slower start
  }
}
import('../dist/src/cli/main.js')
  .then(({ main }) => main(process.argv.slice(2)))
  .then((code) => {
    process.exitCode = code;
  });
