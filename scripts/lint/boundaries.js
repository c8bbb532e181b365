// The module dependency table: which folder may import which. The README's "Dependency table" says the same in
// words (a test compares them), the ESLint rule in ./eslint-plugin.js enforces it on every import, and
// ./check-cycles.js refuses value-import cycles between files. Adding a folder means adding a row here.

/**
 * One row per module. `imports`: modules it may import values and types from. `types`: modules it may import
 * only types from (`import type`, or every specifier marked `type`). Paths are repo-relative folder prefixes;
 * a file belongs to the longest module path that contains it.
 */
export const BOUNDARIES = [
  { module: 'src/core', imports: [], types: [] },
  { module: 'src/expr', imports: ['src/core'], types: [] },
  { module: 'src/api', imports: ['src/core', 'src/expr'], types: [] },
  { module: 'src/store', imports: ['src/core'], types: ['src/api'] },
  { module: 'src/executor', imports: ['src/core'], types: ['src/api'] },
  { module: 'src/bus', imports: ['src/core'], types: ['src/api'] },
  { module: 'src/artifacts', imports: ['src/core'], types: ['src/api'] },
  { module: 'eventsources', imports: ['src/core'], types: ['src/api'] },
  { module: 'sensors', imports: ['src/core'], types: ['src/api'] },
  { module: 'src/leader', imports: ['src/core', 'src/store'], types: [] },
  { module: 'src/cron', imports: ['src/core', 'src/api', 'src/expr', 'src/store'], types: [] },
  {
    module: 'src/controller',
    imports: ['src/core', 'src/api', 'src/expr', 'src/store', 'src/executor', 'src/artifacts'],
    types: [],
  },
  {
    module: 'src/eventsource-host',
    imports: ['src/core', 'src/api', 'src/expr', 'src/store', 'src/bus', 'eventsources'],
    types: [],
  },
  {
    module: 'src/sensor-host',
    imports: ['src/core', 'src/api', 'src/expr', 'src/store', 'src/bus', 'src/controller', 'sensors'],
    types: [],
  },
  {
    module: 'src/server',
    imports: [
      'src/core',
      'src/api',
      'src/expr',
      'src/store',
      'src/executor',
      'src/bus',
      'src/artifacts',
      'src/leader',
      'src/cron',
      'src/controller',
      'src/eventsource-host',
      'src/sensor-host',
      'eventsources',
      'sensors',
    ],
    types: [],
  },
  {
    module: 'src/cli',
    imports: [
      'src/core',
      'src/api',
      'src/expr',
      'src/store',
      'src/executor',
      'src/bus',
      'src/artifacts',
      'src/leader',
      'src/cron',
      'src/controller',
      'src/eventsource-host',
      'src/sensor-host',
      'src/server',
      'eventsources',
      'sensors',
    ],
    types: [],
  },
];

/** Folders whose files must belong to a row (a new folder under them needs a row). */
export const GOVERNED_ROOTS = ['src/', 'eventsources/', 'sensors/'];

/** The row a repo-relative file path belongs to, or undefined. */
export function moduleOf(relPath) {
  let best;
  for (const row of BOUNDARIES) {
    if (relPath === row.module || relPath.startsWith(row.module + '/')) {
      if (!best || row.module.length > best.module.length) best = row;
    }
  }
  return best;
}
