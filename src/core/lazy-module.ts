// Loading a module on first use from synchronous code (Node's require of an ES module; silent from Node 22.14), for
// what a short CLI run rarely calls: `weir run` of a plain workflow then never resolves, compiles or evaluates it. The
// same module instance as a static or dynamic import would give; only ES modules without top-level await qualify.
import { createRequire } from 'node:module';

/** `lazyModule<typeof import('./x.js')>(import.meta.url, './x.js')()` loads ./x.js once, on the first call. */
export function lazyModule<M>(base: string, specifier: string): () => M {
  let mod: M | undefined;
  return () => (mod ??= createRequire(base)(specifier) as M);
}
