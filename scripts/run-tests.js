#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js, or under the dir in WEIR_TEST_DIST) with node's test runner.
// Optional arguments filter test files by substring: `node scripts/run-tests.js lint expr`.
// Files start longest first, by the durations in scripts/test-timings.json (files it does not list go first: they
// are new and their length is unknown); WEIR_TEST_TIMINGS=<path> writes this run's durations there, in that format.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = process.env.WEIR_TEST_DIST ?? 'dist';
const filters = process.argv.slice(2);
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.js') && (filters.length === 0 || filters.some((f) => p.includes(f)))) files.push(p);
  }
})(root);
if (files.length === 0) {
  console.error(`no test files found under ${root}/`);
  process.exit(1);
}
const timingsFile = new URL('./test-timings.json', import.meta.url);
const known = existsSync(timingsFile) ? JSON.parse(readFileSync(timingsFile, 'utf8')) : {};
const msOf = (p) => known[p.slice(root.length + 1)] ?? Infinity;
files.sort((a, b) => msOf(b) - msOf(a) || a.localeCompare(b));
const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout'];
if (process.env.WEIR_TEST_TIMINGS)
  reporters.push(`--test-reporter=${new URL('./test-timings.js', import.meta.url).href}`, '--test-reporter-destination=stdout');
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...reporters, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
