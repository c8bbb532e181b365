// A node:test reporter that records how long each test file took (the runner's file-level test: from the child
// process's start to its end) and writes them, longest first, as JSON to the path in WEIR_TEST_TIMINGS when the run
// ends. run-tests.js reads scripts/test-timings.json (a committed copy of such a file) to start the longest files
// first, so the two concurrent lanes end close together instead of one long kube file running alone at the end.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

export default async function* timings(source) {
  const byFile = new Map();
  for await (const event of source) {
    if (event.type !== 'test:complete' || event.data.nesting !== 0 || !event.data.file) continue;
    const file = relative(process.cwd(), event.data.file);
    // The file-level test is named by the file's path; tests declared in shared modules carry those modules' paths.
    if (event.data.name !== file || !file.endsWith('.test.js')) continue;
    byFile.set(file, event.data.details?.duration_ms ?? 0);
  }
  const out = process.env.WEIR_TEST_TIMINGS;
  if (!out) return;
  const sorted = [...byFile].sort((a, b) => b[1] - a[1]).map(([file, ms]) => [file.replace(/^dist\//, ''), Math.round(ms)]);
  writeFileSync(out, JSON.stringify(Object.fromEntries(sorted), null, 2) + '\n');
  yield '';
}
