// The UI type-checks some of the server's API types (ui/src/types.ts), whose module graph reaches
// src/core/lazy-module.ts and its `node:module` import. The UI build has no Node types (it runs in a browser and
// never loads that module); this declares the one function that file uses, for the type check only.
declare module 'node:module' {
  export function createRequire(url: string): (id: string) => unknown;
}
