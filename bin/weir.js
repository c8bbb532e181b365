#!/usr/bin/env node
// Entry shim for the `weir` command: loads the compiled CLI (built by `npm install` via `prepare`).
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
